"""/metrics: Prometheus's text format, to allowed addresses only, added up across processes."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from shieldwall.cases.metrics import case_metrics
from shieldwall.config import ConfigError, load_config
from shieldwall.core import metrics_dir
from shieldwall.core.metrics import (
    NoCollectors,
    app_collectors,
    collector_name,
    exposition,
    labelled_gauge,
)
from shieldwall.core.models import AuditEvent
from tests.metrics_support import parse, sample

pytestmark = pytest.mark.django_db

EXPECTED = {
    "shieldwall_scans",
    "shieldwall_scan_duration_seconds",
    "shieldwall_match_duration_seconds",
    "shieldwall_cases_open",
    "shieldwall_cases_oldest_open_age_seconds",
    "shieldwall_cases_overdue",
    "shieldwall_filer_lag_seconds",
    "shieldwall_outbox_pending",
    "shieldwall_outbox_oldest_due_age_seconds",
    "shieldwall_outbox_dead",
    "shieldwall_collector_up",
}


def _allow(settings: Any, *networks: str, proxies: tuple[str, ...] = ()) -> None:
    settings.SHIELDWALL = dataclasses.replace(
        settings.SHIELDWALL,
        metrics_allow=tuple(ipaddress.ip_network(n) for n in networks),
        trusted_proxies=tuple(ipaddress.ip_network(p) for p in proxies),
    )


def test_loopback_gets_every_family_in_prometheus_text_format() -> None:
    # Every family is described, even before the first scan: a counter with no samples yet.
    import shieldwall.matching.services  # noqa: F401  (its instruments, as a worker has them)

    r = Client().get("/metrics")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/plain; version=0.0.4")
    names = {f.name for f in text_string_to_metric_families(r.content.decode())}
    assert names >= EXPECTED


def test_every_collector_reports_up() -> None:
    samples = parse(Client().get("/metrics").content.decode())
    for name in (
        "shieldwall.cases.metrics.case_metrics",
        "shieldwall.integrations.metrics.outbox_metrics",
    ):
        assert sample(samples, "shieldwall_collector_up", collector=name) == 1


def test_a_scrape_sets_no_cookie_writes_no_audit_event_and_is_not_cached() -> None:
    before = AuditEvent.objects.count()
    r = Client().get("/metrics")
    assert r.status_code == 200
    assert not r.cookies
    assert r["Cache-Control"] == "no-store"
    assert AuditEvent.objects.count() == before


def test_an_address_not_allowed_is_refused_without_the_figures() -> None:
    r = Client(REMOTE_ADDR="203.0.113.5").get("/metrics")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert b"shieldwall_" not in r.content


def test_a_forwarded_loopback_from_an_untrusted_peer_is_refused() -> None:
    r = Client(REMOTE_ADDR="203.0.113.5").get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert r.status_code == 403


def test_a_trusted_proxy_is_believed_about_the_scraper(settings: Any) -> None:
    _allow(settings, "192.0.2.0/24", proxies=("10.0.0.0/8",))
    behind = Client(REMOTE_ADDR="10.0.0.2")
    assert behind.get("/metrics", HTTP_X_FORWARDED_FOR="192.0.2.7").status_code == 200
    assert behind.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 403


def test_the_proxy_itself_is_not_the_scraper(settings: Any) -> None:
    _allow(settings, "10.0.0.0/8", proxies=("10.0.0.0/8",))
    r = Client(REMOTE_ADDR="10.0.0.2").get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert r.status_code == 403


def test_an_ipv6_scraper_in_an_allowed_network(settings: Any) -> None:
    _allow(settings, "2001:db8::/32")
    assert Client(REMOTE_ADDR="2001:db8::5").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 403


def test_other_methods_get_a_json_405() -> None:
    r = Client().post("/metrics")
    assert r.status_code == 405
    assert r["Allow"] == "GET, HEAD"
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_the_default_is_loopback_only(tmp_path: Path) -> None:
    config = load_config({"SHIELDWALL_HOME": str(tmp_path)})
    assert [str(n) for n in config.metrics_allow] == ["127.0.0.0/8", "::1/128"]


def test_metrics_allow_is_read_as_networks(tmp_path: Path) -> None:
    env = {"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_METRICS_ALLOW": "10.1.2.3, 192.0.2.0/24"}
    config = load_config(env)
    assert [str(n) for n in config.metrics_allow] == ["10.1.2.3/32", "192.0.2.0/24"]


def test_a_malformed_metrics_allow_names_the_setting(tmp_path: Path) -> None:
    env = {"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_METRICS_ALLOW": "prometheus.local"}
    with pytest.raises(ConfigError, match="SHIELDWALL_METRICS_ALLOW"):
        load_config(env)


def test_head_answers_without_a_body() -> None:
    r = Client().head("/metrics")
    assert r.status_code == 200
    assert r.content == b""


def test_a_request_without_a_peer_address_is_refused() -> None:
    assert Client(REMOTE_ADDR="").get("/metrics").status_code == 403


def test_each_app_s_collectors_are_found_by_name() -> None:
    names = [collector_name(c) for c in app_collectors()]
    assert names == [
        "shieldwall.core.metrics.worker_job_metrics",
        "shieldwall.matching.metrics.snapshot_metrics",
        "shieldwall.integrations.metrics.outbox_metrics",
        "shieldwall.cases.metrics.case_metrics",
        "shieldwall.discovery.metrics.discovery_metrics",
    ]


def test_every_collector_answers_with_shieldwall_families() -> None:
    for collector in app_collectors():
        families = list(collector())
        assert families, collector_name(collector)
        assert all(f.name.startswith("shieldwall_") for f in families)


def test_a_metrics_module_without_collectors_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shieldwall
    from shieldwall.core import metrics

    # An app `shieldwall.probe` on disk whose metrics.py forgot its COLLECTORS tuple.
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "__init__.py").write_text("")
    (tmp_path / "probe" / "metrics.py").write_text("COUNT = 1\n")
    monkeypatch.setattr(shieldwall, "__path__", [*shieldwall.__path__, str(tmp_path)])
    monkeypatch.setattr(metrics, "_app_names", lambda: ["shieldwall.probe"])
    app_collectors.cache_clear()
    try:
        with pytest.raises(NoCollectors, match=r"shieldwall\.probe\.metrics"):
            app_collectors()
    finally:
        app_collectors.cache_clear()


def queue_depth_collector() -> list[Any]:
    """A collector an app would add with one entry (for the test below)."""
    return [labelled_gauge("shieldwall_example_depth", "Example.", "queue", {"a": 2, "b": 5})]


def test_a_collector_s_families_are_served() -> None:
    samples = parse(exposition((queue_depth_collector,)).decode())
    assert sample(samples, "shieldwall_example_depth", queue="a") == 2
    assert sample(samples, "shieldwall_example_depth", queue="b") == 5


def broken_collector() -> list[Any]:
    """A collector whose query fails (for the test below)."""
    raise RuntimeError("the database went away")


def test_a_failing_collector_is_reported_down_and_the_rest_still_served() -> None:
    samples = parse(exposition((broken_collector, case_metrics)).decode())
    up = "shieldwall_collector_up"
    assert sample(samples, up, collector="tests.core.test_metrics.broken_collector") == 0
    assert sample(samples, up, collector="shieldwall.cases.metrics.case_metrics") == 1
    assert ("shieldwall_cases_open", (("tier", "cse"),)) in samples


# Each process stands for one gunicorn worker: it names the folder as serve does, then scans.
_WORKER = textwrap.dedent(
    """
    import sys
    import os
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = sys.argv[1]
    from shieldwall.matching.metrics import record_scan
    for _ in range(int(sys.argv[2])):
        record_scan(verdict="block", bank_kind="ncii", seconds=0.02)
    """
)


def _worker(folder: Path, scans: int) -> None:
    subprocess.run(
        [sys.executable, "-c", _WORKER, str(folder), str(scans)],
        env=os.environ.copy(),
        check=True,
        timeout=60,
    )


def test_a_scrape_adds_up_every_worker_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    _worker(folder, 2)
    _worker(folder, 3)
    assert len(list(folder.glob("counter_*.db"))) == 2  # one file per process
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    samples = parse(exposition(()).decode())
    assert sample(samples, "shieldwall_scans_total", verdict="block", bank_kind="ncii") == 5
    assert sample(samples, "shieldwall_scan_duration_seconds_count") == 5


def test_a_serve_starts_from_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prometheus_client import values

    # Both are process-wide: restored after the test so later tests keep one process's metrics.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.setattr(values, "ValueClass", values.ValueClass)
    folder = metrics_dir.metrics_folder(tmp_path, "127.0.0.1", 8000)
    folder.mkdir(parents=True)
    (folder / "counter_123.db").write_bytes(b"left by an earlier serve")
    metrics_dir.use_multiprocess_folder(folder)
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
    assert list(folder.iterdir()) == []


def test_metrics_made_after_the_folder_is_named_use_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prometheus_client import values

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.setattr(values, "ValueClass", values.MutexValue)
    metrics_dir.use_multiprocess_folder(tmp_path)
    assert values.ValueClass is not values.MutexValue  # prometheus-client was imported first


def test_a_reaped_worker_leaves_its_counts_but_not_its_live_gauges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "counter_4242.db").write_bytes(b"")
    (tmp_path / "gauge_liveall_4242.db").write_bytes(b"")
    metrics_dir.worker_exited(4242)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_4242.db"]


def test_a_garbled_forwarded_header_from_a_trusted_proxy_gets_a_json_refusal(
    settings: Any,
) -> None:
    _allow(settings, "192.0.2.0/24", proxies=("10.0.0.0/8",))
    behind = Client(REMOTE_ADDR="10.0.0.2")
    for forged in ("not-an-address", "192.0.2.7\x00", "[::1", "," * 500, "1" * 5000):
        r = behind.get("/metrics", HTTP_X_FORWARDED_FOR=forged)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "forbidden"


def test_a_post_with_a_hostile_body_gets_the_json_405() -> None:
    r = Client().post("/metrics", data=b"{" * 100_000, content_type="application/json")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"
