"""The typed answers of the API: frozen dataclasses read from the server's JSON.

Readers ignore fields they do not know, so a newer server does not break an older SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Json = Mapping[str, Any]


def parse_time(value: str) -> datetime:
    """An ISO 8601 time from the API as an aware datetime (the API speaks UTC)."""
    return datetime.fromisoformat(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class Frame:
    """One video frame's PDQ hash, at `second` into the video."""

    second: float
    pdq: str
    quality: int

    @classmethod
    def from_json(cls, d: Json) -> Frame:
        return cls(second=float(d["second"]), pdq=str(d["pdq"]), quality=int(d["quality"]))

    def to_json(self) -> dict[str, Any]:
        return {"second": self.second, "pdq": self.pdq, "quality": self.quality}


@dataclass(frozen=True)
class Hashes:
    """What the server computed from scanned media (the media itself is not kept)."""

    media_type: str
    format: str
    md5: str
    sha256: str
    pdq: str | None
    pdq_quality: int | None
    width: int
    height: int
    duration_seconds: float | None = None
    vpdq: list[Frame] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: Json) -> Hashes:
        return cls(
            media_type=str(d["media_type"]),
            format=str(d["format"]),
            md5=str(d["md5"]),
            sha256=str(d["sha256"]),
            pdq=d.get("pdq"),
            pdq_quality=_opt_int(d.get("pdq_quality")),
            width=int(d["width"]),
            height=int(d["height"]),
            duration_seconds=_opt_float(d.get("duration_seconds")),
            vpdq=[Frame.from_json(f) for f in d.get("vpdq") or ()],
        )


@dataclass(frozen=True)
class Match:
    """One bank entry the media matched, and what the bank says to do about it."""

    bank: str
    bank_kind: str
    action: str
    signal_type: str
    entry_id: str | None  # None when withheld (a protected bank)
    distance: int | None  # bits apart, 0 for exact hashes; None when withheld
    query_match_pct: float | None = None
    bank_match_pct: float | None = None
    variant_of: str | None = None  # a near copy (crop, rotation) of this banked entry matched
    # A protected bank's match (verified CSAM, NCII, platform-removed, exchange-filled): which
    # entry matched and how closely are not told to platform keys.
    withheld: bool = False

    @classmethod
    def from_json(cls, d: Json) -> Match:
        return cls(
            bank=str(d["bank"]),
            bank_kind=str(d["bank_kind"]),
            action=str(d["action"]),
            signal_type=str(d["signal_type"]),
            entry_id=str(d["entry_id"]) if d.get("entry_id") is not None else None,
            distance=int(d["distance"]) if d.get("distance") is not None else None,
            query_match_pct=_opt_float(d.get("query_match_pct")),
            bank_match_pct=_opt_float(d.get("bank_match_pct")),
            variant_of=str(d["variant_of"]) if d.get("variant_of") is not None else None,
            withheld=bool(d.get("withheld", False)),
        )


@dataclass(frozen=True)
class ScanResult:
    """The verdict on media or hashes: "allow", "review" or "block", with the matches behind it."""

    verdict: str
    matches: list[Match] = field(default_factory=list)
    hashes: Hashes | None = None

    @property
    def blocked(self) -> bool:
        """The media must not be published."""
        return self.verdict == "block"

    @property
    def needs_review(self) -> bool:
        """The media may be published only after a moderator has looked (platform policy)."""
        return self.verdict == "review"

    @classmethod
    def from_json(cls, d: Json) -> ScanResult:
        hashes = d.get("hashes")
        return cls(
            verdict=str(d["verdict"]),
            matches=[Match.from_json(m) for m in d.get("matches") or ()],
            hashes=Hashes.from_json(hashes) if hashes else None,
        )


@dataclass(frozen=True)
class Bank:
    """A hash bank: what it holds (kind), what a match does (action), and its thresholds."""

    name: str
    kind: str
    action: str
    pdq_threshold: int
    video_query_pct: float
    video_bank_pct: float
    enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime
    entry_counts: dict[str, int] = field(default_factory=dict)
    # Protected banks (verified CSAM, NCII, platform-removed, exchange-filled) are changed only
    # by Shieldwall's staff; a platform key may see them but not change them or read their hashes.
    protected: bool = False

    @classmethod
    def from_json(cls, d: Json) -> Bank:
        return cls(
            name=str(d["name"]),
            kind=str(d["kind"]),
            action=str(d["action"]),
            pdq_threshold=int(d["pdq_threshold"]),
            video_query_pct=float(d["video_query_pct"]),
            video_bank_pct=float(d["video_bank_pct"]),
            enabled=bool(d["enabled"]),
            version=int(d["version"]),
            created_at=parse_time(d["created_at"]),
            updated_at=parse_time(d["updated_at"]),
            entry_counts={str(k): int(v) for k, v in (d.get("entry_counts") or {}).items()},
            protected=bool(d.get("protected", False)),
        )


