"""The public form's limit counts each client, also behind a proxy, and cannot be dodged."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.reports.models import Report
from tests.subjects.platform import HOST, register

pytestmark = pytest.mark.django_db
CSE = ["start", "me", "sensitive", "cse", "yes", "submit"]
PROXY = "192.0.2.1"


@pytest.fixture(autouse=True)
def _small_limit(settings: object, actor: Actor) -> None:
    register(actor)  # the form takes links to the registered platform only
    settings.SHIELDWALL = dataclasses.replace(  # type: ignore[attr-defined]
        settings.SHIELDWALL,  # type: ignore[attr-defined]
        report_submits_per_hour=3,
        trusted_proxies=(ipaddress.ip_network("192.0.2.0/24"),),
    )


def _submit(token: str, **meta: str) -> int:
    """Walk the flow to Submit from one client; the final status."""
    client = Client(**meta)  # type: ignore[arg-type]
    start = {
        "subject_url": f"https://{HOST}/p/1",
        "subject_type": "post",
        "has_media": "yes",
        "token": token,
    }
    page = client.post("/report", start)
    for option in CSE:
        page = client.post("/report", {**start, "path": page.context["path"], "option": option})
    return int(page.status_code)


def test_behind_the_proxy_one_abuser_does_not_block_everyone() -> None:
    abuser = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    assert [_submit(f"a{n}", **abuser) for n in range(4)] == [200, 200, 200, 429]
    neighbour = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.77"}
    assert _submit("b0", **neighbour) == 200
    assert Report.objects.count() == 4


def test_a_forged_forwarded_header_does_not_dodge_the_limit() -> None:
    # Not through our proxy: each request claims another address, all come from one peer.
    statuses = [
        _submit(f"f{n}", REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Nor does prepending a forged hop in front of our proxy's.
    spoof = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.1, 198.51.100.66"}
    for n in range(3):
        _submit(f"s{n}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert _submit("s-over", **spoof) == 429
