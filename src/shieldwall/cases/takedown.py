"""One take-down flow: a subject and every listed copy of it, its media banked, its actions
issued, its decision recorded and audited.

The desk's decisions go through it (`cases.services`), and so will victims' removal
requests with their own grounds: whatever asks for a take-down, the platform gets the same
actions, the bank the same hashes, and the record the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from shieldwall.banks import services as banks
from shieldwall.banks.kinds import BankAction, BankKind, EntrySource, SignalType
from shieldwall.banks.models import Bank
from shieldwall.banks.signals import Frame, frames_to_value
from shieldwall.cases.clusters import MediaHashRow
from shieldwall.cases.decisions import BankEffect, Grounds, record_decision
from shieldwall.cases.models import Case, Decision
from shieldwall.core import audit
from shieldwall.core.actors import SYSTEM, Actor
from shieldwall.core.audit import EventType
from shieldwall.core.errors import Invalid
from shieldwall.integrations.kinds import SUBJECT_OF_KIND, ActionKind
from shieldwall.integrations.models import Action
from shieldwall.integrations.services import issue_action
from shieldwall.media.nearcopy import NearCopy
from shieldwall.reports.categories import Category
from shieldwall.reports.models import Report
from shieldwall.subjects import reads
from shieldwall.subjects.kinds import SubjectType
from shieldwall.terms.kinds import MatchKind, RuleSource
from shieldwall.terms.services import add_rule, note_suppressed


@dataclass(frozen=True)
class BankTarget:
    """A bank Shieldwall fills itself with removed media (created on first use)."""

    name: str
    kind: BankKind


PLATFORM_REMOVED = BankTarget("platform-removed", BankKind.PLATFORM_REMOVED)
# Which bank a category's removed media goes into. Every category uses the protected
# platform-removed bank today; a category that calls for its own bank gets one line here.
BANK_FOR_CATEGORY: dict[str, BankTarget] = {c.value: PLATFORM_REMOVED for c in Category}


def bank_for(category: str) -> BankTarget:
    """The bank removed media of this category goes into."""
    return BANK_FOR_CATEGORY.get(category, PLATFORM_REMOVED)


@dataclass(frozen=True)
class AuditNote:
    """The audit event the caller wants written for the take-down, last in its transaction."""

    action: EventType
    subject_type: str
    subject_id: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Takedown:
    """What one decision takes down, and why.

    `subject` is what the decision is about; `posts` the posts it takes (the subject's own
    and every copy chosen), `media` the media it removes or banks, `account_id`/`hashtags`
    where its actions go for those subject types (each hashtag in the platform's spelling).
    With `rules`, each hashtag also becomes an exact term rule made by the case."""

    subject: tuple[str, str]
    grounds: Grounds
    actions: tuple[ActionKind, ...] = ()
    reason: str = ""  # the actions' reason code
    origin: str = ""  # what issued them (case:PUBLIC_ID), so refusals come back
    posts: tuple[str, ...] = ()
    media: tuple[MediaHashRow, ...] = ()
    account_id: str = ""
    hashtags: tuple[str, ...] = ()
    rules: bool = False
    rule_reason: str = ""  # what each rule says it was made for
    bank: BankEffect = BankEffect.NONE
    bank_note: str = ""  # what each banked hash says it came from


@dataclass(frozen=True)
class TakenDown:
    """What a take-down did: its record, the actions it issued and the rules it made (or
    found already in place)."""

    record: Decision
    actions: list[Action]
    rule_ids: list[int] = field(default_factory=list)  # each hashtag's rule, in order


def _targets(td: Takedown, kind: ActionKind) -> list[str]:
    """The subject ids an action kind goes to in this take-down."""
    subject_type = SUBJECT_OF_KIND[kind]
    if subject_type == SubjectType.POST:
        return list(td.posts)
    if subject_type == SubjectType.MEDIA:
        return [m.media_id for m in td.media]
    if subject_type == SubjectType.ACCOUNT:
        if not td.account_id:
            raise Invalid("unknown_account", "The account of this post is not known yet.")
        return [td.account_id]
    return list(td.hashtags)


def take_down(
    td: Takedown, *, actor: Actor, case: Case | None = None, event: AuditNote | None = None
) -> TakenDown:
    """Issue the take-down's actions, bank its media, record the decision and audit it.

    All or nothing: the caller holds the transaction; an action that cannot be aimed (an
    account not known yet) refuses the whole take-down before anything is issued. Rules
    go through `terms.services.add_rule` (audited there); an active rule for the same key
    is returned as it stands, so deciding a tag twice makes one rule."""
    aimed = [(kind, target) for kind in td.actions for target in _targets(td, kind)]
    rule_ids = [
        add_rule(
            term=tag,
            actor=actor,
            reason=td.rule_reason,
            match=MatchKind.EXACT,
            source=RuleSource.CASE,
            case_id=case.public_id if case is not None else "",
        ).pk
        for tag in (td.hashtags if td.rules else ())
    ]
    issued = [
        issue_action(
            kind=kind,
            subject_id=target,
            reason=td.reason,
            actor=actor,
            note=td.grounds.note,
            origin=td.origin,
        )
        for kind, target in aimed
    ]
    # The tag sweep sends suppress_hashtag for every seen spelling a rule catches: told of
    # these, it does not send the platform a second one, and lifts them with their rule.
    rule_of_tag = dict(zip(td.hashtags, rule_ids, strict=False))
    for (kind, target), action in zip(aimed, issued, strict=True):
        if kind == ActionKind.SUPPRESS_HASHTAG and target in rule_of_tag:
            note_suppressed(hashtag=target, rule_id=rule_of_tag[target], action_id=action.public_id)
    if td.bank == BankEffect.BANK_REMOVED:
        bank_media(td.media, posts=td.posts, into=bank_for(td.grounds.category), note=td.bank_note)
    record = record_decision(
        grounds=td.grounds,
        actor=actor,
        at=timezone.now(),
        subjects=[td.subject, *((str(SUBJECT_OF_KIND[k]), t) for k, t in aimed)],
        actions=issued,
        case=case,
    )
    if event is not None:
        audit.record(
            actor=actor,
            action=event.action,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            data={
                **event.data,
                "record": record.public_id,
                **({"rules": rule_ids} if rule_ids else {}),
            },
        )
    return TakenDown(record=record, actions=issued, rule_ids=rule_ids)


# --- the copies: every post a case lists ----------------------------------------------------


def post_media(post_id: str) -> list[MediaHashRow]:
    """The media on a post, with its hashes, from the platform's events and scans."""
    return [
        MediaHashRow(m.media_id, m.md5, m.sha256, m.pdq, m.pdq_quality)
        for m in reads.post_media_hashes(post_id)
    ]


def case_posts(case: Case) -> list[str]:
    """Every post in the case: its subject, the posts reported with it ("Add another post"),
    other reported posts filed into it, and posts where copies of its media were seen."""
    posts = [case.subject_id] if case.subject_type == SubjectType.POST else []
    for subject_type, subject_id, extra in Report.objects.filter(case_link__case=case).values_list(
        "subject_type", "subject_id", "additional_post_ids"
    ):
        if subject_type == SubjectType.POST:
            posts.append(subject_id)
        posts += [p for p in extra or () if isinstance(p, str) and p]
    posts += [p for p in case.media.values_list("post_id", flat=True) if p]
    return list(dict.fromkeys(posts))


def chosen_posts(case: Case, post_ids: Sequence[str] | None) -> list[str]:
    """The posts a removal takes: the case's post and those chosen (None: every one)."""
    posts = case_posts(case)
    if post_ids is None:
        return posts
    unknown = [p for p in post_ids if p not in posts]
    if unknown:
        raise Invalid(
            "unknown_post", f"Post {unknown[0][:200]!r} is not part of this case.", field="post_ids"
        )
    chosen = set(post_ids)
    return [p for p in posts if p == case.subject_id or p in chosen]


def case_media(case: Case) -> list[MediaHashRow]:
    """The media a case holds, with the hashes it was filed with."""
    return [
        MediaHashRow(m.media_id, m.md5, m.sha256, m.pdq, m.pdq_quality) for m in case.media.all()
    ]


# --- banking --------------------------------------------------------------------------------


def bank_media(
    media: Sequence[MediaHashRow], *, posts: Sequence[str], into: BankTarget, note: str
) -> None:
    """Put removed media's hashes into the bank: never posted again.

    The media given, and the media of the removed posts that is not among it yet."""
    if not Bank.objects.filter(name=into.name).exists():
        banks.create_bank(name=into.name, actor=SYSTEM, kind=into.kind, action=BankAction.BLOCK)
    media = list(media)
    held = {m.media_id for m in media}
    for post_id in posts:
        fresh = [m for m in post_media(post_id) if m.media_id not in held]
        media += fresh
        held |= {m.media_id for m in fresh}
    # The kept video frames and near copies of every item, in one read.
    kept = reads.media_hashes(held)
    rows = [row for m in media for row in _hash_rows(m, kept.get(m.media_id), note)]
    rows = [r for r in rows if r.value]
    if rows:
        banks.add_hashes(bank_name=into.name, rows=rows, actor=SYSTEM, source=EntrySource.MEDIA)


def _hash_rows(m: MediaHashRow, kept: reads.MediaHashes | None, note: str) -> list[banks.HashRow]:
    """One media item's bank rows: exact hashes, PDQ and its near copies, vPDQ frames."""
    rows = [
        banks.HashRow(SignalType.MD5, m.md5, note),
        banks.HashRow(SignalType.SHA256, m.sha256, note),
    ]
    vpdq, near = (kept.vpdq, kept.pdq_near) if kept else ((), ())
    if m.pdq:
        rows.append(banks.HashRow(SignalType.PDQ, m.pdq, note, quality=m.pdq_quality))
        # Its near copies (crops, small rotations), hashed when it was scanned.
        copies = [NearCopy(str(e), str(p), int(q)) for e, p, q in near]
        rows += banks.near_copy_rows(pdq=m.pdq, near=copies, note=note)
    if vpdq:
        frames = [Frame(float(s), str(p), int(q)) for s, p, q in vpdq]
        rows.append(banks.HashRow(SignalType.VPDQ, frames_to_value(frames), note))
    return rows
