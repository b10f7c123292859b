"""Hash exchanges reach only public hosts or allowed ones, checked again at every connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from threatexchange.exchanges.clients.ncmec.hash_api import NCMECEnvironment

from shieldwall.banks import services
from shieldwall.banks.events import BankEvent
from shieldwall.banks.exchanges import ExchangeError, add_exchange, get_exchange, sync_exchange
from shieldwall.banks.models import BankEntry, BankExchange
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Invalid
from shieldwall.core.models import AuditEvent
from tests.egress_support import PUBLIC, FakeDNS
from tests.fakes.ncmec import FakeNCMEC
from tests.fakes.stopncii import FakeStopNCII

pytestmark = pytest.mark.django_db

REASON = "ticket 5: join the hash exchange"
MD5_A = "0123456789abcdef" * 2


@pytest.fixture
def bank(actor: Actor, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in {
        "SHIELDWALL_NCMEC_USER": "esp-user",
        "SHIELDWALL_NCMEC_PASSWORD": "esp-pass",
        "SHIELDWALL_STOPNCII_SUBSCRIPTION_KEY": "sub-key",
        "SHIELDWALL_STOPNCII_FETCH_KEY": "fetch-key",
    }.items():
        monkeypatch.setenv(name, value)
    services.create_bank(name="ex", actor=actor)
    return "ex"


@pytest.fixture
def ncmec() -> Iterator[FakeNCMEC]:
    fake = FakeNCMEC().start()
    fake.add("image1", "image", {"md5": MD5_A})
    yield fake
    fake.stop()


def _sync(actor: Actor) -> Any:
    return sync_exchange(exchange_id=get_exchange(bank_name="ex", actor=actor).pk, actor=actor)


@pytest.mark.parametrize(
    ("api", "base_url"),
    [
        ("ncmec", "https://169.254.169.254/hashsharing"),
        ("ncmec", "https://10.1.1.1/hashsharing"),
        ("stopncii", "https://[fd00:ec2::254]/api"),
        ("stopncii", "https://intranet.platform.test/api"),
        ("stopncii", "http://localhost:9000/api"),
    ],
)
def test_exchange_urls_to_private_hosts_are_refused(
    actor: Actor, bank: str, dns: FakeDNS, allow: Any, api: str, base_url: str
) -> None:
    allow()
    dns.names["intranet.platform.test"] = ["172.20.0.3"]
    config: dict[str, Any] = {"base_url": base_url}
    if api == "ncmec":
        config["environment"] = "Industry"
    with pytest.raises(Invalid) as exc:
        add_exchange(bank_name=bank, api=api, config=config, actor=actor, reason=REASON)
    assert (exc.value.code, exc.value.field) == ("destination_refused", "base_url")
    assert not BankExchange.objects.exists()


def test_an_exchange_host_that_turns_private_is_not_contacted(
    actor: Actor, bank: str, dns: FakeDNS, ncmec: FakeNCMEC
) -> None:
    dns.names["ncmec.platform.test"] = [PUBLIC]
    base_url = f"https://ncmec.platform.test:{ncmec.port}/hashsharing"
    config = {"environment": "test_Industry", "base_url": base_url}
    add_exchange(bank_name=bank, api="ncmec", config=config, actor=actor, reason=REASON)
    dns.names["ncmec.platform.test"] = ["127.0.0.1"]  # where the fake listens

    with pytest.raises(ExchangeError) as exc:
        _sync(actor)
    assert exc.value.code == "destination_refused"
    assert "ncmec.platform.test (127.0.0.1) is a loopback address" in exc.value.message
    assert ncmec.requests == []
    assert not BankEntry.objects.exists()
    failed = AuditEvent.objects.get(action=BankEvent.EXCHANGE_SYNC_FAILED)
    assert failed.data["code"] == "destination_refused"


def test_ncmec_at_its_own_address_goes_through_the_same_check(
    actor: Actor, bank: str, dns: FakeDNS
) -> None:
    host = urlsplit(NCMECEnvironment.Industry.value).hostname
    assert host
    dns.names[host] = [PUBLIC]
    config = {"environment": "Industry"}
    add_exchange(bank_name=bank, api="ncmec", config=config, actor=actor, reason=REASON)
    dns.names[host] = ["10.0.0.1"]
    with pytest.raises(ExchangeError) as exc:
        _sync(actor)
    assert exc.value.code == "destination_refused"


def test_stopncii_is_checked_at_connect_too(actor: Actor, bank: str, dns: FakeDNS) -> None:
    fake = FakeStopNCII().start()
    try:
        dns.names["stopncii.platform.test"] = [PUBLIC]
        base_url = f"https://stopncii.platform.test:{fake.port}/api"
        add_exchange(
            bank_name=bank,
            api="stopncii",
            config={"base_url": base_url},
            actor=actor,
            reason=REASON,
        )
        dns.names["stopncii.platform.test"] = ["192.168.1.20"]
        with pytest.raises(ExchangeError) as exc:
            _sync(actor)
        assert exc.value.code == "destination_refused"
        assert fake.requests == []
    finally:
        fake.stop()


class _Redirect(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/iam")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_redirect_to_the_metadata_service_is_not_followed(actor: Actor, bank: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/hashsharing"  # allowed in tests
        config = {"environment": "test_Industry", "base_url": base_url}
        add_exchange(bank_name=bank, api="ncmec", config=config, actor=actor, reason=REASON)
        with pytest.raises(ExchangeError) as exc:
            _sync(actor)
        assert exc.value.code == "destination_refused"
        assert "169.254.169.254 is a cloud metadata address" in exc.value.message
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
