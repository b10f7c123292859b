"""Staff users are added, given roles and disabled only through audited verbs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from shieldwall.core import staff
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Forbidden, Invalid, NotFound
from shieldwall.core.events import CoreEvent
from shieldwall.core.models import AuditEvent
from shieldwall.core.roles import user_actor
from tests.cli_support import Shieldwall

pytestmark = pytest.mark.django_db
PASSWORD = "staff-test-password-1"


def _roles(username: str) -> list[str]:
    user = get_user_model().objects.get(username=username)
    return sorted(user.groups.values_list("name", flat=True))


def test_roles_are_set_exactly_and_audited(actor: Actor) -> None:
    staff.create_staff_user(username="mo", roles=["moderator"], actor=actor, password=PASSWORD)
    staff.set_staff_roles(username="mo", roles=["lead", "moderator"], actor=actor)
    assert _roles("mo") == ["lead", "moderator"]
    event = AuditEvent.objects.filter(action=CoreEvent.STAFF_ROLES_CHANGED).get()
    assert event.data == {"username": "mo", "from": ["moderator"], "to": ["lead", "moderator"]}
    staff.set_staff_roles(username="mo", roles=["lead", "moderator"], actor=actor)
    # no change, no event
    assert AuditEvent.objects.filter(action=CoreEvent.STAFF_ROLES_CHANGED).count() == 1
    with pytest.raises(Invalid):
        staff.set_staff_roles(username="mo", roles=["owner"], actor=actor)
    with pytest.raises(NotFound):
        staff.set_staff_roles(username="nobody", roles=["lead"], actor=actor)


def test_a_disabled_user_cannot_sign_in_and_their_session_ends(actor: Actor) -> None:
    staff.create_staff_user(username="mo", roles=["moderator"], actor=actor, password=PASSWORD)
    client = Client()
    assert client.login(username="mo", password=PASSWORD)
    assert client.get("/desk/").status_code == 200
    staff.set_staff_active(username="mo", active=False, actor=actor)
    assert client.get("/desk/").status_code == 302  # back to the sign-in page
    assert not Client().login(username="mo", password=PASSWORD)
    assert AuditEvent.objects.filter(action=CoreEvent.STAFF_DISABLED).count() == 1


def test_only_those_who_manage_staff_change_roles(actor: Actor) -> None:
    lead, _ = staff.create_staff_user(
        username="lee", roles=["lead"], actor=actor, password=PASSWORD
    )
    staff.create_staff_user(username="mo", roles=["moderator"], actor=actor, password=PASSWORD)
    with pytest.raises(Forbidden):
        staff.set_staff_roles(username="mo", roles=["admin"], actor=user_actor(lead))
    assert _roles("mo") == ["moderator"]


def test_the_admin_cannot_change_a_staff_users_roles(actor: Actor) -> None:
    root, _ = staff.create_staff_user(
        username="root", roles=["admin"], actor=actor, password=PASSWORD, superuser=True
    )
    mo, _ = staff.create_staff_user(
        username="mo", roles=["moderator"], actor=actor, password=PASSWORD
    )
    client = Client()
    client.force_login(root)
    r = client.post(
        f"/admin/auth/user/{mo.pk}/change/",
        {"username": "mo", "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )
    assert r.status_code == 403
    mo.refresh_from_db()
    assert not mo.is_superuser


@pytest.mark.slow
def test_the_command_line_adds_staff_and_sets_their_roles(sw: Shieldwall) -> None:
    r = sw("staff", "add", "mo", "--role", "moderator")
    assert r.code == 0, r.err
    assert "created staff user 'mo' (moderator)" in r.out
    assert r.out.strip().splitlines()[-1].startswith("password: ")
    assert sw("staff", "roles", "mo", "--role", "lead,moderator").code == 0
    assert sw("staff", "disable", "mo").code == 0
    assert sw("staff", "list").out.strip() == "mo\tlead,moderator\tdisabled"
    r = sw("staff", "roles", "mo", "--role", "owner")
    assert r.code == 1
    assert "Unknown role 'owner'" in r.err
