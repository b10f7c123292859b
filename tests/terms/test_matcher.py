"""The matcher: exact, contains, near, exceptions, adjacent tags, glued tags, queries."""

from __future__ import annotations

import random

import pytest

from shieldwall.terms.kinds import MatchKind, RuleEffect
from shieldwall.terms.matcher import (
    DEFAULT_MIN_CONTAINS,
    DEFAULT_MIN_NEAR,
    Matcher,
    Rule,
    one_edit,
    validate_rule,
)
from shieldwall.terms.normalise import display_form, spelled_key, term_key
from shieldwall.terms.segment import segmenter

EXACT, CONTAINS, NEAR = MatchKind.EXACT, MatchKind.CONTAINS, MatchKind.NEAR


def rule(
    rid: int, term: str, match: MatchKind = EXACT, effect: RuleEffect = RuleEffect.BLOCK
) -> Rule:
    return Rule(id=rid, term=term, key=term_key(term), match=match, effect=effect)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(
        [
            rule(1, "bluefinch"),
            rule(2, "sodapass", CONTAINS),
            rule(3, "velvetmoth", NEAR),
            rule(4, "quietlantern"),
            rule(5, "sodapassion", CONTAINS, RuleEffect.ALLOW),
            rule(6, "bluefinches", EXACT, RuleEffect.ALLOW),
        ]
    )


def caught(m: Matcher, tag: str) -> int | None:
    v = m.check_tag(tag)
    assert v.suppressed == (v.rule is not None)
    return v.rule.id if v.rule else None


def test_exact_catches_the_term_however_written(matcher: Matcher) -> None:
    assert caught(matcher, "bluefinch") == 1
    assert caught(matcher, "B1u\u0435_F\u200bINCH") == 1
    v = matcher.check_tag("BlueFinch")
    assert v.tag == "BlueFinch"
    assert v.normalized == term_key("bluefinch")
    assert caught(matcher, "bluefin") is None
    assert caught(matcher, "bluefinchy") is None  # exact: not one edit, not contained


def test_contains_catches_the_term_anywhere(matcher: Matcher) -> None:
    assert caught(matcher, "sodapass") == 2
    assert caught(matcher, "xxs0dapa55yy") == 2
    assert caught(matcher, "sodapas") == 2  # ss collapses: the same key
    assert caught(matcher, "sodapa") is None


def test_near_catches_one_edit_of_a_long_term(matcher: Matcher) -> None:
    for tag in ("velvetmoth", "velvetmoht", "velvetmth", "velvetmoths", "velvetnoth", "vevetmoth"):
        assert caught(matcher, tag) == 3, tag
    for tag in ("velvetmo", "velvetmothsx", "xvelvetmothx", "quietmoth"):
        assert caught(matcher, tag) is None, tag


def test_one_edit() -> None:
    assert one_edit("abcdef", "abcdef")
    assert one_edit("abcdef", "abcxef")
    assert one_edit("abcdef", "abcdf")
    assert one_edit("abcdef", "abcdefg")
    assert one_edit("abcdef", "bacdef")
    assert one_edit("abcdef", "abcdfe")
    assert not one_edit("abcdef", "badcef")
    assert not one_edit("abcdef", "abcdefgh")
    assert not one_edit("abcdef", "acbdfe")


def test_near_index_agrees_with_a_scan_of_every_rule() -> None:
    terms = ["velvetmoth", "quietlantern", "bluefinches", "sodapassage", "kelmitraxo"]
    m = Matcher([rule(i + 1, t, NEAR) for i, t in enumerate(terms)])
    keys = [term_key(t) for t in terms]
    probes = set()
    for k in keys:
        for i in range(len(k) + 1):
            probes.add(k[:i] + "z" + k[i:])
            probes.add(k[:i] + k[i + 1 :])
            probes.add(k[:i] + "z" + k[i + 1 :])
            probes.add(k[:i] + k[i + 1 : i + 2] + k[i : i + 1] + k[i + 2 :])
            probes.add(k[:i] + "zz" + k[i + 2 :])
    for p in probes:
        # the key, or the spelling before repeats collapse (a deletion that makes a double)
        expected = any(one_edit(term_key(p), k) or one_edit(spelled_key(p), k) for k in keys)
        assert (m.check_tag(p).rule is not None) == expected, p


