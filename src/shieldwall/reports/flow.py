"""The report flow as data: a versioned step tree any platform can render natively.

A path through the tree is a list of (step, option) answers. `validate_answers` walks a
submitted path through the same tree, so an impossible path is refused with the step
where it went wrong. Step and option ids are stable: platforms and stored reports use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from shieldwall.core.errors import Invalid
from shieldwall.reports.categories import Affected, Category, CseReason
from shieldwall.subjects.kinds import REPORTABLE, SubjectType

FLOW_VERSION = "2026-12-01.1"
PREVIOUS_FLOW_VERSION = "2026-11-26.1"
MAX_CONTEXT = 2000
MAX_ADDITIONAL_POSTS = 10


@dataclass(frozen=True)
class Option:
    """One answer of a step, the step it leads to, and what choosing it records."""

    id: str
    label: str
    next: str | None
    sets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Field:
    """An input on a step (the review step's extra posts, context, CSE sub-reason)."""

    id: str
    label: str
    kind: str  # "text", "posts" or "choice"
    max_length: int | None = None
    max_items: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    when: dict[str, str] = field(default_factory=dict)  # shown only when these were set
    help: str = ""


@dataclass(frozen=True)
class Step:
    """One screen: a prompt, its options, and any fields."""

    id: str
    kind: str  # "intro", "choice", "confirm", "review" or "done"
    prompt: str
    options: tuple[Option, ...]
    fields: tuple[Field, ...] = ()
    help: str = ""

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Flow:
    """The whole tree for one kind of subject."""

    version: str
    subject: str
    has_media: bool
    start: str
    steps: dict[str, Step]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form served to platforms."""
        return {
            "version": self.version,
            "subject": self.subject,
            "has_media": self.has_media,
            "start": self.start,
            "steps": [_step_dict(s) for s in self.steps.values()],
        }


def _step_dict(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "kind": step.kind,
        "prompt": step.prompt,
        "help": step.help,
        "options": [
            {"id": o.id, "label": o.label, "next": o.next, "sets": o.sets} for o in step.options
        ],
        "fields": [
            {
                "id": f.id,
                "label": f.label,
                "kind": f.kind,
                "max_length": f.max_length,
                "max_items": f.max_items,
                "choices": [{"id": c, "label": label} for c, label in f.choices],
                "when": f.when,
                "help": f.help,
            }
            for f in step.fields
        ],
    }


def _cat(category: Category) -> dict[str, str]:
    return {"category": category.value}


def _what_steps(
    suffix: str, ncii: bool, *, ncii_next: str, ncii_sets: dict[str, str]
) -> tuple[Step, Step]:
    """ "What is happening?" and "What kind of content is it?", leading on to `ncii_next`."""
    what = Step(
        "what_happening" + suffix,
        "choice",
        "What is happening?",
        (
            Option("sensitive", "Shows sensitive or disturbing content", "sensitive_kind" + suffix),
            Option("harassment", "Harassment or bullying", "review", _cat(Category.HARASSMENT)),
            Option("violence", "Threatens violence", "review", _cat(Category.VIOLENCE)),
            Option("self_harm", "Suicide or self-harm", "review", _cat(Category.SELF_HARM)),
            Option("spam", "Spam", "review", _cat(Category.SPAM)),
            Option("other", "Something else", "review", _cat(Category.OTHER)),
        ),
    )
    options = [Option("cse", "Child sexual exploitation", "cse_confirm", _cat(Category.CSE))]
    if ncii:
        options.append(
            Option(
                "ncii",
                "Non-consensual nudity",
                ncii_next,
                {**_cat(Category.NCII), **ncii_sets},
            )
        )
    options += [
        Option("adult", "Adult nudity or sexual activity", "review", _cat(Category.ADULT)),
        Option("graphic", "Graphic violence or gore", "review", _cat(Category.GRAPHIC)),
    ]
    sensitive = Step(
        "sensitive_kind" + suffix, "choice", "What kind of content is it?", tuple(options)
    )
    return what, sensitive


_REPORTABLE_WORDS = ", ".join(t.value for t in REPORTABLE[:-1]) + f" or {REPORTABLE[-1].value}"


@dataclass(frozen=True)
class FlowShape:
    """How one version of the tree differs from the others.

    Stored reports keep the version they were made under, and their path only walks that
    version's tree: the desk reads each report with its own version, so every version a
    stored report may carry stays buildable here.
    """

    # From 2026-12-01.1: "Me" has its own branch (the reporter is not asked again whether
    # the nudity is of them), and nudity of the reporter leads to a support step.
    me_branch: bool


FLOW_SHAPES: dict[str, FlowShape] = {
    PREVIOUS_FLOW_VERSION: FlowShape(me_branch=False),
    FLOW_VERSION: FlowShape(me_branch=True),
}


def flow_shape(version: str) -> FlowShape:
    """The shape of a known flow version; an unknown one is refused (422), never guessed."""
    shape = FLOW_SHAPES.get(version)
    if shape is None:
        known = ", ".join(FLOW_SHAPES)
        raise Invalid(
            "unknown_flow_version",
            f"There is no report flow version {version!r} (known: {known}).",
            field="flow_version",
        )
    return shape


@lru_cache(maxsize=64)
def flow_of(version: str, subject: str, has_media: bool) -> Flow:
    """The tree of one version, built once per process (the desk reads many reports)."""
    return build_flow(subject, has_media, version=version)


def build_flow(subject: str, has_media: bool, *, version: str = FLOW_VERSION) -> Flow:
    """The step tree for reporting a post (with or without media), an account or a hashtag,
    as it stands in `version` (today's unless said)."""
    if subject not in REPORTABLE:
        raise Invalid("invalid_subject", f"subject must be {_REPORTABLE_WORDS}.", field="subject")
    shape = flow_shape(version)
    noun = SubjectType(subject).label.lower()
    media = has_media and subject == SubjectType.POST
    intro = Step(
        f"report_{subject}",
        "intro",
        f"Report {noun}",
        (Option("start", "Start report", "who_affected"),),
        help="Your report is confidential. The account you report won't see who reported it.",
    )
    ncii = media or subject == SubjectType.ACCOUNT
    me_branch = ncii and shape.me_branch
    # "Me" has its own copy of the next two steps when the flow has a nudity option: a person
    # who said the content is about them is not asked again whether the nudity is of them.
    who = Step(
        "who_affected",
        "choice",
        "Who is affected?",
        tuple(
            Option(
                a.value,
                a.label,
                "what_happening_me" if me_branch and a == Affected.ME else "what_happening",
                {"affected": a.value},
            )
            for a in Affected
        ),
    )
    what, sensitive = _what_steps("", ncii, ncii_next="ncii_about_you", ncii_sets={})
    what_me, sensitive_me = _what_steps(
        "_me", ncii, ncii_next="ncii_support", ncii_sets={"depicted": "reporter"}
    )
    cse_confirm = Step(
        "cse_confirm",
        "confirm",
        "You are reporting child sexual exploitation",
        (Option("yes", "Yes, continue", "review"),),
        help="We review these reports first. If a child is in immediate danger, contact your "
        "local emergency services now. Do not download, share or screenshot the content.",
    )
    ncii_you = Step(
        "ncii_about_you",
        "choice",
        "Is this nudity of you?",
        (
            Option(
                "yes",
                "Yes, it's me",
                "ncii_support" if shape.me_branch else "review",
                {"depicted": "reporter"},
            ),
            Option("no", "No, it's someone else", "ncii_authorised", {"depicted": "other"}),
        ),
    )
    ncii_support = Step(
        "ncii_support",
        "confirm",
        "You are reporting intimate images of you shared without your consent",
        (Option("yes", "Yes, continue", "review"),),
        help="We review these reports quickly, and remove every copy we find. To stop the same "
        "images being shared on other platforms too, you can use StopNCII.org: it makes a "
        "fingerprint of them on your own device, and the images never leave it. If you need "
        "support, a victims' helpline or a person you trust can help; if you are in danger, "
        "contact your local emergency services.",
    )
    ncii_authorised = Step(
        "ncii_authorised",
        "choice",
        "Are you authorised to act for the person shown?",
        (
            Option("yes", "Yes, I'm authorised to act for them", "review", {"authorised": "yes"}),
            Option("no", "No", "review", {"authorised": "no"}),
        ),
    )
    review_fields = [
        Field(
            "cse_reason",
            "What best describes it?",
            "choice",
            choices=tuple((r.value, r.label) for r in CseReason),
            when=_cat(Category.CSE),
        ),
    ]
    if subject != SubjectType.HASHTAG:
        review_fields.append(
            Field(
                "additional_posts",
                "Add another post",
                "posts",
                max_items=MAX_ADDITIONAL_POSTS,
                help="Other posts from the same account that show the same problem.",
            )
        )
    review_fields.append(Field("context", "Add more context", "text", max_length=MAX_CONTEXT))
    review = Step(
        "review",
        "review",
        f"Review your report about {{handle}}'s {noun}"
        if subject != SubjectType.HASHTAG
        else "Review your report about {handle}",
        (Option("submit", "Submit", "done"),),
        fields=tuple(review_fields),
    )
    done = Step(
        "done",
        "done",
        "Done",
        (Option("close", "Done", None),),
        help="Thanks for your report. We'll let you know what we decide.",
    )
    steps = [intro, who, what, sensitive]
    if me_branch:
        steps += [what_me, sensitive_me]
    steps.append(cse_confirm)
    if ncii:
        steps += [ncii_you, ncii_authorised]
    if me_branch:
        steps.append(ncii_support)
    steps += [review, done]
    return Flow(version, subject, media, intro.id, {s.id: s for s in steps})


@dataclass(frozen=True)
class Answers:
    """A validated path: what it recorded (category, affected, ...) and the review fields."""

    path: tuple[tuple[str, str], ...]
    recorded: dict[str, str]
    cse_reason: str
    additional_posts: tuple[str, ...]
    context: str

    @property
    def category(self) -> str:
        return self.recorded["category"]


def validate_answers(flow: Flow, path: list[tuple[str, str]], fields: dict[str, Any]) -> Answers:
    """Walk the path through the tree; refuse an impossible path or bad fields (422)."""
    if not path:
        raise Invalid("invalid_path", "The path is empty.", field="path")
    expected = flow.start
    recorded: dict[str, str] = {}
    for n, (step_id, option_id) in enumerate(path):
        if step_id != expected:
            raise Invalid(
                "invalid_path",
                f"Answer {n + 1} is for step {step_id!r}, but the flow is at {expected!r}.",
                field=f"path.{n}.step",
            )
        step = flow.steps[step_id]
        option = step.option(option_id)
        if option is None:
            ids = ", ".join(o.id for o in step.options)
            raise Invalid(
                "invalid_path",
                f"Step {step_id!r} has no option {option_id!r} (options: {ids}).",
                field=f"path.{n}.option",
            )
        recorded.update(option.sets)
        expected = option.next or ""
    if expected != "done":
        raise Invalid(
            "invalid_path",
            f"The path stops at {expected!r}; a report ends with the review step's Submit.",
            field="path",
        )
    return Answers(
        path=tuple(path),
        recorded=recorded,
        cse_reason=_cse_reason(flow, recorded, fields),
        additional_posts=_additional_posts(flow, fields),
        context=_context(fields),
    )


def _cse_reason(flow: Flow, recorded: dict[str, str], fields: dict[str, Any]) -> str:
    reason = fields.get("cse_reason") or ""
    if not reason:
        return ""
    if recorded.get("category") != Category.CSE:
        raise Invalid(
            "invalid_field",
            "cse_reason is only for child sexual exploitation reports.",
            field="fields.cse_reason",
        )
    if reason not in CseReason.values:
        raise Invalid(
            "invalid_field",
            f"cse_reason must be one of {', '.join(CseReason.values)}.",
            field="fields.cse_reason",
        )
    return str(reason)


def _additional_posts(flow: Flow, fields: dict[str, Any]) -> tuple[str, ...]:
    posts = fields.get("additional_posts") or []
    if not posts:
        return ()
    if flow.subject == SubjectType.HASHTAG:
        raise Invalid(
            "invalid_field",
            "A hashtag report has no additional posts.",
            field="fields.additional_posts",
        )
    if not isinstance(posts, list) or not all(
        isinstance(p, str) and 0 < len(p) <= 200 for p in posts
    ):
        raise Invalid(
            "invalid_field",
            "additional_posts is a list of post ids.",
            field="fields.additional_posts",
        )
    if len(posts) > MAX_ADDITIONAL_POSTS:
        raise Invalid(
            "invalid_field",
            f"At most {MAX_ADDITIONAL_POSTS} additional posts.",
            field="fields.additional_posts",
        )
    return tuple(dict.fromkeys(posts))


def _context(fields: dict[str, Any]) -> str:
    context = fields.get("context") or ""
    if not isinstance(context, str):
        raise Invalid("invalid_field", "context is text.", field="fields.context")
    if len(context) > MAX_CONTEXT:
        raise Invalid(
            "invalid_field",
            f"context is at most {MAX_CONTEXT} characters (got {len(context)}).",
            field="fields.context",
        )
    return context.strip()
