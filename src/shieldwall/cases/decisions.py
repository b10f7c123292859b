"""Decisions as data: what each decision applies to, issues and banks, and how the desk
shows it; and the record every decision leaves behind.

A new decision is one entry in `DECISIONS`: the case service carries it out from the entry
(`cases.takedown.take_down`), and the desk draws its button from it. Statements of reasons
and appeals read the `Decision` records through `decisions_for_subject` / `decision_record`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import QuerySet

from shieldwall.cases.models import Case, Decision, DecisionKind, DecisionSubject
from shieldwall.core.actors import Actor, ActorKind
from shieldwall.core.errors import Invalid, NotFound
from shieldwall.integrations.kinds import ActionKind
from shieldwall.integrations.models import Action
from shieldwall.reports.models import ReportStatus
from shieldwall.subjects.kinds import SubjectType


class BankEffect(StrEnum):
    """What a decision does with the media it removes."""

    NONE = "none"
    # Bank the removed media's hashes into the bank its category calls for (never again).
    BANK_REMOVED = "bank_removed"


KEY_LENGTH = Case._meta.get_field("decision").max_length or 0


@dataclass(frozen=True)
class DecisionSpec:
    """One decision: where it fits, what it does, and how the desk offers it."""

    key: str
    label: str  # what the case says once decided ("Post removed")
    verb: str  # the desk's button ("Remove post")
    shortcut: str  # the desk's keyboard key
    effect: str  # what the confirmation says will happen
    applies_to: frozenset[SubjectType]
    actions: tuple[ActionKind, ...] = ()
    bank: BankEffect = BankEffect.NONE
    # Today's must-view rule: without a verified match, a person reveals the media first.
    needs_media_viewed: bool = True
    needs_media: bool = False  # offered only where the case shows media
    closes_case: bool = True
    on_desk: bool = True  # a button for moderators (automated decisions are not)
    # Each hashtag it suppresses also becomes an exact term rule (source: case), so every
    # other spelling of the tag and every search for it returns nothing too. On a post it
    # takes the hashtags the moderator ticks, and is offered only on a post that has some.
    makes_rules: bool = False
    reason: str = ""  # the actions' reason code; "" gives the case's category

    def __post_init__(self) -> None:
        # A case stores its closing decision's key in 24 characters; a desk key is one letter.
        if not 0 < len(self.key) <= KEY_LENGTH:
            raise ValueError(f"a decision key is 1 to {KEY_LENGTH} characters: {self.key!r}")
        if self.on_desk and len(self.shortcut) != 1:
            raise ValueError(f"decision {self.key!r} on the desk needs a one-key shortcut")

    @property
    def destructive(self) -> bool:
        """Whether it does something on the platform (the desk asks to confirm those)."""
        return bool(self.actions)

    @property
    def report_status(self) -> str:
        """What the reporters are told once it is taken."""
        return ReportStatus.ACTIONED if self.actions else ReportStatus.NO_VIOLATION

    def fits(self, subject_type: str) -> bool:
        return subject_type in self.applies_to


_POST = frozenset({SubjectType.POST})
_BANKED = "its media's hashes go into the platform-removed bank, so it can never be posted again."

# In the order the desk shows them.
DECISIONS: dict[str, DecisionSpec] = {
    spec.key: spec
    for spec in (
        DecisionSpec(
            key=DecisionKind.REMOVED_POST,
            label=DecisionKind.REMOVED_POST.label,
            verb="Remove post",
            shortcut="r",
            effect=f"The post is removed on the platform; {_BANKED}",
            applies_to=_POST,
            actions=(ActionKind.REMOVE_POST,),
            bank=BankEffect.BANK_REMOVED,
        ),
        DecisionSpec(
            key=DecisionKind.REMOVED_MEDIA,
            label=DecisionKind.REMOVED_MEDIA.label,
            verb="Remove media",
            shortcut="m",
            effect="The media is removed from the platform; its hashes go into the "
            "platform-removed bank, so it can never be posted again.",
            applies_to=_POST,
            actions=(ActionKind.REMOVE_MEDIA,),
            bank=BankEffect.BANK_REMOVED,
            needs_media=True,
        ),
        DecisionSpec(
            key=DecisionKind.SUSPENDED_ACCOUNT,
            label=DecisionKind.SUSPENDED_ACCOUNT.label,
            verb="Suspend account",
            shortcut="s",
            effect="The account is suspended on the platform.",
            applies_to=frozenset({SubjectType.POST, SubjectType.ACCOUNT}),
            actions=(ActionKind.SUSPEND_ACCOUNT,),
        ),
        DecisionSpec(
            key=DecisionKind.SUPPRESSED_HASHTAG,
            label=DecisionKind.SUPPRESSED_HASHTAG.label,
            verb="Suppress hashtag",
            shortcut="h",
            effect="The hashtag returns nothing on every search tab, and an exact rule "
            "suppresses every other spelling of it and every search for it.",
            applies_to=frozenset({SubjectType.HASHTAG, SubjectType.POST}),
            actions=(ActionKind.SUPPRESS_HASHTAG,),
            makes_rules=True,
        ),
        DecisionSpec(
            key=DecisionKind.NO_VIOLATION,
            label=DecisionKind.NO_VIOLATION.label,
            verb="No violation",
            shortcut="n",
            effect="The case closes with no action; reporters are told nothing was found.",
            applies_to=frozenset({SubjectType.POST, SubjectType.ACCOUNT, SubjectType.HASHTAG}),
        ),
        # Taken by Shieldwall itself (cases.services._interim_protection): the post is limited
        # while the case waits for a person, who then decides it.
        DecisionSpec(
            key=DecisionKind.LIMITED_POST,
            label=DecisionKind.LIMITED_POST.label,
            verb="Limit post",
            shortcut="",
            effect="The post is limited on the platform until the case is reviewed.",
            applies_to=_POST,
            actions=(ActionKind.LIMIT_POST,),
            needs_media_viewed=False,
            closes_case=False,
            on_desk=False,
            reason="interim_cse_review",
        ),
    )
}


def spec_for(key: str, subject_type: str) -> DecisionSpec:
    """The decision a moderator chose, if it applies to this subject; Invalid otherwise."""
    spec = DECISIONS.get(key)
    if spec is None or not spec.on_desk or not spec.fits(subject_type):
        raise Invalid(
            "invalid_decision",
            f"{key[:40]!r} does not apply to a {subject_type} case.",
            field="decision",
        )
    return spec


def desk_order() -> list[DecisionSpec]:
    """Every decision a moderator can take, in button order (the queue's bulk choices)."""
    return [spec for spec in DECISIONS.values() if spec.on_desk]


def desk_decisions(
    subject_type: str, *, has_media: bool, has_hashtags: bool = False
) -> list[DecisionSpec]:
    """The decisions the desk offers on a case, in button order (suppressing hashtags on a
    post only when the post has hashtags)."""
    return [
        spec
        for spec in desk_order()
        if spec.fits(subject_type)
        and (has_media or not spec.needs_media)
        and (has_hashtags or not spec.makes_rules or subject_type != SubjectType.POST)
    ]


# --- the record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Grounds:
    """Why a decision was taken: its category and policy (a registry key, or a removal
    request's own ground), and what the decider noted."""

    category: str
    policy: str
    note: str = ""


def record_decision(
    *,
    grounds: Grounds,
    actor: Actor,
    at: datetime,
    subjects: Iterable[tuple[str, str]],
    actions: Sequence[Action] = (),
    case: Case | None = None,
) -> Decision:
    """Write the record of one decision; the caller holds the decision's transaction."""
    record = Decision.objects.create(
        public_id="dec_" + secrets.token_urlsafe(12),
        case=case,
        key=grounds.policy,
        category=grounds.category,
        note=grounds.note,
        actor=actor.label,
        automated=actor.kind == ActorKind.SYSTEM,
        decided_at=at,
    )
    DecisionSubject.objects.bulk_create(
        DecisionSubject(decision=record, subject_type=t, subject_id=i)
        for t, i in dict.fromkeys(subjects)
    )
    if actions:
        record.actions.add(*actions)
    return record


@dataclass(frozen=True)
class DecisionRecord:
    """A decision as a statement of reasons or an appeal reads it."""

    public_id: str
    key: str
    label: str
    category: str
    note: str
    actor: str
    automated: bool
    decided_at: datetime
    case_id: str  # the case's public id, "" for a decision taken outside a case
    subjects: tuple[tuple[str, str], ...]
    action_ids: tuple[str, ...]


def _read(record: Decision) -> DecisionRecord:
    spec = DECISIONS.get(record.key)
    return DecisionRecord(
        public_id=record.public_id,
        key=record.key,
        label=spec.label if spec else record.key,
        category=record.category,
        note=record.note,
        actor=record.actor,
        automated=record.automated,
        decided_at=record.decided_at,
        case_id=record.case.public_id if record.case else "",
        subjects=tuple((s.subject_type, s.subject_id) for s in record.subjects.all()),
        action_ids=tuple(a.public_id for a in record.actions.all()),
    )


def _records() -> QuerySet[Decision]:
    return Decision.objects.select_related("case").prefetch_related("subjects", "actions")


def decisions_for_subject(subject_type: str, subject_id: str) -> list[DecisionRecord]:
    """Every decision about a subject, oldest first (a copy taken down counts)."""
    found = _records().filter(subjects__subject_type=subject_type, subjects__subject_id=subject_id)
    return [_read(r) for r in found.distinct()]


def decision_record(public_id: str) -> DecisionRecord:
    """The decision with this id, or NotFound."""
    found = _records().filter(public_id=public_id[:40]).first()
    if found is None:
        raise NotFound("decision_not_found", f"No decision {public_id[:40]!r}.")
    return _read(found)