def test_exceptions(matcher: Matcher) -> None:
    # A contains exception keeps the ordinary word around the term open ...
    assert caught(matcher, "sodapassion") is None
    assert caught(matcher, "sodapassionfruit") is None
    # ... but not a term elsewhere in the tag: gluing an exception does not open it.
    assert caught(matcher, "sodapassionsodapass") == 2
    # An exact exception: that tag only.
    assert caught(matcher, "bluefinches") is None
    assert caught(matcher, "BLUEFINCHES") is None


def test_adjacent_tags_read_together(matcher: Matcher) -> None:
    verdicts = matcher.check_tags(["cats", "blue", "finch", "dogs"])
    assert [v.suppressed for v in verdicts] == [False, True, True, False]
    assert verdicts[1].rule is not None
    assert verdicts[1].rule.id == 1
    assert [v.tag for v in verdicts] == ["cats", "blue", "finch", "dogs"]
    assert [v.suppressed for v in matcher.check_tags(["soda", "pass"])] == [True, True]
    assert [v.suppressed for v in matcher.check_tags(["finch", "blue"])] == [False, False]
    assert matcher.check_tags([]) == []
    # An ordinary tag beside a blocked one (whole, or glued to words) stays open.
    for tags in (["sunset", "BlueFinch"], ["BlueFinch", "sunset"], ["sunset", "buybluefinchnow"]):
        verdicts = matcher.check_tags(tags)
        assert [v.tag for v in verdicts if v.suppressed] == [t for t in tags if t != "sunset"]


def test_glued_exact_term_is_caught_but_not_inside_ordinary_words(matcher: Matcher) -> None:
    glued = ("buybluefinchnow", "lovebluefinch", "bluefinchforsale", "QuietLanternSale")
    # a letter shared with the neighbour word: club + bluefinch, bluefinch + hot
    glued += ("clubbluefinch", "bluefinchhot", "quietlanternnews")
    for tag in glued:
        assert caught(matcher, tag) in (1, 4), tag
    # the term's letters run into a word that is not a dictionary word
    assert caught(matcher, "xqzbluefinchnow") is None


@pytest.mark.parametrize(
    "tag",
    [
        "classical",
        "classicalmusic",
        "passage",
        "passagetime",
        "bass",
        "bassguitar",
        "compass",
        "glasshouse",
        "category",
        "education",
        "concatenate",
        "party",
        "startover",
        "codebook",
        "modelcar",
        "steadfast",
        "antelope",
        "pineapple",
        "spinedoctor",
        "trainstation",
        "brainstorm",
        "landscape",
        "escapegame",
        "mothership",
        "behemoth",
        "handlebar",
    ],
)
def test_short_exact_terms_never_catch_ordinary_tags_that_contain_them(tag: str) -> None:
    short = ["lass", "pass", "cat", "art", "ode", "tea", "ant", "pine", "rain", "cape", "moth"]
    m = Matcher([rule(i + 1, t) for i, t in enumerate([*short, "hand"])])
    assert m.check_tag(tag).suppressed is False


def test_short_rules_are_refused_and_skipped() -> None:
    assert validate_rule("", EXACT) is not None
    assert validate_rule("abc", EXACT) is None
    assert validate_rule("abcde", CONTAINS) is not None
    assert validate_rule("abcdef", CONTAINS) is None
    assert validate_rule("abcdef", NEAR) is not None
    assert validate_rule("abcdefg", NEAR) is None
    assert validate_rule("abcdefg", CONTAINS, min_contains=8) is not None
    assert DEFAULT_MIN_CONTAINS == 6
    assert DEFAULT_MIN_NEAR == 7
    m = Matcher([rule(1, "cat", CONTAINS), rule(2, "rabbit", NEAR), rule(3, "", EXACT)])
    assert [r.id for r in m.skipped] == [1, 2, 3]
    assert m.check_tag("category").suppressed is False
    assert m.check_tag("rabbits").suppressed is False


