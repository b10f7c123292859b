"""The outbox dispatcher run by `shieldwall worker`: lease due deliveries, POST them, record.

Any number of dispatchers (threads, processes, machines) may run on one database: a
delivery is sent only by the dispatcher that holds its lease (claimed with `SKIP LOCKED` on
PostgreSQL, a conditional UPDATE on SQLite). A dispatcher killed mid-send loses nothing: its
leases run out and the rows become due again, so delivery is at least once; receivers
de-duplicate by action id. Only the dispatcher's own thread touches the database; the
HTTP requests run in a small thread pool.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import httpx
import structlog
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from shieldwall.core.egress import DestinationRefused, VettedTransport
from shieldwall.core.worker import loop, run_job
from shieldwall.integrations.models import Delivery, DeliveryStatus, WebhookEndpoint
from shieldwall.integrations.services import (
    MAX_ACK_ANSWER,
    AnswerAck,
    ack_in_answer,
    action_body,
    record_answer_acks,
)
from shieldwall.integrations.signing import webhook_headers

log = structlog.get_logger(__name__)

# Tunables of the contract (docs/integration.md) and of the dispatcher; tests patch them.
BACKOFF_BASE = 1.0  # seconds before the 2nd attempt, at most (full jitter)
BACKOFF_CAP = 3600.0
MAX_ATTEMPTS = 12
TIMEOUT = 10.0
LEASE_SECONDS = 60.0  # default; must outlast one attempt (SHIELDWALL_WEBHOOK_LEASE_SECONDS)
CONCURRENCY = 16  # requests in flight per dispatcher
CLAIM_AT_LEAST = 4  # when busy, claim once this many slots are free (fewer, larger claims)
IDLE_POLL = 0.2
ROTATION_OVERLAP = timedelta(hours=24)  # the previous secret keeps signing this long
ERROR_PAUSE = 1.0
SHUTDOWN_WAIT = 5.0  # for answers in flight at stop; later ones wait for their leases
MAX_ERROR = 300
MAX_BODY_READ = 64 * 1024  # of a receiver's answer; only its start is kept
MAX_ANSWER_KEPT = MAX_ACK_ANSWER  # of a 2xx answer: room for an ack body
MAX_ERROR_KEPT = 200  # of an error answer, for the last error shown to staff
USER_AGENT = "Shieldwall-Webhook/1"

_random = secrets.SystemRandom()
T = TypeVar("T")


@dataclass(frozen=True)
class Claimed:
    """A leased delivery with everything needed to send it, detached from the ORM."""

    delivery_id: int
    endpoint_id: int
    token: str
    attempts: int
    url: str
    action_id: str
    body: bytes
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: delivered or not, the status code, a short error, any ack."""

    ok: bool
    status_code: int | None = None
    error: str = ""
    final: bool = False  # no retry: the delivery is dead at once (a refused destination)
    ack: AnswerAck | None = None


def backoff(attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt: full jitter over base·2^(n-1), capped."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return _random.uniform(0, ceiling)


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    """The endpoint's secret, and the previous one for ROTATION_OVERLAP after a rotation."""
    rotated = endpoint.rotated_at
    if endpoint.secret_previous and rotated is not None and now - rotated < ROTATION_OVERLAP:
        return (endpoint.secret, endpoint.secret_previous)
    return (endpoint.secret,)


def _lease_seconds() -> float:
    """SHIELDWALL_WEBHOOK_LEASE_SECONDS, validated with the rest of the configuration."""
    return float(settings.SHIELDWALL.webhook_lease_seconds)


def claim(limit: int, *, lease_seconds: float | None = None) -> list[Claimed]:
    """Lease up to `limit` due deliveries for this caller alone, in a short transaction."""
    now = timezone.now()
    token = uuid.uuid4().hex
    lease_until = now + timedelta(seconds=lease_seconds or LEASE_SECONDS)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = (
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__enabled=True
        )
        .filter(free)
        .order_by("next_attempt_at")
    )
    if not due.exists():  # a cheap read first: SQLite's write lock only when there is work
        return []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # Conditional: a row that another dispatcher leased in the meantime is left alone.
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).filter(free).update(
            lease_until=lease_until,
            lease_token=token,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
        rows = list(
            Delivery.objects.filter(pk__in=ids, lease_token=token).select_related(
                "action", "endpoint"
            )
        )
    return [
        Claimed(
            delivery_id=d.pk,
            endpoint_id=d.endpoint_id,
            token=token,
            attempts=d.attempts,
            url=d.endpoint.url,
            action_id=d.action.public_id,
            body=action_body(d.action),
            secrets=signing_secrets(d.endpoint, now),
        )
        for d in rows
    ]


def _short(text: str) -> str:
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:MAX_ERROR]


