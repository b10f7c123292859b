"""How the rules page words what it reads: labels, and text with its invisible characters
made visible (a tag with a zero-width space looks like the plain tag otherwise)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from shieldwall.terms.desk_reads import RuleRow
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
from shieldwall.terms.matcher import QueryVerdict, Rule, TagVerdict

# Format, control, private-use and unassigned characters, and every space but the plain one.
_HIDDEN = frozenset({"Cf", "Cc", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})


def visible(text: str) -> str:
    """The text with each invisible or combining character written as <U+XXXX>, and other
    non-ASCII letters kept but flagged after them (a Cyrillic o as "o<U+043E>"), so
    look-alikes show."""
    out: list[str] = []
    for ch in text:
        if ch == " ":
            out.append(ch)
        elif unicodedata.category(ch) in _HIDDEN:
            out.append(f"<U+{ord(ch):04X}>")
        elif ord(ch) > 127:
            out.append(f"{ch}<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out)


def _label(choices: type[MatchKind] | type[RuleEffect] | type[RuleSource], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class RuleLine:
    """One row of the rules list."""

    row: RuleRow
    match_label: str
    effect_label: str
    source_label: str
    is_exception: bool


def rule_line(row: RuleRow) -> RuleLine:
    return RuleLine(
        row=row,
        match_label=_label(MatchKind, row.match),
        effect_label=_label(RuleEffect, row.effect),
        source_label=_label(RuleSource, row.source),
        is_exception=row.effect == RuleEffect.ALLOW,
    )


@dataclass(frozen=True)
class VerdictLine:
    """One verdict of the try-it box: what was tried, as typed and made visible, and why."""

    tried: str
    tried_visible: str
    suppressed: bool
    normalized: str
    rule: Rule | None
    rule_text: str


def _rule_text(rule: Rule | None) -> str:
    if rule is None:
        return "no rule"
    return f"rule {rule.id}: {_label(MatchKind, rule.match).lower()} {rule.term!r}"


def tag_lines(verdicts: list[TagVerdict]) -> list[VerdictLine]:
    return [
        VerdictLine(v.tag, visible(v.tag), v.suppressed, v.normalized, v.rule, _rule_text(v.rule))
        for v in verdicts
    ]


def query_line(v: QueryVerdict) -> VerdictLine:
    return VerdictLine(
        v.query, visible(v.query), v.suppressed, v.normalized, v.rule, _rule_text(v.rule)
    )
