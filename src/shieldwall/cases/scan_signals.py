"""Scan signals into cases: what blocked and near-matching uploads tell staff.

A scan writes one small `ScanSignal` row and answers; the worker files them here in batches:

- Blocked uploads of known media are counted per account. Once an account reaches
  `blocked_uploads_case_count` within `blocked_uploads_window_hours` (or at once, for a
  block against a verified-CSAM bank: one attempt to post verified child sexual abuse
  material is already what platforms must report), a case opens on the account with every
  blocked attempt of the window as evidence, in the child sexual exploitation tier when a
  verified-CSAM bank matched. No action is issued: staff decide.
- A near match (allowed, but close to a blocking bank) opens, or joins, a review case on
  its post with the media, so a moderator sees it. No action is issued either.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from shieldwall.banks.kinds import BankKind
from shieldwall.cases import priority
from shieldwall.cases.events import CaseEvent
from shieldwall.cases.models import OPEN_STATES, Case, CaseMedia
from shieldwall.cases.services import open_case
from shieldwall.core import audit
from shieldwall.core.actors import SYSTEM
from shieldwall.core.worker import loop, run_job
from shieldwall.matching.models import ScanSignal, ScanSignalKind
from shieldwall.reports.categories import Category, CseReason
from shieldwall.subjects import reads
from shieldwall.subjects.kinds import SubjectType

log = structlog.get_logger(__name__)

REPEATED_BLOCKS = "repeated_blocked_uploads"
NEAR_MATCH = "near_bank_match"
# Opened by discovery (an account close to blocked tags), which sits above cases.
DISCOVERY_LEAD = "discovery_account_lead"
FILE_BATCH = 500
IDLE_SECONDS = 0.5
# A near match scanned without its post waits this long for the platform's media.attached
# event to say which post it is on; after that it is filed without a case (nothing public).
POST_WAIT = timedelta(minutes=10)


def file_scan_signals(*, now: datetime | None = None, limit: int = FILE_BATCH) -> int:
    """File pending scan signals into cases, one transaction per batch; return how many.

    Any number of workers may run this (SKIP LOCKED on PostgreSQL). One audit event records
    the batch, and one more each case it opened. A group that fails to file is logged and
    left for the next round, without holding up the others.
    """
    now = now or timezone.now()
    waiting = Q(kind=ScanSignalKind.NEAR_MATCH, post_id="", created_at__gt=now - POST_WAIT)
    with transaction.atomic():
        pending = ScanSignal.objects.filter(filed_at__isnull=True).exclude(waiting).order_by("id")
        if connection.vendor == "postgresql":
            pending = pending.select_for_update(skip_locked=True)
        batch = list(pending[:limit])
        if not batch:
            return 0
        by_account: dict[str, list[ScanSignal]] = defaultdict(list)
        by_post: dict[str, list[ScanSignal]] = defaultdict(list)
        for s in batch:
            if s.kind == ScanSignalKind.BLOCKED and s.account_id:
                by_account[s.account_id].append(s)
            elif s.kind == ScanSignalKind.NEAR_MATCH:
                post_id = s.post_id or reads.post_of_media(s.media_id)
                if post_id:
                    by_post[post_id].append(s)
        opened: list[Case] = []
        failed: set[int] = set()
        for account_id, signals in by_account.items():
            _file(opened, failed, _blocked_uploads, account_id, signals, now)
        for post_id, signals in by_post.items():
            _file(opened, failed, _near_matches, post_id, signals, now)
        done = [s.pk for s in batch if s.pk not in failed]
        ScanSignal.objects.filter(pk__in=done).update(filed_at=now)
        for case in opened:
            audit.record(
                actor=SYSTEM,
                action=CaseEvent.OPENED,
                subject_type="case",
                subject_id=case.public_id,
                data={"subject": f"{case.subject_type}:{case.subject_id}", "from": "scans"},
            )
        audit.record(
            actor=SYSTEM,
            action=CaseEvent.SCAN_SIGNALS_FILED,
            subject_type="scan_signals",
            subject_id=f"{batch[0].pk}..{batch[-1].pk}",
            data={
                "count": len(batch),
                "blocked": sum(s.kind == ScanSignalKind.BLOCKED for s in batch),
                "near_match": sum(s.kind == ScanSignalKind.NEAR_MATCH for s in batch),
                "cases_opened": [c.public_id for c in opened],
            },
        )
    return len(batch)


Filed = tuple[Case, bool] | None  # the case a group went into and whether it opened now


def _file(
    opened: list[Case],
    failed: set[int],
    work: Callable[[str, list[ScanSignal], datetime], Filed],
    key: str,
    signals: list[ScanSignal],
    now: datetime,
) -> None:
    """File one group in a savepoint; a failure is logged and does not stop the others."""
    try:
        with transaction.atomic():
            result = work(key, signals, now)
    except Exception:
        log.exception("scan_signals.filing_failed", count=len(signals))
        failed.update(s.pk for s in signals)
        return
    if result is not None and result[1]:
        opened.append(result[0])


def _bank_kinds(signals: list[ScanSignal]) -> set[str]:
    return {str(m.get("bank_kind", "")) for s in signals for m in s.matches}


def _category(kinds: set[str]) -> str:
    if BankKind.VERIFIED_CSAM in kinds:
        return Category.CSE
    if BankKind.NCII in kinds:
        return Category.NCII
    return Category.OTHER


def _blocked_uploads(account_id: str, signals: list[ScanSignal], now: datetime) -> Filed:
    """Open (or add to) the account's case once its blocked uploads call for one."""
    config = settings.SHIELDWALL
    case = _open_case(SubjectType.ACCOUNT, account_id)
    if case is None:
        since = now - timedelta(hours=config.blocked_uploads_window_hours)
        evidence = list(
            ScanSignal.objects.filter(
                kind=ScanSignalKind.BLOCKED,
                account_id=account_id,
                case_id="",
                created_at__gte=since,
            ).order_by("id")
        )
        kinds = _bank_kinds(evidence)
        if len(evidence) < config.blocked_uploads_case_count and (
            BankKind.VERIFIED_CSAM not in kinds
        ):
            return None
        case, opened = _open_or_join(
            SubjectType.ACCOUNT, account_id, account_id, _category(kinds), now
        )
    else:
        evidence, opened = signals, False
    _add_evidence(case, evidence, REPEATED_BLOCKS, opened=opened, verified=True)
    return case, opened