def new_client(concurrency: int = CONCURRENCY) -> httpx.Client:
    """The HTTP client of one dispatcher: 10 s timeout, no redirects, no proxies from env.

    Every connection goes to a vetted address (core/egress.py): a webhook whose name now
    resolves to a private or metadata address is refused at connect, not sent.
    """
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # Headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm holds the
    # body until the receiver's delayed ACK (40 ms on Linux) on every kept-alive request.
    transport = VettedTransport(
        limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    )
    return httpx.Client(
        transport=transport,
        timeout=TIMEOUT,
        follow_redirects=False,
        trust_env=False,
        # Answers are read raw and capped: a compressed one could not be capped before use.
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


def post(client: httpx.Client, item: Claimed) -> Outcome:
    """One signed attempt; never raises. Only a 2xx counts; at most 64 KiB of answer is read.

    A 2xx answer may carry the platform's ack (`{"status": "applied", "detail": ...}`): it
    travels with the outcome and is recorded with the delivery, no second request needed.
    """
    headers = webhook_headers(
        action_id=item.action_id, body=item.body, secrets=item.secrets, timestamp=int(time.time())
    )
    try:
        with client.stream("POST", item.url, content=item.body, headers=headers) as response:
            code = response.status_code
            # A body read to its end lets the connection be reused; past the cap it is dropped.
            head, seen = b"", 0
            for chunk in response.iter_raw():
                if len(head) <= MAX_ANSWER_KEPT:
                    head += chunk[: MAX_ANSWER_KEPT + 1 - len(head)]
                seen += len(chunk)
                if seen > MAX_BODY_READ:
                    break
            if 200 <= code < 300:
                return Outcome(True, code, ack=_ack(item, head))
            text = _short(head[:MAX_ERROR_KEPT].decode("utf-8", "replace"))
            return Outcome(False, code, f"HTTP {code}" + (f": {text}" if text else ""))
    except DestinationRefused as exc:
        return Outcome(False, None, _short(f"refused: {exc}"), final=True)
    except httpx.TimeoutException:
        return Outcome(False, None, f"timed out after {TIMEOUT:g} s")
    except httpx.HTTPError as exc:
        return Outcome(False, None, _short(f"{type(exc).__name__}: {exc}"))
    except Exception as exc:  # a bad URL or a library fault must not kill the dispatcher
        return Outcome(False, None, _short(f"{type(exc).__name__}: {exc}"))


def _ack(item: Claimed, answer: bytes) -> AnswerAck | None:
    return ack_in_answer(action_id=item.action_id, endpoint_id=item.endpoint_id, answer=answer)


def record(item: Claimed, outcome: Outcome) -> None:
    """Store one attempt's outcome and release its lease."""
    record_many([(item, outcome)])


def record_many(results: list[tuple[Claimed, Outcome]]) -> None:
    """Store attempts' outcomes in one transaction (retried on a busy database)."""
    if not results:
        return
    now = timezone.now()

    def write() -> None:
        with transaction.atomic():
            delivered: dict[int | None, list[int]] = {}
            for item, outcome in results:
                if outcome.ok:
                    delivered.setdefault(outcome.status_code, []).append(item.delivery_id)
                else:
                    _record_failure(item, outcome, now)
            for code, ids in delivered.items():
                # Delivered is the truth whoever holds the lease now: another sender's late
                # failure (fenced by its token and by status=pending) cannot undo it.
                Delivery.objects.filter(pk__in=ids).exclude(status=DeliveryStatus.DELIVERED).update(
                    status=DeliveryStatus.DELIVERED,
                    delivered_at=now,
                    lease_until=None,
                    lease_token="",
                    last_status_code=code,
                    last_error="",
                )
            # In the same transaction: a delivery is never marked without the ack it carried.
            record_answer_acks([o.ack for _, o in results if o.ok and o.ack is not None])

    _retrying(write)
    for item, outcome in results:
        if outcome.ok:
            continue
        dead = item.attempts >= MAX_ATTEMPTS or outcome.final
        (log.error if dead else log.info)(
            "outbox.dead" if dead else "outbox.retry",
            delivery=item.delivery_id,
            action=item.action_id,
            attempts=item.attempts,
            status_code=outcome.status_code,
        )


def _record_failure(item: Claimed, outcome: Outcome, now: datetime) -> None:
    dead = item.attempts >= MAX_ATTEMPTS or outcome.final
    Delivery.objects.filter(
        pk=item.delivery_id, lease_token=item.token, status=DeliveryStatus.PENDING
    ).update(
        status=DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING,
        next_attempt_at=now + timedelta(seconds=backoff(item.attempts)),
        lease_until=None,
        lease_token="",
        last_status_code=outcome.status_code,
        last_error=outcome.error[:MAX_ERROR],
    )


def _retrying(write: Callable[[], T], tries: int = 5) -> T | None:
    for n in range(tries):
        try:
            return write()
        except DatabaseError as exc:
            close_old_connections()
            if n == tries - 1:
                # The lease runs out and the delivery is sent again: at least once still holds.
                log.warning("outbox.record_failed", error=type(exc).__name__)
                return None
            time.sleep(0.05 * 2**n)
    return None


def deliver_due(limit: int = 100) -> int:
    """One pass: claim up to `limit` due deliveries, send them in parallel, record; -> count."""
    items = claim(limit)
    if not items:
        return 0
    with (
        new_client() as client,
        ThreadPoolExecutor(min(CONCURRENCY, len(items))) as pool,
    ):
        outcomes = list(pool.map(lambda item: post(client, item), items))
    record_many(list(zip(items, outcomes, strict=True)))
    return len(items)


@contextmanager
def dispatcher() -> Iterator[Callable[[], int]]:
    """The dispatcher's state across rounds (a client, a pool of requests in flight), and
    its step: claim what fits, record what has been answered.

    A round that cannot claim (the database away for a moment) logs it and claims again
    only after ERROR_PAUSE, while answers in flight are still recorded; with nothing in
    flight the error goes to the worker, which backs off. On leaving, what is in flight is
    recorded, so those rows need not wait for their leases to run out."""
    lease = _lease_seconds()
    client = new_client()
    pool = ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="outbox-post")
    inflight: dict[Future[Outcome], Claimed] = {}
    claim_after = 0.0

    def step() -> int:
        nonlocal claim_after
        free = CONCURRENCY - len(inflight)
        wants = free >= CLAIM_AT_LEAST or (free > 0 and not inflight)
        if wants and time.monotonic() >= claim_after:
            try:
                for item in claim(free, lease_seconds=lease):
                    inflight[pool.submit(post, client, item)] = item
            except Exception as exc:  # a lost database must not end the dispatcher
                log.warning("outbox.claim_failed", error=type(exc).__name__)
                claim_after = time.monotonic() + ERROR_PAUSE
                if not inflight:
                    raise
        if not inflight:
            return 0  # idle: the worker pauses IDLE_POLL
        done, _ = wait(inflight, timeout=IDLE_POLL, return_when=FIRST_COMPLETED)
        record_many([(inflight.pop(f), f.result()) for f in done])
        return len(done) + len(inflight)

    log.info("outbox.start", concurrency=CONCURRENCY, lease_seconds=lease)
    try:
        yield step
    finally:
        done, _ = wait(inflight, timeout=SHUTDOWN_WAIT)
        record_many([(inflight.pop(f), f.result()) for f in done])
        pool.shutdown(wait=False, cancel_futures=True)
        client.close()
        log.info("outbox.stop")


def run_dispatcher(stop: threading.Event) -> None:
    """Deliver pending webhooks until `stop` is set; polls every 0.2 s when idle."""
    run_job(loop("outbox", idle=IDLE_POLL, session=dispatcher), stop)
