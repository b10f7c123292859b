"""The report flow tree: the exact CSE path of the story, NCII beside it, every subject."""

import pytest

from shieldwall.core.errors import Invalid
from shieldwall.reports.flow import build_flow, validate_answers

CSE_PATH = [
    ("report_post", "start"),
    ("who_affected", "someone_else"),
    ("what_happening", "sensitive"),
    ("sensitive_kind", "cse"),
    ("cse_confirm", "yes"),
    ("review", "submit"),
]


def _walk(subject: str, has_media: bool, path: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (prompt, chosen label) pairs a person sees along the path."""
    flow = build_flow(subject, has_media)
    seen = []
    for step_id, option_id in path:
        step = flow.steps[step_id]
        option = step.option(option_id)
        assert option is not None, (step_id, option_id)
        seen.append((step.prompt, option.label))
    return seen


def test_cse_path_for_a_post_with_media_is_exactly_the_story() -> None:
    assert _walk("post", True, CSE_PATH) == [
        ("Report post", "Start report"),
        ("Who is affected?", "Someone else or a specific group of people"),
        ("What is happening?", "Shows sensitive or disturbing content"),
        ("What kind of content is it?", "Child sexual exploitation"),
        ("You are reporting child sexual exploitation", "Yes, continue"),
        ("Review your report about {handle}'s post", "Submit"),
    ]
    flow = build_flow("post", True)
    assert [o.label for o in flow.steps["who_affected"].options] == [
        "Me",
        "Someone else or a specific group of people",
        "Everyone",
    ]
    review = flow.steps["review"]
    assert [f.label for f in review.fields] == [
        "What best describes it?",
        "Add another post",
        "Add more context",
    ]
    assert next(f for f in review.fields if f.id == "context").max_length == 2000
    assert flow.steps["done"].prompt == "Done"


def test_ncii_is_a_separate_path_with_its_own_questions() -> None:
    flow = build_flow("post", True)
    labels = [o.label for o in flow.steps["sensitive_kind"].options]
    assert "Non-consensual nudity" in labels
    assert "Child sexual exploitation" in labels
    path = [
        ("report_post", "start"),
        ("who_affected", "someone_else"),
        ("what_happening", "sensitive"),
        ("sensitive_kind", "ncii"),
        ("ncii_about_you", "no"),
        ("ncii_authorised", "yes"),
        ("review", "submit"),
    ]
    answers = validate_answers(flow, path, {})
    assert answers.recorded == {
        "affected": "someone_else",
        "category": "non_consensual_nudity",
        "depicted": "other",
        "authorised": "yes",
    }
    mine = validate_answers(
        flow,
        [*path[:4], ("ncii_about_you", "yes"), ("ncii_support", "yes"), ("review", "submit")],
        {},
    )
    assert mine.recorded["depicted"] == "reporter"


@pytest.mark.parametrize(("subject", "has_media"), [("post", True), ("account", False)])
def test_after_me_the_nudity_path_does_not_ask_whether_it_is_of_you(
    subject: str, has_media: bool
) -> None:
    flow = build_flow(subject, has_media)
    me = flow.steps["who_affected"].option("me")
    assert me is not None
    what = flow.steps[me.next or ""]
    sensitive = flow.steps[what.option("sensitive").next or ""]  # type: ignore[union-attr]
    ncii = sensitive.option("ncii")
    assert ncii is not None
    assert ncii.sets == {"category": "non_consensual_nudity", "depicted": "reporter"}
    support = flow.steps[ncii.next or ""]
    assert support.id == "ncii_support"  # not "Is this nudity of you?"
    assert "StopNCII.org" in support.help
    assert "support" in support.help
    path = [
        (flow.start, "start"),
        ("who_affected", "me"),
        (what.id, "sensitive"),
        (sensitive.id, "ncii"),
        ("ncii_support", "yes"),
        ("review", "submit"),
    ]
    answers = validate_answers(flow, path, {})
    assert answers.recorded == {
        "affected": "me",
        "category": "non_consensual_nudity",
        "depicted": "reporter",
    }
    # Every other answer after "Me" is the same as for anyone else.
    assert [o.id for o in what.options] == [o.id for o in flow.steps["what_happening"].options]
    cse = [(flow.start, "start"), ("who_affected", "me"), (what.id, "sensitive")]
    cse += [(sensitive.id, "cse"), ("cse_confirm", "yes"), ("review", "submit")]
    assert validate_answers(flow, cse, {}).category == "child_sexual_exploitation"


def test_flows_without_a_nudity_option_have_one_path_for_everyone() -> None:
    for subject in ("hashtag", "post"):
        flow = build_flow(subject, False)
        assert flow.steps["who_affected"].option("me").next == "what_happening"  # type: ignore[union-attr]
        assert "what_happening_me" not in flow.steps


@pytest.mark.parametrize(
    ("subject", "has_media"),
    [("post", True), ("post", False), ("account", False), ("hashtag", False)],
)
def test_cse_path_exists_for_every_subject(subject: str, has_media: bool) -> None:
    flow = build_flow(subject, has_media)
    path = [(flow.start, "start"), *CSE_PATH[1:]]
    answers = validate_answers(flow, path, {"cse_reason": "selling_or_soliciting"})
    assert answers.category == "child_sexual_exploitation"
    assert answers.cse_reason == "selling_or_soliciting"
    reasons = next(f for f in flow.steps["review"].fields if f.id == "cse_reason").choices
    assert [r for r, _ in reasons] == [
        "abuse_imagery",
        "grooming",
        "selling_or_soliciting",
        "sextortion",
        "other",
    ]


def test_text_post_has_no_nudity_option_but_keeps_the_other_categories() -> None:
    flow = build_flow("post", False)
    assert "ncii" not in [o.id for o in flow.steps["sensitive_kind"].options]
    assert [o.id for o in flow.steps["what_happening"].options] == [
        "sensitive",
        "harassment",
        "violence",
        "self_harm",
        "spam",
        "other",
    ]


@pytest.mark.parametrize(
    ("path", "fields", "field", "message"),
    [
        ([("who_affected", "me")], {}, "path.0.step", "flow is at 'report_post'"),
        ([("report_post", "begin")], {}, "path.0.option", "has no option 'begin'"),
        (
            [("report_post", "start"), ("who_affected", "everyone")],
            {},
            "path",
            "stops at 'what_happening'",
        ),
        ([*CSE_PATH[:3], ("cse_confirm", "yes")], {}, "path.3.step", "flow is at 'sensitive_kind'"),
        (CSE_PATH, {"context": "x" * 2001}, "fields.context", "at most 2000 characters"),
        (CSE_PATH, {"cse_reason": "nonsense"}, "fields.cse_reason", "must be one of"),
        (CSE_PATH, {"additional_posts": ["p"] * 11}, "fields.additional_posts", "At most 10"),
    ],
)
def test_impossible_paths_and_bad_fields_are_refused(
    path: list[tuple[str, str]], fields: dict, field: str, message: str
) -> None:
    with pytest.raises(Invalid) as exc:
        validate_answers(build_flow("post", True), path, fields)
    assert exc.value.field == field
    assert message in exc.value.message


def test_cse_reason_only_on_cse_reports() -> None:
    spam = [
        ("report_post", "start"),
        ("who_affected", "everyone"),
        ("what_happening", "spam"),
        ("review", "submit"),
    ]
    with pytest.raises(Invalid, match="only for child sexual exploitation"):
        validate_answers(build_flow("post", True), spam, {"cse_reason": "grooming"})
