"""The evaluation set: detection of evasive spellings, false positives on ordinary text.

Terms: 30 made-up pronounceable placeholders of 4..14 letters (seeded; none is an English
word). Every evasion in issue 9 is one row, written from Unicode names, not from our tables,
so a row fails if the normaliser stops undoing it. Ordinary text: the lines of Python's own
help topics (``pydoc_data.topics``) and the comment lines of the standard library's
sources, as posts (checked as search queries), and their words and adjacent word pairs glued,
as tags. Run with ``pytest -s`` to see the figures; the goals (issue 9) are asserted.
"""

from __future__ import annotations

import itertools
import random
import re
import sysconfig
import unicodedata
from collections.abc import Callable
from pathlib import Path

import icu
import pytest

from shieldwall.terms.kinds import MatchKind
from shieldwall.terms.matcher import Matcher, Rule
from shieldwall.terms.normalise import term_key
from shieldwall.terms.segment import segmenter

SEED = 20261201
CONSONANTS = "bcdfghjkmnprstvwxz"
VOWELS = "aeiou"
ORDINARY = ["buy", "love", "free", "best", "new", "get", "sale", "now", "today", "video"]
ORDINARY += ["trade", "pics", "link", "here", "real", "hot", "swap", "deal", "club"]
SHORT_TERMS = ["lass", "pass", "cat", "art", "ode", "tea", "ant", "pine", "rain", "cape"]
SHORT_TERMS += ["moth", "hand", "ring", "bell", "lamp"]
POSTS = 4000
TAGS = 20000


def make_terms(n: int = 30) -> list[str]:
    rng = random.Random(SEED)
    words = segmenter().words
    terms: list[str] = []
    keys: set[str] = set()
    while len(terms) < n:
        length = 4 + len(terms) % 11  # 4..14
        term = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(8))[:length]
        key = term_key(term)
        if key in words or key in keys or len(key) != length:
            continue
        keys.add(key)
        terms.append(term)
    return terms


# -- the evasions, from Unicode names --------------------------------------------------------


def _by_name(ch: str, *templates: str) -> str:
    for template in templates:
        try:
            return unicodedata.lookup(template.format(u=ch.upper()))
        except KeyError:
            continue
    return ch


def alphabet(*templates: str) -> Callable[[str, random.Random], str]:
    return lambda t, rng: "".join(_by_name(c, *templates) for c in t)


CYRILLIC = {
    "a": "\u0430",
    "c": "\u0441",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "x": "\u0445",
    "y": "\u0443",
    "i": "\u0456",
    "s": "\u0455",
    "j": "\u0458",
    "h": "\u04bb",
    "d": "\u0501",
    "w": "\u051d",
}
GREEK = {"o": "\u03bf", "i": "\u03b9", "a": "\u03b1", "v": "\u03bd", "k": "\u03ba", "p": "\u03c1"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "b": "8", "g": "9"}
LEET_SYMBOLS = {"a": "@", "i": "!", "s": "$", "t": "+", "l": "|"}
INVISIBLES = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "soft hyphen": "\u00ad",
    "variation selector 16": "\ufe0f",
    "variation selector 1": "\ufe00",
    "left-to-right mark": "\u200e",
    "right-to-left mark": "\u200f",
    "arabic letter mark": "\u061c",
    "byte order mark": "\ufeff",
    "combining grapheme joiner": "\u034f",
    "hangul filler": "\u3164",
    "mongolian vowel separator": "\u180e",
    "invisible times": "\u2062",
    "tag character": "\U000e0041",
}


def sub(table: dict[str, str]) -> Callable[[str, random.Random], str]:
    return lambda t, rng: "".join(table.get(c, c) for c in t)


def between(mark: str) -> Callable[[str, random.Random], str]:
    """``mark`` after every letter but the last."""
    return lambda t, rng: mark.join(t)


def at_random(mark: str) -> Callable[[str, random.Random], str]:
    def f(t: str, rng: random.Random) -> str:
        i = rng.randint(1, len(t) - 1)
        return t[:i] + mark + t[i:]

    return f


def combining(marks: str) -> Callable[[str, random.Random], str]:
    return lambda t, rng: "".join(c + rng.choice(marks) for c in t)


def accents(t: str, rng: random.Random) -> str:
    return unicodedata.normalize("NFC", "".join(c + ("\u0301" if c in VOWELS else "") for c in t))


def bidi_wrap(t: str, rng: random.Random) -> str:
    return "\u202d" + t[:2] + "\u202e\u202c" + t[2:] + "\u202c\u2066\u2069"


def repeats(t: str, rng: random.Random) -> str:
    return "".join(c * rng.choice((1, 2, 3, 4)) for c in t)


def mixed_case(t: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c for c in t)


def glued_before(t: str, rng: random.Random) -> str:
    return rng.choice(ORDINARY) + t