def test_queries(matcher: Matcher) -> None:
    assert matcher.check_query("where is bluefinch").rule.id == 1  # type: ignore[union-attr]
    assert matcher.check_query("blue finch").suppressed
    assert matcher.check_query("buy b l u e f i n c h now please").suppressed
    assert matcher.check_query("b-l-u-e-f-i-n-c-h").suppressed
    assert matcher.check_query("q u i e t l a n t e r n").suppressed
    assert matcher.check_query("s o d a p a s s").suppressed
    assert matcher.check_query("the velvet moht").suppressed
    assert matcher.check_query("blue.fin.ch today").suppressed
    v = matcher.check_query("Blue birds and finches")
    assert v.suppressed is False
    assert v.normalized == "biue birds and finches"
    assert matcher.check_query("").suppressed is False
    assert matcher.check_query("a classical passage for bass").suppressed is False


def test_rule_ids_decide_ties() -> None:
    m = Matcher([rule(7, "bluefinch"), rule(3, "bluefinch"), rule(5, "bluefinch", CONTAINS)])
    assert m.check_tag("bluefinch").rule.id == 3  # type: ignore[union-attr]


def test_segmenter_splits_glued_words() -> None:
    seg = segmenter()
    assert seg.split(spelled_key("classicalmusic")) == [
        spelled_key("classical"),
        spelled_key("music"),
    ]
    assert seg.glued(spelled_key("buybluefinchnow"), term_key("bluefinch"))
    assert seg.glued(spelled_key("buybluuuefinchnow"), term_key("bluefinch"))
    assert not seg.glued(spelled_key("classical"), term_key("lass"))
    # collapsing would merge "handle errors" into hand + ...: the uncollapsed key does not
    assert not seg.glued(spelled_key("handleerrors"), term_key("hand"))
    assert not seg.glued(spelled_key("surrogateescape"), term_key("cape"))


def test_batch_checks_agree_with_one_tag_at_a_time(matcher: Matcher) -> None:
    words = ["buy", "blue", "finch", "soda", "pass", "velvet", "moth", "now", "ion", "es"]
    marks = ["", "\u200b", "\u0435", "1", "..", "\n", "\uff2d"]
    rng = random.Random(4)
    tags = ["", "bluefinch", "velvetmoht", "vevetmoth", "sodapassion", "bluefinches"]
    for _ in range(3000):
        parts = rng.choices(words, k=rng.randint(1, 3))
        tag = "".join(parts)
        if rng.random() < 0.3:
            i = rng.randrange(len(tag) + 1)
            tag = tag[:i] + rng.choice(marks) + tag[i:]
        tags.append(tag)
    assert matcher.check_many(tags) == [matcher.check_tag(t) for t in tags]
    allow = {term_key("sodapassion"), term_key("bluefinches")}
    ascii_tags = [t for t in tags if t.isascii()]
    for i in range(0, len(ascii_tags), 7):
        post = ascii_tags[i : i + 7]
        alone = [matcher.check_tag(t).suppressed for t in post]
        expected = list(alone)
        for j in range(len(post) - 1):
            a, b = term_key(post[j]), term_key(post[j + 1])
            # a pair is read joined only when neither tag is caught on its own
            readable = a and b and a not in allow and b not in allow
            readable = readable and not (alone[j] or alone[j + 1])
            if readable and matcher.check_tag(post[j] + post[j + 1]).suppressed:
                expected[j] = expected[j + 1] = True
        assert [v.suppressed for v in matcher.check_tags(post)] == expected, post
    assert matcher.check_many([]) == []


