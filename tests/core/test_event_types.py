"""Every audit event is a declared type: the names an auditor filters on live in the apps'
`events.py`, and a flow through the API records nothing else."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from shieldwall.banks.events import BankEvent
from shieldwall.banks.kinds import BankAction, SignalType
from shieldwall.core import staff
from shieldwall.core.actors import Actor
from shieldwall.core.audit import EventType, event_types
from shieldwall.core.events import CoreEvent
from shieldwall.core.models import AuditEvent
from shieldwall.integrations import services as integrations
from shieldwall.integrations.events import IntegrationEvent
from shieldwall.integrations.kinds import ActionKind
from shieldwall.subjects.events import SubjectEvent
from shieldwall.subjects.kinds import SubjectType
from tests.subjects.builders import post

PASSWORD = "a long enough placeholder passphrase"
MD5 = "0123456789abcdef0123456789abcdef"


def _json(client: Client, method: str, url: str, body: object) -> dict:
    send = getattr(client, method)
    r = send(url, json.dumps(body), content_type="application/json")
    assert r.status_code in (200, 201), (url, r.status_code, r.content)
    return r.json()  # type: ignore[no-any-return]


def _a_platform_day(api: Client, actor: Actor) -> None:
    """A platform registers, sends events, keeps a bank, pulls and acknowledges an action; an
    operator adds a colleague and changes her roles."""
    profile = {"hosts": ["tidepool.example"], "links": {SubjectType.POST: ["/p/{id}"]}}
    _json(api, "put", "/api/v1/platform", profile | {"media_hosts": []})
    _json(api, "post", "/api/v1/events", post("p1", text="hello"))
    bank = {"name": "mine", "action": BankAction.BLOCK}
    _json(api, "post", "/api/v1/banks", bank)
    _json(api, "patch", "/api/v1/banks/mine", {"action": BankAction.REVIEW})
    row = {"signal_type": SignalType.MD5, "value": MD5}
    _json(api, "post", "/api/v1/banks/mine/hashes", {"hashes": [row]})
    [entry] = api.get("/api/v1/banks/mine/entries").json()
    _json(api, "patch", f"/api/v1/banks/mine/entries/{entry['id']}", {"enabled": False})
    assert api.delete(f"/api/v1/banks/mine/entries/{entry['id']}").status_code == 200
    action = integrations.issue_action(
        kind=ActionKind.SUSPEND_ACCOUNT, subject_id="a1", reason="placeholder", actor=actor
    )
    _json(api, "post", f"/api/v1/actions/{action.public_id}/ack", {"status": "applied"})
    staff.create_staff_user(username="mo", roles=["moderator"], actor=actor, password=PASSWORD)
    staff.set_staff_roles(username="mo", roles=["lead"], actor=actor)


@pytest.mark.django_db
def test_a_flow_through_the_api_records_only_declared_event_types(
    api: Client, actor: Actor
) -> None:
    _a_platform_day(api, actor)
    recorded = set(AuditEvent.objects.values_list("action", flat=True))
    declared = event_types()
    assert recorded - declared.keys() == set()
    # The flow reached every app that records: the check above is not passing on nothing.
    families = {type(declared[name]) for name in recorded}
    assert {CoreEvent, BankEvent, SubjectEvent, IntegrationEvent} <= families
    assert BankEvent.ENTRY_DISABLED in recorded
    assert IntegrationEvent.ACTION_ACKED in recorded


def test_each_family_is_declared_in_an_installed_apps_events_module() -> None:
    """One place per app to find its names: a family declared elsewhere (a test, a view)
    would be collected only when that module happens to be imported."""
    for member in event_types().values():
        module = type(member).__module__
        assert module.endswith(".events"), (member, module)
        assert module.removesuffix(".events") in settings.INSTALLED_APPS, (member, module)


def test_a_declared_name_is_what_the_log_stores() -> None:
    """An event type records as its plain name, so the chain hashes the same text as before
    the names became enums, and a filter by member or by string finds the same rows."""
    member: EventType = BankEvent.CREATED
    assert str(member) == "bank.create"
    assert f"{member}" == "bank.create"
    assert json.dumps({"action": member}) == '{"action": "bank.create"}'
