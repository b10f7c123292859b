"""Read side of integrations for other apps: where each action stands with the platform.

The desk shows, per action, whether each webhook delivery got through (delivered, retrying,
dead) and what the platform said it did (its ack). Other apps read this here, never from
the models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db.models import Q

from shieldwall.integrations.models import AckStatus, Action, ActionKind, Delivery, DeliveryStatus

MAX_ACTIONS = 50
MAX_REFUSED = 1000  # per round of the follow-up; the next round takes the rest


@dataclass(frozen=True)
class DeliveryState:
    """One webhook delivery of an action, in words: `state` is delivered, sending,
    retrying, dead or paused (its endpoint is disabled)."""

    endpoint: str
    state: str
    text: str


@dataclass(frozen=True)
class ActionState:
    """An action sent to the platform, how its deliveries stand and what the platform said."""

    public_id: str
    kind: str
    kind_label: str
    subject_type: str
    subject_id: str
    created_by: str
    created_at: datetime
    deliveries: tuple[DeliveryState, ...]
    ack_status: str
    ack_detail: str
    acked_at: datetime | None
    origin: str = ""

    @property
    def refused(self) -> bool:
        """The platform did not apply it: it said ignored or failed, or it never got there."""
        if self.ack_status:
            return self.ack_status in (AckStatus.IGNORED, AckStatus.FAILED)
        return bool(self.deliveries) and all(d.state == "dead" for d in self.deliveries)

    @property
    def applied(self) -> bool:
        return self.ack_status == AckStatus.APPLIED

    @property
    def settled(self) -> bool:
        """Nothing more will change by itself: acknowledged, or every delivery dead or paused."""
        if self.ack_status:
            return True
        return bool(self.deliveries) and all(d.state in ("dead", "paused") for d in self.deliveries)

    @property
    def pulled_only(self) -> bool:
        """No webhook carries it: the platform reads it from the pull API."""
        return not self.deliveries


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _error(delivery: Delivery) -> str:
    if delivery.last_error:
        return delivery.last_error
    if delivery.last_status_code:
        return f"HTTP {delivery.last_status_code}"
    return ""


def delivery_state(delivery: Delivery, *, endpoint_enabled: bool = True) -> DeliveryState:
    """A delivery's standing as the desk words it."""
    endpoint = _host(delivery.endpoint.url)
    n = delivery.attempts
    error = _error(delivery)
    if delivery.status == DeliveryStatus.DELIVERED:
        tries = f" after {n} attempts" if n > 1 else ""
        return DeliveryState(endpoint, "delivered", f"delivered{tries}")
    if delivery.status == DeliveryStatus.DEAD:
        last = f", last error {error}" if error else ""
        return DeliveryState(endpoint, "dead", f"dead after {n} attempts{last}")
    if not endpoint_enabled:
        return DeliveryState(endpoint, "paused", "not sent: the webhook is disabled")
    if n == 0 or not error:
        return DeliveryState(endpoint, "sending", "waiting to be sent" if n == 0 else "sending")
    return DeliveryState(endpoint, "retrying", f"retrying (attempt {n} failed, last error {error})")


def action_states(*, subject_ids: Iterable[str], since: datetime) -> list[ActionState]:
    """Actions about these subjects issued since a moment, oldest first, with their deliveries."""
    actions = list(
        Action.objects.filter(subject_id__in=set(subject_ids), created_at__gte=since).order_by(
            "seq"
        )[:MAX_ACTIONS]
    )
    return _states(actions)


def _states(actions: list[Action]) -> list[ActionState]:
    deliveries: dict[int, list[DeliveryState]] = {}
    for d in Delivery.objects.filter(action__in=actions).select_related("endpoint").order_by("id"):
        state = delivery_state(d, endpoint_enabled=d.endpoint.enabled)
        deliveries.setdefault(d.action_id, []).append(state)
    return [
        ActionState(
            public_id=a.public_id,
            kind=a.kind,
            kind_label=_kind_label(a.kind),
            subject_type=a.subject_type,
            subject_id=a.subject_id,
            created_by=a.created_by,
            created_at=a.created_at,
            deliveries=tuple(deliveries.get(a.seq, ())),
            ack_status=a.ack_status,
            ack_detail=a.ack_detail,
            acked_at=a.acked_at,
            origin=a.origin,
        )
        for a in actions
    ]


def refused_actions(*, origin_prefix: str, since: datetime) -> list[ActionState]:
    """Actions issued by `origin_prefix...` since a moment that the platform did not apply:
    acknowledged as ignored or failed, or unacknowledged with every delivery dead."""
    refused = Action.objects.filter(
        Q(ack_status__in=[AckStatus.IGNORED, AckStatus.FAILED])
        | Q(ack_status="", deliveries__status=DeliveryStatus.DEAD),
        origin__startswith=origin_prefix,
        created_at__gte=since,
    )
    ids = list(refused.values_list("seq", flat=True).distinct()[:MAX_REFUSED])
    found = Action.objects.filter(seq__in=ids).order_by("seq")
    states = _states(list(found))
    return [s for s in states if s.refused]


def _kind_label(kind: str) -> str:
    try:
        return str(ActionKind(kind).label)
    except ValueError:
        return kind


def removed_post_ids(*, since: datetime | None = None) -> set[str]:
    """The posts Shieldwall had removed (a `remove_post` action the platform did not refuse
    and no later `restore_post` undid), optionally only removals since a moment."""
    kinds = (ActionKind.REMOVE_POST, ActionKind.RESTORE_POST)
    rows = Action.objects.filter(kind__in=kinds).exclude(
        kind=ActionKind.REMOVE_POST, ack_status__in=(AckStatus.FAILED, AckStatus.IGNORED)
    )
    removed: set[str] = set()
    for kind, post_id, created_at in rows.order_by("seq").values_list(
        "kind", "subject_id", "created_at"
    ):
        if kind == ActionKind.RESTORE_POST:
            removed.discard(post_id)
        elif since is None or created_at >= since:
            removed.add(post_id)
    return removed
