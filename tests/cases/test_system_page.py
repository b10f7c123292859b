"""The desk's system page: admins and leads see each background job's last run, a stale job
flagged, and failures; a moderator may not see it, nor its link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shieldwall.core.actors import Actor
from shieldwall.core.errors import Forbidden
from shieldwall.core.models import JobRun
from shieldwall.core.roles import user_actor
from shieldwall.core.worker import LOOP, PERIODIC, system_page
from tests.cases.test_desk import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows() -> None:
    now = timezone.now()
    JobRun.objects.create(
        name="escalate",
        kind=PERIODIC,
        every_seconds=30,
        last_started=now - timedelta(seconds=5),
        last_finished=now - timedelta(seconds=4),
        last_ok=now - timedelta(seconds=4),
        runs=12,
        host="worker-host-1",
        pid=4242,
    )
    JobRun.objects.create(
        name="outbox",
        kind=LOOP,
        every_seconds=5,
        last_finished=now - timedelta(minutes=10),
        last_ok=now - timedelta(minutes=20),
        last_error="django.db.utils.OperationalError at shieldwall/integrations/outbox.py:120",
        consecutive_failures=7,
        runs=900,
        host="worker-host-1",
        pid=4242,
    )


@pytest.mark.usefixtures("rows")
@pytest.mark.parametrize("role", ["admin", "lead"])
def test_admins_and_leads_see_each_job_with_stale_and_failing_ones_flagged(
    actor: Actor, role: str
) -> None:
    page = login(actor, role).get("/desk/system")
    assert page.status_code == 200
    html = page.content.decode()
    escalate = html.split('id="job-escalate"')[1].split("</tr>")[0]
    outbox = html.split('id="job-outbox"')[1].split("</tr>")[0]
    assert "stale" not in escalate
    assert re.search(r">\d+ s ago<", escalate)  # four seconds, and the time the test takes
    assert "worker-host-1" in escalate
    assert ">12<" in escalate
    assert "stale" in outbox
    assert "failing" in outbox
    assert "OperationalError at shieldwall/integrations/outbox.py:120" in outbox
    assert "Stale: <strong>" in html
    # a job an app declares that never ran (its worker never started) is stale too
    filer = html.split('id="job-filer"')[1].split("</tr>")[0]
    assert "stale" in filer
    assert "never" in filer


def test_all_well_says_so(actor: Actor) -> None:
    now = timezone.now()
    for job in system_page(actor=actor):
        JobRun.objects.create(
            name=job.name, kind=job.kind, every_seconds=job.every_seconds, last_finished=now
        )
    html = login(actor, "admin").get("/desk/system").content.decode()
    assert "Every job ran recently" in html
    assert 'role="alert"' not in html


@pytest.mark.parametrize("role", ["moderator", "triage", "auditor"])
def test_other_roles_may_not_see_the_system_page(actor: Actor, role: str) -> None:
    client = login(actor, role)
    assert client.get("/desk/system").status_code == 403
    with pytest.raises(Forbidden):
        system_page(actor=user_actor(_user(role)))


def _user(role: str) -> object:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=f"{role}-1")


def test_the_queue_links_the_system_page_for_admins_only(actor: Actor) -> None:
    admin = login(actor, "admin").get("/desk/").content.decode()
    moderator = login(actor, "moderator").get("/desk/").content.decode()
    assert 'href="/desk/system"' in admin
    assert 'href="/desk/system"' not in moderator


def test_the_system_page_needs_a_login() -> None:
    from django.test import Client

    page = Client().get("/desk/system")
    assert page.status_code == 302
    assert "/accounts/login/" in page["Location"]


def test_times_read_to_the_second_for_the_last_minute() -> None:
    from shieldwall.cases.system_views import ago

    now = timezone.now()
    assert ago(None, now) == "never"
    assert ago(now - timedelta(seconds=12), now) == "12 s ago"
    assert ago(now - timedelta(minutes=4, seconds=5), now) == "4 min ago"
    assert ago(now - timedelta(hours=3), now) == "3 h ago"
    assert ago(now - timedelta(days=1), now) == "1 day ago"
    assert ago(now - timedelta(days=9), now) == "9 days ago"


def test_the_system_page_changes_nothing_by_post(actor: Actor) -> None:
    admin = login(actor, "admin")
    before = list(JobRun.objects.values_list("name", "runs"))
    r = admin.post("/desk/system", data=b"{" * 100_000, content_type="application/json")
    assert r.status_code == 405
    assert list(JobRun.objects.values_list("name", "runs")) == before