def glued_after(t: str, rng: random.Random) -> str:
    return t + rng.choice(ORDINARY)


def glued_both(t: str, rng: random.Random) -> str:
    return rng.choice(ORDINARY) + t + rng.choice(ORDINARY)


def glued_camel(t: str, rng: random.Random) -> str:
    return rng.choice(ORDINARY).capitalize() + t.capitalize() + rng.choice(ORDINARY).capitalize()


def chain(*steps: Callable[[str, random.Random], str]) -> Callable[[str, random.Random], str]:
    def f(t: str, rng: random.Random) -> str:
        for step in steps:
            t = step(t, rng)
        return t

    return f


TAG_ROWS: dict[str, Callable[[str, random.Random], str]] = {
    "plain": lambda t, rng: t,
    "upper case": lambda t, rng: t.upper(),
    "mixed case": mixed_case,
    "Cyrillic look-alikes": sub(CYRILLIC),
    "Greek look-alikes": sub(GREEK),
    "Cyrillic and Greek capitals": lambda t, rng: "".join(
        {"A": "\u0391", "B": "\u0392", "E": "\u0415", "H": "\u041d", "K": "\u039a"}.get(c, c)
        for c in t.upper()
    ),
    "fullwidth": alphabet("FULLWIDTH LATIN SMALL LETTER {u}"),
    "fullwidth capitals": alphabet("FULLWIDTH LATIN CAPITAL LETTER {u}"),
    "math bold": alphabet("MATHEMATICAL BOLD SMALL {u}"),
    "math bold capitals": alphabet("MATHEMATICAL BOLD CAPITAL {u}"),
    "math script": alphabet("MATHEMATICAL SCRIPT SMALL {u}", "SCRIPT SMALL {u}"),
    "math double-struck": alphabet("MATHEMATICAL DOUBLE-STRUCK SMALL {u}"),
    "math fraktur": alphabet("MATHEMATICAL FRAKTUR SMALL {u}"),
    "math sans-serif bold italic": alphabet("MATHEMATICAL SANS-SERIF BOLD ITALIC SMALL {u}"),
    "math monospace": alphabet("MATHEMATICAL MONOSPACE SMALL {u}"),
    "small capitals": alphabet("LATIN LETTER SMALL CAPITAL {u}"),
    "modifier letters": alphabet("MODIFIER LETTER SMALL {u}", "SUPERSCRIPT LATIN SMALL LETTER {u}"),
    "modifier capitals": alphabet("MODIFIER LETTER CAPITAL {u}"),
    "circled": alphabet("CIRCLED LATIN SMALL LETTER {u}"),
    "circled capitals": alphabet("CIRCLED LATIN CAPITAL LETTER {u}"),
    "parenthesized": alphabet("PARENTHESIZED LATIN SMALL LETTER {u}"),
    "negative circled": alphabet("NEGATIVE CIRCLED LATIN CAPITAL LETTER {u}"),
    "squared": alphabet("SQUARED LATIN CAPITAL LETTER {u}"),
    "negative squared": alphabet("NEGATIVE SQUARED LATIN CAPITAL LETTER {u}"),
    "regional indicators": alphabet("REGIONAL INDICATOR SYMBOL LETTER {u}"),
    **{f"invisible: {name}": at_random(ch) for name, ch in INVISIBLES.items()},
    "invisibles between every letter": between("\u200b\u2060"),
    "bidi controls": bidi_wrap,
    "right-to-left override, stored reversed": lambda t, rng: "\u202e" + t[::-1] + "\u202c",
    "right-to-left override glued after a word": lambda t, rng: (
        rng.choice(ORDINARY) + "\u202e" + t[::-1]
    ),
    "combining accents": combining("\u0301\u0300\u0308\u0302\u030c"),
    "combining overlays": combining("\u0336\u0335\u0338\u0334"),
    "enclosing marks": combining("\u20dd\u20de\u20e3"),
    "precomposed accents": accents,
    "leetspeak digits": sub(LEET),
    "leetspeak symbols": sub(LEET_SYMBOLS),
    "separator .": between("."),
    "separator _": between("_"),
    "separator -": between("-"),
    "separators mixed": lambda t, rng: "".join(c + rng.choice(("", ".", "_", "-", "~")) for c in t),
    "repeated letters": repeats,
    "glued before an ordinary word": glued_after,
    "glued after an ordinary word": glued_before,
    "glued between ordinary words": glued_both,
    "glued, camel case": glued_camel,
    "combo: Cyrillic + leet + zero-width": chain(sub(CYRILLIC), sub(LEET), at_random("\u200b")),
    "combo: fullwidth + separators": chain(between("."), alphabet("FULLWIDTH {u}")),
    "combo: small capitals + repeats": chain(repeats, alphabet("LATIN LETTER SMALL CAPITAL {u}")),
    "combo: math bold + glued": chain(glued_both, alphabet("MATHEMATICAL BOLD SMALL {u}")),
    "combo: accents + upper + soft hyphen": chain(
        accents, lambda t, rng: t.upper(), at_random("\u00ad")
    ),
}
# ``FULLWIDTH {u}`` has no such names; the separators stay ASCII, letters become fullwidth.
TAG_ROWS["combo: fullwidth + separators"] = chain(
    between("."), alphabet("FULLWIDTH LATIN SMALL LETTER {u}")
)