@dataclass(frozen=True)
class HashRow:
    """A hash to add to a bank: signal type ("pdq", "md5", "sha256", "vpdq") and value."""

    signal_type: str
    value: str
    note: str = ""
    external_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "signal_type": self.signal_type,
            "value": self.value,
            "note": self.note,
            "external_id": self.external_id,
        }


@dataclass(frozen=True)
class AddResult:
    """What adding hashes or media to a bank did."""

    added: int
    duplicates: int
    entry_ids: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: Json) -> AddResult:
        return cls(
            added=int(d["added"]),
            duplicates=int(d["duplicates"]),
            entry_ids=[str(i) for i in d.get("entry_ids") or ()],
        )


@dataclass(frozen=True)
class EventResult:
    """The fate of one event: "accepted" or "duplicate" (seen before, nothing changed)."""

    id: str
    status: str

    @classmethod
    def from_json(cls, d: Json) -> EventResult:
        return cls(id=str(d["id"]), status=str(d["status"]))


@dataclass(frozen=True)
class EventsResult:
    """The answer to events sent: counts and one result per event, in the order sent."""

    accepted: int
    duplicates: int
    results: list[EventResult] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: Json) -> EventsResult:
        return cls(
            accepted=int(d["accepted"]),
            duplicates=int(d["duplicates"]),
            results=[EventResult.from_json(r) for r in d.get("results") or ()],
        )


@dataclass(frozen=True)
class PlatformProfile:
    """How the platform's public links map to its ids, and where it serves media.

    `links` maps "post", "account" and "hashtag" to path patterns with one placeholder:
    `{id}` (the platform's id), `{handle}` (an account's handle) or `{name}` (a hashtag).
    """

    hosts: list[str]
    links: dict[str, list[str]]
    media_hosts: list[str] = field(default_factory=list)
    updated_at: datetime | None = None
    updated_by: str = ""
    changed: bool = field(default=False, compare=False)

    @classmethod
    def from_json(cls, d: Json) -> PlatformProfile:
        links = d.get("links") or {}
        updated = d.get("updated_at")
        return cls(
            hosts=[str(h) for h in d.get("hosts") or ()],
            links={str(t): [str(p) for p in ps or ()] for t, ps in links.items()},
            media_hosts=[str(h) for h in d.get("media_hosts") or ()],
            updated_at=parse_time(updated) if updated else None,
            updated_by=str(d.get("updated_by") or ""),
            changed=bool(d.get("changed")),
        )


@dataclass(frozen=True)
class Subject:
    """What an action applies to: type "post", "media", "account" or "hashtag", and its id."""

    type: str
    id: str

    @classmethod
    def from_json(cls, d: Json) -> Subject:
        return cls(type=str(d["type"]), id=str(d["id"]))


@dataclass(frozen=True)
class Ack:
    """The platform's last acknowledgement of an action."""

    status: str
    detail: str
    acked_at: datetime

    @classmethod
    def from_json(cls, d: Json) -> Ack:
        return cls(
            status=str(d["status"]),
            detail=str(d.get("detail") or ""),
            acked_at=parse_time(d["acked_at"]),
        )


@dataclass(frozen=True)
class Action:
    """A decision for the platform to apply, idempotently by `id`.

    `ack` is set only on the answer to `Client.ack` (webhooks and pages do not carry it).
    """

    id: str
    kind: str
    subject: Subject
    reason: str
    note: str
    created_at: datetime
    ack: Ack | None = field(default=None, compare=False)

    @classmethod
    def from_json(cls, d: Json) -> Action:
        ack = d.get("ack")
        return cls(
            id=str(d["id"]),
            kind=str(d["kind"]),
            subject=Subject.from_json(d["subject"]),
            reason=str(d.get("reason") or ""),
            note=str(d.get("note") or ""),
            created_at=parse_time(d["created_at"]),
            ack=Ack.from_json(ack) if ack else None,
        )


@dataclass(frozen=True)
class ActionPage:
    """A page of actions in creation order; pass `next` back as `after` for the next page."""

    actions: list[Action]
    next: str | None

    @classmethod
    def from_json(cls, d: Json) -> ActionPage:
        nxt = d.get("next")
        return cls(
            actions=[Action.from_json(a) for a in d.get("actions") or ()],
            next=None if nxt is None else str(nxt),
        )


