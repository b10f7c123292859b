"""A fake StopNCII.org API (JSON), as threatexchange's StopNCIIAPI speaks it.

GET {base}/FetchHashes?startTimestamp=...&pageSize=...[&nextPageToken=...] with the
`x-functions-key` and `Ocp-Apim-Subscription-Key` headers answers {count, nextPageToken,
nextSetTimestamp, hasMoreRecords, hashRecords: [{lastModtimestamp, signalType, hashValue,
hashStatus, caseNumbers, CSPFeedbacks}]}, records changed since startTimestamp, oldest first.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from tests.fakes.server import FakeService

GONE = ("Withdrawn", "Deleted")


class FakeStopNCII(FakeService):
    """Holds hash records by (signalType, hashValue); `withdraw` closes a case on every hash."""

    def __init__(
        self,
        *,
        subscription_key: str = "sub-key",
        fetch_key: str = "fetch-key",
        page_size_cap: int = 800,
    ) -> None:
        super().__init__()
        self.subscription_key, self.fetch_key = subscription_key, fetch_key
        self.page_size_cap = page_size_cap
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.raw: list[dict[str, Any]] = []  # sent as they are (malformed records)

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    def add(
        self,
        hash_value: str,
        *cases: str,
        signal_type: str = "ImagePDQ",
        feedback: str | None = None,
    ) -> None:
        record = self.records.setdefault(
            (signal_type, hash_value),
            {
                "lastModtimestamp": 0,
                "signalType": signal_type,
                "hashValue": hash_value,
                "hashStatus": "Active",
                "caseNumbers": {},
                "CSPFeedbacks": [],
            },
        )
        for case in cases:
            record["caseNumbers"][case] = "Active"
        if feedback:
            record["CSPFeedbacks"].append(
                {"source": "OtherPlatform", "feedbackValue": feedback, "tags": ["Nude"]}
            )
        self._touch(record)

    def withdraw(self, case: str) -> None:
        for record in self.records.values():
            if case in record["caseNumbers"]:
                record["caseNumbers"][case] = "Withdrawn"
                if all(s in GONE for s in record["caseNumbers"].values()):
                    record["hashStatus"] = "Withdrawn"
                self._touch(record)

    def _touch(self, record: dict[str, Any]) -> None:
        record["lastModtimestamp"] = max(int(time.time()), record["lastModtimestamp"] + 1)

    def handle_get(self, path: str, params: dict[str, str], headers: Any) -> tuple[int, bytes, str]:
        if (
            headers.get("x-functions-key") != self.fetch_key
            or headers.get("Ocp-Apim-Subscription-Key") != self.subscription_key
        ):
            return 401, b'{"statusCode": 401, "message": "Access denied"}', "application/json"
        if path != "/v1/FetchHashes":
            return 404, b'{"statusCode": 404}', "application/json"
        since = int(params.get("startTimestamp", "0"))
        size = min(int(params.get("pageSize", "800")), self.page_size_cap)
        offset = (
            int(base64.b64decode(params["nextPageToken"])) if params.get("nextPageToken") else 0
        )
        records = sorted(
            (r for r in self.records.values() if r["lastModtimestamp"] >= since),
            key=lambda r: (r["lastModtimestamp"], r["hashValue"]),
        )
        records = [*records, *self.raw]
        page = records[offset : offset + size]
        more = offset + size < len(records)
        stamps = [r.get("lastModtimestamp", 0) for r in records[: offset + size]]
        body = {
            "count": len(page),
            "nextPageToken": base64.b64encode(str(offset + size).encode()).decode()
            if more
            else None,
            "nextSetTimestamp": max(stamps, default=since),
            "hasMoreRecords": more,
            "hashRecords": page,
        }
        return 200, json.dumps(body).encode(), "application/json"
