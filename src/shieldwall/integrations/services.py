"""The verbs of integrations: issue actions (with their outbox rows), endpoints, pull, ack."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from shieldwall.core import audit, crockford, egress
from shieldwall.core.actors import Actor, ActorKind, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.integrations.events import IntegrationEvent
from shieldwall.integrations.models import (
    SUBJECT_OF_KIND,
    AckStatus,
    Action,
    ActionKind,
    Delivery,
    DeliveryStatus,
    WebhookEndpoint,
)
from shieldwall.integrations.permissions import ISSUE_ACTIONS, MANAGE_WEBHOOKS, PULL_ACTIONS

ACTION_ID_PREFIX = "act_"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
REASON_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
MAX_NOTE = 2000
MAX_ACK_DETAIL = 1000
MAX_ACK_ANSWER = 4096  # bytes of a webhook answer read as an ack; longer is no ack
MAX_PAGE = 1000
MAX_RETRY_IDS = 1000
ULID_CHARS = 26  # 130 bits: a ULID's 128 and two zero bits in front


def new_action_id() -> str:
    """`act_` + a ULID: 48 bits of milliseconds then 80 random bits, so ids sort by time."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    return ACTION_ID_PREFIX + crockford.encode(value, ULID_CHARS)


def format_time(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and a `Z`, as actions carry it."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def action_payload(action: Action) -> dict[str, Any]:
    """The action as the contract spells it, in webhooks and in the pull API alike."""
    return {
        "id": action.public_id,
        "kind": action.kind,
        "subject": {"type": action.subject_type, "id": action.subject_id},
        "reason": action.reason,
        "note": action.note,
        "created_at": format_time(action.created_at),
    }


def action_body(action: Action) -> bytes:
    """The exact bytes POSTed for an action: the same on every attempt."""
    return json.dumps(action_payload(action), separators=(",", ":"), ensure_ascii=False).encode()


def issue_action(
    *, kind: str, subject_id: str, reason: str, actor: Actor, note: str = "", origin: str = ""
) -> Action:
    """Record a decision as an action, with one delivery per enabled webhook (the outbox).

    `origin` says what issued it (`case:PUBLIC_ID`), so the issuer can follow up when the
    platform does not apply it; it stays inside Shieldwall."""
    require(actor, ISSUE_ACTIONS)
    if kind not in ActionKind.values:
        raise Invalid(
            "invalid_kind", f"kind must be one of {', '.join(ActionKind.values)}.", field="kind"
        )
    subject_id = str(subject_id).strip()
    if not subject_id or len(subject_id) > 200:
        raise Invalid("invalid_subject", "subject_id is 1 to 200 characters.", field="subject_id")
    if not REASON_PATTERN.match(reason):
        raise Invalid(
            "invalid_reason",
            "reason is a short code: 1 to 64 lowercase letters, digits, _ . : or -.",
            field="reason",
        )
    if len(note) > MAX_NOTE:
        raise Invalid("invalid_note", f"note is at most {MAX_NOTE} characters.", field="note")
    subject_type = SUBJECT_OF_KIND[kind]
    with transaction.atomic():
        public_id = new_action_id()
        # The audit head is locked first and held until commit, so actions are inserted (and
        # their seq drawn) in commit order: the pull cursor never skips a late commit.
        audit.record(
            actor=actor,
            action=IntegrationEvent.ACTION_ISSUED,
            subject_type="action",
            subject_id=public_id,
            data={
                "kind": kind,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "reason": reason,
            },
        )
        now = timezone.now()
        action = Action.objects.create(
            public_id=public_id,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            reason=reason,
            note=note,
            created_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
            created_by=actor.label,
            origin=origin[:64],
        )
        Delivery.objects.bulk_create(
            Delivery(action=action, endpoint=endpoint, next_attempt_at=now)
            for endpoint in WebhookEndpoint.objects.filter(enabled=True)
        )
    return action


def get_action(action_id: str) -> Action:
    """The action with this public id, or NotFound."""
    action = Action.objects.filter(public_id=action_id).first()
    if action is None:
        raise NotFound("action_not_found", f"No action has the id {action_id!r}.")
    return action


@dataclass(frozen=True)
class ActionPage:
    """A page of actions in creation order and the cursor that continues after it."""

    actions: list[Action]
    next: str


def parse_cursor(cursor: str | None) -> int:
    """The seq a cursor stands for (0: the beginning), or Invalid."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise Invalid("invalid_cursor", "after must be a cursor returned as next.", field="after")
    return int(cursor)


def list_actions(*, actor: Actor, after: str | None = None, limit: int = 100) -> ActionPage:
    """Actions created after the cursor, oldest first, at most `limit` (1 to 1000)."""
    require(actor, PULL_ACTIONS)
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid("invalid_limit", f"limit must be 1 to {MAX_PAGE}.", field="limit")
    start = parse_cursor(after)
    actions = list(Action.objects.filter(seq__gt=start).order_by("seq")[:limit])
    return ActionPage(actions, str(actions[-1].seq if actions else start))


def ack_action(*, action_id: str, status: str, actor: Actor, detail: str = "") -> Action:
    """Record the platform's result for an action; the last ack wins, each is audited."""
    require(actor, PULL_ACTIONS)
    if status not in AckStatus.values:
        raise Invalid(
            "invalid_status",
            f"status must be one of {', '.join(AckStatus.values)}.",
            field="status",
        )
    if len(detail) > MAX_ACK_DETAIL:
        raise Invalid(
            "invalid_detail", f"detail is at most {MAX_ACK_DETAIL} characters.", field="detail"
        )
    with transaction.atomic():
        action = Action.objects.select_for_update().filter(public_id=action_id).first()
        if action is None:
            raise NotFound("action_not_found", f"No action has the id {action_id!r}.")
        action.ack_status, action.ack_detail, action.acked_at = status, detail, timezone.now()
        action.save(update_fields=["ack_status", "ack_detail", "acked_at"])
        audit.record(
            actor=actor,
            action=IntegrationEvent.ACTION_ACKED,
            subject_type="action",
            subject_id=action.public_id,
            data={"status": status, "detail": detail},
        )
    return action


@dataclass(frozen=True)
class AnswerAck:
    """The platform's result for an action, as its webhook receiver answered a delivery."""

    action_id: str
    endpoint_id: int
    status: str
    detail: str


def _clean_detail(detail: str) -> str:
    printable = "".join(ch if ch.isprintable() else " " for ch in detail)
    return " ".join(printable.split())[:MAX_ACK_DETAIL]


def ack_in_answer(*, action_id: str, endpoint_id: int, answer: bytes) -> AnswerAck | None:
    """The ack in a 2xx answer body (`{"status": "applied", "detail": "..."}`), if it holds one.

    Anything else (no body, not JSON, too long, another status such as "duplicate") is a
    plain delivery: the receiver may still acknowledge later through the API.
    """
    if not answer or len(answer) > MAX_ACK_ANSWER:
        return None
    try:
        data = json.loads(answer)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("status") not in AckStatus.values:
        return None
    detail = data.get("detail")
    return AnswerAck(
        action_id,
        endpoint_id,
        data["status"],
        _clean_detail(detail if isinstance(detail, str) else ""),
    )


def record_answer_acks(acks: Sequence[AnswerAck]) -> int:
    """Record acks that came in webhook answers, in the caller's transaction; -> how many.

    An answer never overwrites an ack already recorded: a duplicate delivery (sent again after
    a lost answer) or a second endpoint cannot undo what the platform said first, and an ack
    through the API stays the platform's last word. Each recorded ack is audited.
    """
    recorded = 0
    for ack in acks:
        now = timezone.now()
        n = Action.objects.filter(public_id=ack.action_id, ack_status="").update(
            ack_status=ack.status, ack_detail=ack.detail, acked_at=now
        )
        if not n:
            continue
        recorded += 1
        audit.record(
            actor=Actor(kind=ActorKind.WEBHOOK, name=str(ack.endpoint_id)),
            action=IntegrationEvent.ACTION_ACKED,
            subject_type="action",
            subject_id=ack.action_id,
            data={"status": ack.status, "detail": ack.detail, "via": "webhook_answer"},
        )
    return recorded


def validate_webhook_url(url: str) -> str:
    """The URL if it may receive webhooks: https to a public host, http to an allowed loopback."""
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise Invalid("invalid_url", f"{url!r} is not an http(s) URL.", field="url") from None
    parts = urlsplit(url)
    if len(url) > 2000:
        raise Invalid("invalid_url", "A webhook URL is at most 2000 characters.", field="url")
    if parts.username or parts.password:
        raise Invalid(
            "invalid_url", "Put no credentials in the URL; deliveries are signed.", field="url"
        )
    if parts.fragment:
        raise Invalid("invalid_url", "A webhook URL has no #fragment.", field="url")
    egress.check_url(url, field="url")
    return url


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def add_endpoint(*, url: str, actor: Actor) -> tuple[WebhookEndpoint, str]:
    """Register a URL for every future action; return it with its secret (shown once)."""
    require(actor, MANAGE_WEBHOOKS)
    url = validate_webhook_url(url)
    secret = _new_secret()
    try:
        with transaction.atomic():
            endpoint = WebhookEndpoint.objects.create(url=url, secret=secret)
            audit.record(
                actor=actor,
                action=IntegrationEvent.WEBHOOK_ADDED,
                subject_type="webhook",
                subject_id=endpoint.pk,
                data={"url": url},
            )
    except IntegrityError:
        raise Conflict(
            "webhook_exists", f"An enabled webhook already sends to {url}.", field="url"
        ) from None
    return endpoint, secret


def find_endpoint(url_or_id: str, *, for_update: bool = False) -> WebhookEndpoint:
    """The endpoint with this id, or the enabled one with this URL, or NotFound."""
    qs = WebhookEndpoint.objects.select_for_update() if for_update else WebhookEndpoint.objects
    key = url_or_id.strip()
    if key.isdigit():
        found = qs.filter(pk=int(key)).first()
    else:
        found = qs.filter(url=key, enabled=True).first()
    if found is None:
        raise NotFound("webhook_not_found", f"No enabled webhook matches {url_or_id!r}.")
    return found


def list_endpoints(*, actor: Actor) -> list[WebhookEndpoint]:
    """Every endpoint, enabled or not, oldest first, with `pending` and `dead` counts."""
    require(actor, MANAGE_WEBHOOKS)
    return list(
        WebhookEndpoint.objects.order_by("id").annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            dead=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)),
        )
    )