# -- reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowOption:
    """One answer of a report step: its label, the step it leads to (None: the end).

    `sets` is what choosing it records (such as {"category": "..."}), when the server says.
    """

    id: str
    label: str
    next: str | None
    sets: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: Json) -> FlowOption:
        nxt = d.get("next")
        return cls(
            id=str(d["id"]),
            label=str(d["label"]),
            next=None if nxt is None else str(nxt),
            sets={str(k): str(v) for k, v in (d.get("sets") or {}).items()},
        )


@dataclass(frozen=True)
class FlowChoice:
    """One choice of a "choice" field."""

    id: str
    label: str

    @classmethod
    def from_json(cls, d: Json) -> FlowChoice:
        return cls(id=str(d["id"]), label=str(d["label"]))


@dataclass(frozen=True)
class FlowField:
    """An input on a step: kind "text", "posts" (other post ids) or "choice".

    `when` lists what the path must have recorded for the field to be shown.
    """

    id: str
    label: str
    kind: str
    max_length: int | None = None
    max_items: int | None = None
    choices: list[FlowChoice] = field(default_factory=list)
    when: dict[str, str] = field(default_factory=dict)
    help: str = ""

    def applies(self, recorded: Mapping[str, str]) -> bool:
        """Whether to show the field, given what the path recorded so far."""
        return all(recorded.get(k) == v for k, v in self.when.items())

    @classmethod
    def from_json(cls, d: Json) -> FlowField:
        return cls(
            id=str(d["id"]),
            label=str(d["label"]),
            kind=str(d["kind"]),
            max_length=_opt_int(d.get("max_length")),
            max_items=_opt_int(d.get("max_items")),
            choices=[FlowChoice.from_json(c) for c in d.get("choices") or ()],
            when={str(k): str(v) for k, v in (d.get("when") or {}).items()},
            help=str(d.get("help") or ""),
        )


@dataclass(frozen=True)
class FlowStep:
    """One screen of the report flow: kind "intro", "choice", "confirm", "review" or "done"."""

    id: str
    kind: str
    prompt: str
    help: str = ""
    options: list[FlowOption] = field(default_factory=list)
    fields: list[FlowField] = field(default_factory=list)

    def option(self, option_id: str) -> FlowOption | None:
        """The option with this id, or None."""
        return next((o for o in self.options if o.id == option_id), None)

    def prompt_for(self, handle: str) -> str:
        """The prompt with `{handle}` replaced by the reported account's handle."""
        return self.prompt.replace("{handle}", handle)

    @classmethod
    def from_json(cls, d: Json) -> FlowStep:
        return cls(
            id=str(d["id"]),
            kind=str(d["kind"]),
            prompt=str(d["prompt"]),
            help=str(d.get("help") or ""),
            options=[FlowOption.from_json(o) for o in d.get("options") or ()],
            fields=[FlowField.from_json(f) for f in d.get("fields") or ()],
        )


class InvalidPath(ValueError):
    """A path that does not fit the flow; `index` is the answer where it went wrong."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class FlowPosition:
    """Where a path leads: the current step, what it recorded, and the answers so far."""

    step: FlowStep
    recorded: dict[str, str]
    answers: list[tuple[FlowStep, FlowOption]]


@dataclass(frozen=True)
class ReportFlow:
    """The report flow's step tree for one kind of subject, to render step by step."""

    version: str
    subject: str
    has_media: bool
    start: str
    steps: dict[str, FlowStep]
    records_known: bool = field(default=False, compare=False)

    def step(self, step_id: str) -> FlowStep:
        """The step with this id (KeyError if the flow has none)."""
        return self.steps[step_id]

    def walk(self, path: Sequence[tuple[str, str]]) -> FlowPosition:
        """Follow (step, option) answers from the start; raise InvalidPath where they stop fitting.

        The server checks the same when the report is submitted; this lets a platform render
        the step a path leads to. `recorded` is empty unless the server says what options set.
        """
        current = self.steps.get(self.start)
        if current is None:
            raise InvalidPath(f"the flow has no start step {self.start!r}", 0)
        recorded: dict[str, str] = {}
        answers: list[tuple[FlowStep, FlowOption]] = []
        for n, (step_id, option_id) in enumerate(path):
            if step_id != current.id:
                raise InvalidPath(
                    f"answer {n + 1} is for step {step_id!r}, but the flow is at {current.id!r}", n
                )
            option = current.option(option_id)
            if option is None:
                raise InvalidPath(f"step {step_id!r} has no option {option_id!r}", n)
            nxt = self.steps.get(option.next or "")
            if nxt is None:
                raise InvalidPath(f"option {option_id!r} of step {step_id!r} ends the flow", n)
            answers.append((current, option))
            recorded.update(option.sets)
            current = nxt
        return FlowPosition(step=current, recorded=recorded, answers=answers)

    @classmethod
    def from_json(cls, d: Json) -> ReportFlow:
        steps = [FlowStep.from_json(s) for s in d.get("steps") or ()]
        known = any("sets" in o for s in d.get("steps") or () for o in s.get("options") or ())
        return cls(
            version=str(d["version"]),
            subject=str(d["subject"]),
            has_media=bool(d.get("has_media")),
            start=str(d["start"]),
            steps={s.id: s for s in steps},
            records_known=known,
        )