def test_hostile_tags_and_queries_get_verdicts(matcher: Matcher) -> None:
    hostile = ["xq" + "bluefinchzz" * 18, "a" * 200, "\u0301" * 200, "\u202e" * 200, "\x00" * 9]
    for tag in hostile:
        assert isinstance(matcher.check_tag(tag).suppressed, bool)
    assert matcher.check_many(hostile) == [matcher.check_tag(t) for t in hostile]
    assert matcher.check_query(" ".join("abcdefghij" * 25)).suppressed is False
    assert matcher.check_query(("bluefinch " * 60)[:500]).suppressed is True


def test_right_to_left_override_is_read_in_the_order_shown(matcher: Matcher) -> None:
    shown_as_term = "\u202ehcnifeulb\u202c"
    assert display_form(shown_as_term) == "bluefinch"
    assert caught(matcher, shown_as_term) == 1
    assert caught(matcher, "buy\u202ehcnifeulb") == 1
    assert matcher.check_many([shown_as_term, "\u202ehcnif"]) == [
        matcher.check_tag(shown_as_term),
        matcher.check_tag("\u202ehcnif"),
    ]
    assert caught(matcher, "\u202ebluefinch\u202c") == 1  # the stored order is read too


def test_rules_are_keyed_from_their_terms() -> None:
    by_hand = Rule(id=1, term="bluefinch", key="bluefinch", match=EXACT)  # not the key
    stored = rule(2, "sodapass", CONTAINS)
    m = Matcher([by_hand, stored])
    v = m.check_tag("BLUEFINCH")
    assert v.rule is not None
    assert v.rule.id == 1
    assert v.rule.key == term_key("bluefinch")
    assert m.check_tag("xsodapassx").rule is stored  # a right key: the same rule object


def test_a_term_with_digits_or_a_word_beside_it_after_a_separator_is_caught(
    matcher: Matcher,
) -> None:
    for tag in (
        "bluefinch_2024",
        "bluefinch2024",
        "2024bluefinch",
        "bluefinch22",
        "vids_bluefinch",
    ):
        assert caught(matcher, tag) == 1, tag
    assert caught(matcher, "bluefinch.dm") == 1
    # A piece is the term whole: not a longer word, and not a term cut by the digits inside.
    for tag in ("bluefinchery_2024", "blue2024finch", "sunset_2024"):
        assert caught(matcher, tag) is None, tag


def test_a_term_split_over_three_adjacent_tags_suppresses_them_all(matcher: Matcher) -> None:
    assert [v.suppressed for v in matcher.check_tags(["sun", "blu", "efi", "nch", "sea"])] == [
        False,
        True,
        True,
        True,
        False,
    ]
    # Three where one is caught alone: the others stay open.
    assert [v.suppressed for v in matcher.check_tags(["sun", "sea", "bluefinch"])] == [
        False,
        False,
        True,
    ]


def test_a_query_written_right_to_left_is_read_as_shown(matcher: Matcher) -> None:
    assert matcher.check_query("\u202ehcnifeulb").suppressed
    assert matcher.check_query("where \u202ehcnifeulb\u202c now").suppressed
    assert not matcher.check_query("\u202etesnus").suppressed


def test_hostile_tags_buy_one_segmenter_read_per_rule_and_none_when_too_long(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    seg = segmenter()
    calls: list[str] = []
    real = seg.glued

    def counted(spelled: str, term: str) -> bool:
        calls.append(spelled)
        return real(spelled, term)

    monkeypatch.setattr(seg, "glued", counted)
    # 22 occurrences of the term in one tag: one read, not 22.
    matcher.check_tags(["bluefinch" * 5 + "ab"])
    assert len(calls) == 1
    calls.clear()
    # Past MAX_GLUED_LETTERS no segmenting at all, for 100 such tags and their pairs.
    verdicts = matcher.check_tags(["bluefinch" * 22 + "ab"] * 100)
    assert calls == []
    assert all(not v.suppressed for v in verdicts)