def rotate_secret(*, endpoint: str, actor: Actor) -> tuple[WebhookEndpoint, str]:
    """Give an endpoint a new secret; the old one keeps signing too for a while (see outbox)."""
    require(actor, MANAGE_WEBHOOKS)
    with transaction.atomic():
        found = find_endpoint(endpoint, for_update=True)
        if not found.enabled:
            raise Conflict("webhook_disabled", f"Webhook {found.pk} is disabled.")
        secret = _new_secret()
        found.secret_previous, found.secret = found.secret, secret
        found.rotated_at = timezone.now()
        found.save(update_fields=["secret", "secret_previous", "rotated_at"])
        audit.record(
            actor=actor,
            action=IntegrationEvent.WEBHOOK_ROTATED,
            subject_type="webhook",
            subject_id=found.pk,
            data={"url": found.url},
        )
    return found, secret


def disable_endpoint(*, endpoint: str, actor: Actor) -> WebhookEndpoint:
    """Stop sending to an endpoint; its undelivered rows stay pending and are not sent."""
    require(actor, MANAGE_WEBHOOKS)
    with transaction.atomic():
        found = find_endpoint(endpoint, for_update=True)
        if found.enabled:
            found.enabled = False
            found.save(update_fields=["enabled"])
            audit.record(
                actor=actor,
                action=IntegrationEvent.WEBHOOK_DISABLED,
                subject_type="webhook",
                subject_id=found.pk,
                data={"url": found.url},
            )
    return found


