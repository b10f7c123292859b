"""A fake NCMEC hash sharing API (v2, XML), as threatexchange's NCMECHashAPI speaks it.

GET {base}/v2/entries?from=...&to=... with HTTP Basic auth answers a <queryResult> holding the
entries whose last change lies in [from, to], in <images>/<videos> with a maxTimestamp, deleted
ones as <deletedImage>/<deletedVideo>, and a <paging><next> path (relative to the base URL)
when more pages follow. The base URL has a path, like https://report.cybertip.org/hashsharing.
"""

from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeService

NS = "https://hashsharing.ncmec.org/hashsharing/v2"
PREFIX = "/hashsharing"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _parse_date(raw: str) -> int:
    raw = raw.replace(".000Z", "Z")
    return int(datetime.strptime(raw, DATE_FORMAT).replace(tzinfo=UTC).timestamp())


def _format_date(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime(DATE_FORMAT)


@dataclass
class Entry:
    id: str
    member_id: int
    kind: str  # "image" or "video"
    fingerprints: dict[str, str]
    classification: str = "A1"
    timestamp: int = field(default_factory=lambda: int(time.time()) - 3600)
    deleted: bool = False


class FakeNCMEC(FakeService):
    """Holds entries by (member, id); `delete` turns one into a tombstone with a new timestamp."""

    def __init__(
        self, *, user: str = "esp-user", password: str = "esp-pass", page_size: int = 1000
    ):
        super().__init__()
        self.user, self.password, self.page_size = user, password, page_size
        self.entries: dict[tuple[int, str], Entry] = {}

    @property
    def base_url(self) -> str:
        return self.origin + PREFIX

    def add(
        self,
        entry_id: str,
        kind: str,
        fingerprints: dict[str, str],
        *,
        member_id: int = 42,
        age: int = 3600,
    ) -> Entry:
        entry = Entry(entry_id, member_id, kind, fingerprints, timestamp=int(time.time()) - age)
        self.entries[member_id, entry_id] = entry
        return entry

    def delete(self, entry_id: str, *, member_id: int = 42, age: int = 60) -> None:
        entry = self.entries[member_id, entry_id]
        entry.deleted, entry.fingerprints = True, {}
        entry.timestamp = int(time.time()) - age

    def handle_get(self, path: str, params: dict[str, str], headers: Any) -> tuple[int, bytes, str]:
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, b"<error>Unauthorized</error>", "application/xml"
        if path != PREFIX + "/v2/entries":
            return 404, b"<error>Not found</error>", "application/xml"
        start_ts, end_ts = _parse_date(params["from"]), _parse_date(params["to"])
        matching = sorted(
            (e for e in self.entries.values() if start_ts <= e.timestamp <= end_ts),
            key=lambda e: (e.member_id, e.id),
        )
        start = int(params.get("start", "1"))
        size = int(params.get("size", str(self.page_size)))
        page = matching[start - 1 : start - 1 + size]
        root = ET.Element("queryResult", xmlns=NS)
        for kind in ("image", "video"):
            items = [e for e in page if e.kind == kind]
            if not items:
                continue
            group = ET.SubElement(
                root,
                kind + "s",
                count=str(len(items)),
                maxTimestamp=_format_date(max(e.timestamp for e in items)),
            )
            for e in items:
                node = ET.SubElement(group, ("deleted" + kind.title()) if e.deleted else kind)
                ET.SubElement(node, "member", id=str(e.member_id)).text = f"ESP {e.member_id}"
                ET.SubElement(node, "timestamp").text = _format_date(e.timestamp)
                ET.SubElement(node, "id").text = e.id
                if not e.deleted:
                    ET.SubElement(node, "classification").text = e.classification
                    prints = ET.SubElement(node, "fingerprints")
                    for name, value in e.fingerprints.items():
                        ET.SubElement(prints, name).text = value
        if start - 1 + size < len(matching):
            query = urlencode(
                {
                    "from": params["from"],
                    "to": params["to"],
                    "start": start + size,
                    "size": size,
                    "max": len(matching),
                }
            )
            ET.SubElement(ET.SubElement(root, "paging"), "next").text = "/v2/entries?" + query
        body = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + ET.tostring(root)
        return 200, body, "application/xml"