def _near_matches(post_id: str, signals: list[ScanSignal], now: datetime) -> Filed:
    """Put near-matching media before staff: the post's open case, or a new review case."""
    kinds = _bank_kinds(signals)
    account_id = next((s.account_id for s in signals if s.account_id), "")
    case, opened = _open_or_join(SubjectType.POST, post_id, account_id, _category(kinds), now)
    media = reads.media_hashes(s.media_id for s in signals)
    for s in signals:
        known = media.get(s.media_id)
        CaseMedia.objects.get_or_create(
            case=case,
            media_id=s.media_id,
            defaults={
                "post_id": post_id,
                "md5": s.md5,
                "sha256": s.sha256,
                "pdq": s.pdq,
                "pdq_quality": known.pdq_quality if known else None,
                "media_type": s.media_type,
            },
        )
    # A near match is not a match: the case never counts as verified, whatever the bank.
    _add_evidence(case, signals, NEAR_MATCH, opened=opened, verified=False)
    return case, opened


def _open_case(subject_type: str, subject_id: str) -> Case | None:
    return (
        Case.objects.select_for_update()
        .filter(subject_type=subject_type, subject_id=subject_id, state__in=OPEN_STATES)
        .first()
    )


def _open_or_join(
    subject_type: str, subject_id: str, account_id: str, category: str, now: datetime
) -> tuple[Case, bool]:
    case = _open_case(subject_type, subject_id)
    if case is not None:
        return case, False
    return open_case(
        subject_type=subject_type,
        subject_id=subject_id,
        account_id=account_id,
        category=category,
        cse_reason=CseReason.ABUSE_IMAGERY if category == Category.CSE else "",
        now=now,
    )


def _add_evidence(
    case: Case, signals: list[ScanSignal], signal: str, *, opened: bool, verified: bool
) -> None:
    """Link the signals to the case and bring its signals, tier and deadline up to date."""
    kinds = _bank_kinds(signals)
    ScanSignal.objects.filter(pk__in=[s.pk for s in signals]).update(case_id=case.public_id)
    category = _category(kinds)
    if priority.tier_of(category, set()) < priority.tier_of(case.category, set()):
        case.category = category
        if category == Category.CSE and not case.cse_reason:
            case.cse_reason = CseReason.ABUSE_IMAGERY
    marks = set(case.signals) | {signal}
    if verified and BankKind.VERIFIED_CSAM in kinds:
        marks.add(priority.VERIFIED_MATCH)
        case.verified_match = True
    p = priority.prioritise(
        category=case.category, bank_kinds=kinds, signals=marks, opened_at=case.opened_at
    )
    case.tier = p.tier if opened else min(case.tier, p.tier)
    case.signals = list(p.signals)
    case.deadline_at = p.deadline_at if opened else min(case.deadline_at, p.deadline_at)
    case.save()
    log.info("scan_signals.filed", case=case.public_id, signal=signal, count=len(signals))


def run_signal_filer(stop: threading.Event, idle: float = IDLE_SECONDS) -> None:
    """File scan signals until `stop` is set; poll every `idle` seconds when none wait."""
    run_job(loop("scan-signals", file_scan_signals, idle=idle), stop)