def list_dead(*, actor: Actor, limit: int = 500) -> list[Delivery]:
    """Dead deliveries, newest failure first, with their action and endpoint."""
    require(actor, MANAGE_WEBHOOKS)
    return list(
        Delivery.objects.filter(status=DeliveryStatus.DEAD)
        .select_related("action", "endpoint")
        .order_by("-last_attempt_at", "-id")[:limit]
    )


def retry_dead(*, delivery_ids: Sequence[int] | None, actor: Actor) -> int:
    """Set dead deliveries (these ids, or all with None) pending again with fresh attempts."""
    require(actor, MANAGE_WEBHOOKS)
    if delivery_ids is not None and len(delivery_ids) > MAX_RETRY_IDS:
        raise Invalid("too_many", f"Retry at most {MAX_RETRY_IDS} deliveries at once.")
    with transaction.atomic():
        dead = Delivery.objects.filter(status=DeliveryStatus.DEAD, endpoint__enabled=True)
        if delivery_ids is not None:
            dead = dead.filter(pk__in=list(delivery_ids))
        now = timezone.now()
        n = Delivery.objects.filter(pk__in=dead.values("pk")).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            lease_until=None,
            lease_token="",
        )
        if n:
            data: dict[str, Any] = {"count": n}
            if delivery_ids is not None:
                data["deliveries"] = sorted(int(i) for i in delivery_ids)
            audit.record(
                actor=actor,
                action=IntegrationEvent.WEBHOOK_DEAD_RETRIED,
                subject_type="delivery",
                data=data,
            )
    return n