def tag_caught(m: Matcher, tag: str) -> bool:
    return m.check_tag(tag).suppressed


def split_caught(m: Matcher, term: str, rng: random.Random, evade: bool) -> bool:
    i = rng.randint(1, len(term) - 1)
    a, b = term[:i], term[i:]
    if evade:
        a, b = sub(LEET)(a, rng), sub(CYRILLIC)(b, rng)
    verdicts = m.check_tags(["ordinary", a, b, "tags"])
    return verdicts[1].suppressed and verdicts[2].suppressed and not verdicts[0].suppressed


QUERY_ROWS: dict[str, Callable[[str, random.Random], str]] = {
    "query: term among words": lambda t, rng: f"where to {rng.choice(ORDINARY)} {t} tonight",
    "query: spaced letters": lambda t, rng: f"{rng.choice(ORDINARY)} {' '.join(t)} now",
    "query: spaced leet letters": lambda t, rng: " ".join(sub(LEET)(t, rng)),
    "query: dotted": lambda t, rng: f"{rng.choice(ORDINARY)} {'.'.join(t)}",
    "query: split in two words": lambda t, rng: f"{t[: len(t) // 2]} {t[len(t) // 2 :]} pics",
    "query: fullwidth with ideographic spaces": lambda t, rng: "\u3000".join(
        [rng.choice(ORDINARY), alphabet("FULLWIDTH LATIN SMALL LETTER {u}")(t, rng)]
    ),
}


def evaluate(m: Matcher, terms: list[str]) -> dict[str, tuple[int, int]]:
    rows: dict[str, tuple[int, int]] = {}
    for name, make in TAG_ROWS.items():
        rng = random.Random(f"{SEED}{name}")
        hits = sum(tag_caught(m, make(t, rng)) for t in terms for _ in range(3))
        rows[name] = (hits, 3 * len(terms))
    for evade in (False, True):
        rng = random.Random(f"{SEED}split{evade}")
        hits = sum(split_caught(m, t, rng, evade) for t in terms for _ in range(3))
        rows["split over two adjacent tags" + (" + leet/Cyrillic" if evade else "")] = (
            hits,
            3 * len(terms),
        )
    for name, make in QUERY_ROWS.items():
        rng = random.Random(f"{SEED}{name}")
        hits = sum(m.check_query(make(t, rng)).suppressed for t in terms for _ in range(3))
        rows[name] = (hits, 3 * len(terms))
    return rows


# -- ordinary text ----------------------------------------------------------------------------


def ordinary_posts() -> list[str]:
    from pydoc_data.topics import topics

    lines = [ln.strip() for text in topics.values() for ln in text.splitlines()]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.glob("*.py")):
        for ln in path.read_text(encoding="utf-8", errors="replace").splitlines():
            ln = ln.strip()
            if ln.startswith("# "):
                lines.append(ln[2:])
    posts = sorted({ln for ln in lines if len(ln.split()) >= 4 and len(ln) <= 500})
    random.Random(SEED).shuffle(posts)
    return posts[:POSTS]


def ordinary_tags(posts: list[str]) -> list[str]:
    tags: set[str] = set()
    for post in posts:
        words = re.findall(r"[A-Za-z]{3,}", post)
        tags.update(words)
        tags.update(a.lower() + b.lower() for a, b in itertools.pairwise(words))
    out = sorted(tags)
    random.Random(SEED).shuffle(out)
    return out[:TAGS]


def short_term_tags(posts: list[str]) -> list[str]:
    """Ordinary tags (words, adjacent pairs glued) that merely contain a short term: the
    term's key is inside the tag's key, but it is not the tag and not one of its words."""
    words = sorted({w.lower() for p in posts for w in re.findall(r"[A-Za-z]{3,}", p)})
    pairs = sorted(
        {
            a.lower() + b.lower()
            for p in posts
            for a, b in zip(
                re.findall(r"[A-Za-z]{3,}", p), re.findall(r"[A-Za-z]{3,}", p)[1:], strict=False
            )
            if term_key(a) not in SHORT_KEYS and term_key(b) not in SHORT_KEYS
        }
    )
    out = []
    for tag in words + pairs:
        key = term_key(tag)
        if key not in SHORT_KEYS and any(k in key for k in SHORT_KEYS):
            out.append(tag)
    return out


