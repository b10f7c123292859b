import pytest
from django.test import Client

from shieldwall.banks.kinds import BankAction, BankKind
from shieldwall.banks.services import create_bank
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.core.staff import create_staff_user

pytestmark = pytest.mark.django_db


def test_admin_shows_the_audit_log_read_only(actor: Actor) -> None:
    admin, _ = create_staff_user(username="ada", roles=["admin"], actor=actor, superuser=True)
    create_bank(name="seen", actor=actor)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/core/auditevent/")
    assert page.status_code == 200
    assert b"bank.create" in page.content
    event_id = page.context["cl"].result_list[0].pk
    assert client.get(f"/admin/core/auditevent/{event_id}/delete/").status_code == 403
    assert client.get("/admin/banks/bank/").status_code == 200


def test_admin_requires_login() -> None:
    response = Client().get("/admin/core/auditevent/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _superuser(actor: Actor) -> Client:
    admin, _ = create_staff_user(username="ada", roles=["admin"], actor=actor, superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def test_an_admin_cannot_delete_or_edit_a_bank_in_the_admin(actor: Actor) -> None:
    from shieldwall.banks.models import Bank, BankEntry
    from shieldwall.banks.services import HashRow, add_hashes

    bank = create_bank(
        name="verified",
        actor=actor,
        kind=BankKind.VERIFIED_CSAM,
        action=BankAction.BLOCK,
        reason="test list",
    )
    add_hashes(bank_name="verified", rows=[HashRow("md5", "0" * 32)], actor=actor, reason="test")
    entry = BankEntry.objects.get()
    client = _superuser(actor)
    before = AuditEvent.objects.count()

    assert client.post(f"/admin/banks/bank/{bank.pk}/delete/", {"post": "yes"}).status_code == 403
    assert (
        client.post(f"/admin/banks/bankentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    changed = client.post(
        f"/admin/banks/bank/{bank.pk}/change/",
        {"name": "verified", "kind": "custom", "action": "review", "pdq_threshold": 0},
    )
    assert changed.status_code == 403
    # The bulk action is not offered, and posting it anyway deletes nothing.
    page = client.get("/admin/banks/bank/")
    assert page.status_code == 200
    assert b"delete_selected" not in page.content
    client.post(
        "/admin/banks/bank/",
        {"action": "delete_selected", "_selected_action": [bank.pk], "post": "yes"},
    )
    assert client.get("/admin/banks/bank/add/").status_code == 403

    kept = Bank.objects.get(pk=bank.pk)
    assert (kept.kind, kept.action, kept.pdq_threshold, kept.enabled) == (
        "verified_csam",
        "block",
        31,
        True,
    )
    assert BankEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.count() == before
    assert client.get(f"/admin/banks/bank/{bank.pk}/change/").status_code == 200  # a view


def test_every_admin_page_of_ours_is_read_only(actor: Actor) -> None:
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import RequestFactory

    superuser, _ = create_staff_user(username="root", roles=["admin"], actor=actor, superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    ours = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model.__module__.startswith("shieldwall.") or model in (Group, get_user_model())
    ]
    labels = {model._meta.label for model, _ in ours}
    assert {"banks.Bank", "banks.BankEntry", "banks.BankExchange", "core.ApiKey"} <= labels
    assert {"core.AuditEvent", "integrations.Action", "integrations.WebhookEndpoint"} <= labels
    assert {"auth.User", "auth.Group"} <= labels  # staff and roles: `shieldwall staff ...`
    for model, model_admin in ours:
        label = model._meta.label
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        assert "delete_selected" not in model_admin.get_actions(request), label
    assert not any(
        model.__module__.startswith("shieldwall.") and model not in dict(ours)
        for model in admin.site._registry
    )