@dataclass(frozen=True)
class Report:
    """A submitted report and what was decided: status "received", "in_review", "actioned"
    or "no_violation". Never says who reported.

    `created` is True when this call stored it, False when the idempotency key had been
    used before (the earlier report is returned); it is None on `report_status`.
    """

    id: str
    status: str
    category: str
    cse_reason: str
    subject_type: str
    subject_id: str
    created_at: datetime
    decided_at: datetime | None = None
    created: bool | None = field(default=None, compare=False)

    @property
    def decided(self) -> bool:
        """A moderator has decided (actioned or no violation)."""
        return self.status in ("actioned", "no_violation")

    @classmethod
    def from_json(cls, d: Json, created: bool | None = None) -> Report:
        decided = d.get("decided_at")
        return cls(
            id=str(d["id"]),
            status=str(d["status"]),
            category=str(d.get("category") or ""),
            cse_reason=str(d.get("cse_reason") or ""),
            subject_type=str(d["subject_type"]),
            subject_id=str(d["subject_id"]),
            created_at=parse_time(d["created_at"]),
            decided_at=parse_time(decided) if decided else None,
            created=created,
        )


# -- hashtag and search checks ---------------------------------------------------------------


@dataclass(frozen=True)
class TermRule:
    """The rule behind a suppression: its id, the term as staff wrote it, and how it matches
    ("exact", "contains" or "near")."""

    id: int
    term: str
    match: str

    @classmethod
    def from_json(cls, d: Json) -> TermRule:
        return cls(id=int(d["id"]), term=str(d["term"]), match=str(d["match"]))


@dataclass(frozen=True)
class HelpLink:
    """A help or reporting resource shown on the interstitial."""

    label: str
    url: str

    @classmethod
    def from_json(cls, d: Json) -> HelpLink:
        return cls(label=str(d["label"]), url=str(d["url"]))


@dataclass(frozen=True)
class Interstitial:
    """What to show instead of results: a title, a short message, and help links."""

    title: str
    message: str
    links: list[HelpLink] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: Json) -> Interstitial:
        return cls(
            title=str(d.get("title") or ""),
            message=str(d.get("message") or ""),
            links=[HelpLink.from_json(link) for link in d.get("links") or ()],
        )


def _opt_rule(value: Any) -> TermRule | None:
    return TermRule.from_json(value) if value else None


@dataclass(frozen=True)
class HashtagCheck:
    """The verdict on one hashtag: suppressed or not, the rule, and the normalised form.

    `interstitial` is the answer's interstitial, set on suppressed tags only: show it
    instead of the tag's posts.
    """

    tag: str
    suppressed: bool
    rule: TermRule | None
    normalized: str
    interstitial: Interstitial | None = None

    @classmethod
    def from_json(cls, d: Json, interstitial: Interstitial | None = None) -> HashtagCheck:
        suppressed = bool(d["suppressed"])
        return cls(
            tag=str(d["tag"]),
            suppressed=suppressed,
            rule=_opt_rule(d.get("rule")),
            normalized=str(d.get("normalized") or ""),
            interstitial=interstitial if suppressed else None,
        )

    @classmethod
    def list_from_json(cls, d: Json) -> list[HashtagCheck]:
        """The results of one `POST /hashtags/check` answer, in the order the tags were sent."""
        raw = d.get("interstitial")
        interstitial = Interstitial.from_json(raw) if raw else None
        return [cls.from_json(r, interstitial) for r in d["results"]]


@dataclass(frozen=True)
class SearchCheck:
    """The verdict on one search query; when suppressed, show `interstitial` and no results."""

    query: str
    suppressed: bool
    rule: TermRule | None
    normalized: str
    interstitial: Interstitial | None = None

    @classmethod
    def from_json(cls, d: Json) -> SearchCheck:
        raw = d.get("interstitial")
        return cls(
            query=str(d["query"]),
            suppressed=bool(d["suppressed"]),
            rule=_opt_rule(d.get("rule")),
            normalized=str(d.get("normalized") or ""),
            interstitial=Interstitial.from_json(raw) if raw else None,
        )