SHORT_KEYS = {term_key(t) for t in SHORT_TERMS}


# -- the tests --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def terms() -> list[str]:
    return make_terms()


@pytest.fixture(scope="module")
def matchers(terms: list[str]) -> dict[str, Matcher]:
    def rules(kind: MatchKind, low: int) -> list[Rule]:
        return [
            Rule(id=i + 1, term=t, key=term_key(t), match=kind)
            for i, t in enumerate(terms)
            if len(term_key(t)) >= low
        ]

    return {
        "exact": Matcher(rules(MatchKind.EXACT, 0)),
        "contains": Matcher(rules(MatchKind.CONTAINS, 6)),
        "near": Matcher(rules(MatchKind.NEAR, 7)),
    }


@pytest.fixture(scope="module")
def posts() -> list[str]:
    return ordinary_posts()


def test_the_eval_set_is_what_it_says(terms: list[str], posts: list[str]) -> None:
    assert icu.ICU_VERSION == "72.1"
    assert len(terms) == 30
    assert {len(t) for t in terms} == set(range(4, 15))
    assert len(posts) == POSTS
    assert len(TAG_ROWS) + 2 + len(QUERY_ROWS) >= 60


def test_detection_of_evasive_spellings(terms: list[str], matchers: dict[str, Matcher]) -> None:
    m = matchers["exact"]
    rows = evaluate(m, terms)
    hits = sum(h for h, _ in rows.values())
    total = sum(n for _, n in rows.values())
    print(f"\nexact rules for {len(terms)} placeholder terms (4..14 letters):")
    for name, (h, n) in rows.items():
        print(f"  {name:45s} {h:3d}/{n:3d}")
    rate = hits / total
    print(f"detection: {hits}/{total} = {rate:.2%} (goal >= 98 %)")
    assert rate >= 0.98
    # Every row: no evasion may fall far behind, whatever the total.
    weak = {name: (h, n) for name, (h, n) in rows.items() if h < 0.9 * n}
    assert weak == {}


def test_detection_with_contains_and_near_rules(
    terms: list[str], matchers: dict[str, Matcher]
) -> None:
    long_terms = [t for t in terms if len(term_key(t)) >= 6]
    rows = evaluate(matchers["contains"], long_terms)
    hits, total = sum(h for h, _ in rows.values()), sum(n for _, n in rows.values())
    print(f"\ncontains rules ({len(long_terms)} terms >= 6): {hits}/{total} = {hits / total:.2%}")
    assert hits / total >= 0.98
    # Near: one typo (a letter dropped, swapped, doubled into another, replaced).
    near_terms = [t for t in terms if len(term_key(t)) >= 7]
    rng = random.Random(SEED)
    typos = []
    for t in near_terms:
        for _ in range(4):
            i = rng.randrange(1, len(t) - 1)
            typos += [t[:i] + t[i + 1 :], t[:i] + t[i + 1] + t[i] + t[i + 2 :]]
            typos += [t[:i] + "q" + t[i + 1 :], t[:i] + "q" + t[i:]]
    caught = sum(matchers["near"].check_tag(sub(CYRILLIC)(t, rng)).suppressed for t in typos)
    print(f"near rules, one typo + Cyrillic: {caught}/{len(typos)} = {caught / len(typos):.2%}")
    assert caught / len(typos) >= 0.98


def test_false_positives_on_ordinary_posts_and_tags(
    matchers: dict[str, Matcher], posts: list[str]
) -> None:
    tags = ordinary_tags(posts)
    assert len(tags) == TAGS
    print()
    for kind, m in matchers.items():
        fp_posts = [p for p in posts if m.check_query(p).suppressed]
        fp_tags = [t for t in tags if m.check_tag(t).suppressed]
        print(
            f"{kind:8s} false positives: posts {len(fp_posts)}/{len(posts)}"
            f" = {len(fp_posts) / len(posts):.3%}, tags {len(fp_tags)}/{len(tags)}"
            f" = {len(fp_tags) / len(tags):.3%}  e.g. {fp_posts[:2]} {fp_tags[:3]}"
        )
        assert len(fp_posts) / len(posts) <= 0.005
        assert len(fp_tags) / len(tags) <= 0.005


def test_no_ordinary_tag_that_merely_contains_a_short_term_is_suppressed(
    posts: list[str],
) -> None:
    m = Matcher(
        [
            Rule(id=i + 1, term=t, key=term_key(t), match=MatchKind.EXACT)
            for i, t in enumerate(SHORT_TERMS)
        ]
    )
    tags = short_term_tags(posts)
    caught = [t for t in tags if m.check_tag(t).suppressed]
    print(f"\nshort exact terms {SHORT_TERMS}: {len(caught)}/{len(tags)} ordinary tags caught")
    assert len(tags) > 1000
    assert caught == [], caught
