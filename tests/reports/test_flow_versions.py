"""Flow versions: every version a stored report may carry stays buildable, each as it was."""

import pytest

from shieldwall.core.errors import Invalid
from shieldwall.reports.flow import (
    FLOW_SHAPES,
    FLOW_VERSION,
    PREVIOUS_FLOW_VERSION,
    build_flow,
    flow_of,
    validate_answers,
)
from shieldwall.subjects.kinds import REPORTABLE

# Nudity of the reporter, as each version asked it.
NCII_ME_BEFORE = [
    ("report_post", "start"),
    ("who_affected", "me"),
    ("what_happening", "sensitive"),
    ("sensitive_kind", "ncii"),
    ("ncii_about_you", "yes"),
    ("review", "submit"),
]
NCII_ME_NOW = [
    ("report_post", "start"),
    ("who_affected", "me"),
    ("what_happening_me", "sensitive"),
    ("sensitive_kind_me", "ncii"),
    ("ncii_support", "yes"),
    ("review", "submit"),
]


def test_the_previous_version_asks_again_and_has_no_support_step() -> None:
    before = build_flow("post", True, version=PREVIOUS_FLOW_VERSION)
    assert before.version == PREVIOUS_FLOW_VERSION
    assert "what_happening_me" not in before.steps
    assert "ncii_support" not in before.steps
    me = before.steps["who_affected"].option("me")
    assert me is not None
    assert me.next == "what_happening"
    yes = before.steps["ncii_about_you"].option("yes")
    assert yes is not None
    assert yes.next == "review"
    now = build_flow("post", True)
    assert now.version == FLOW_VERSION
    assert {"what_happening_me", "ncii_support"} <= set(now.steps)


def test_each_version_takes_its_own_paths_only() -> None:
    before = build_flow("post", True, version=PREVIOUS_FLOW_VERSION)
    now = build_flow("post", True)
    assert validate_answers(before, NCII_ME_BEFORE, {}).recorded["depicted"] == "reporter"
    assert validate_answers(now, NCII_ME_NOW, {}).recorded["depicted"] == "reporter"
    with pytest.raises(Invalid, match="what_happening_me"):
        validate_answers(now, NCII_ME_BEFORE, {})
    with pytest.raises(Invalid, match="what_happening"):
        validate_answers(before, NCII_ME_NOW, {})


@pytest.mark.parametrize("version", list(FLOW_SHAPES))
@pytest.mark.parametrize("subject", [s.value for s in REPORTABLE])
@pytest.mark.parametrize("has_media", [True, False])
def test_every_known_version_builds_for_every_subject(
    version: str, subject: str, has_media: bool
) -> None:
    flow = flow_of(version, subject, has_media)
    assert flow.version == version
    assert flow.start in flow.steps
    assert flow_of(version, subject, has_media) is flow  # built once, then cached


def test_an_unknown_version_is_refused_with_the_known_ones() -> None:
    with pytest.raises(Invalid) as err:
        build_flow("post", True, version="1999-01-01.1")
    assert err.value.code == "unknown_flow_version"
    assert err.value.status == 422
    assert PREVIOUS_FLOW_VERSION in err.value.message
    assert FLOW_VERSION in err.value.message
