"""Benchmark the term matcher: tags a second on one core, 10,000 rules of all three kinds.

Usage: python bench/bench_terms.py [--tags 1000000] [--rules 10000] [--queries 20000] [--json]

The tags are ordinary and distinct: one to three English words from symspellpy's frequency
dictionary (drawn by frequency), glued, some capitalised, some with a number; 1 % carry a
rule's term with an evasion (Cyrillic letters, a zero-width space, leetspeak, glued words).
The rules are made-up pronounceable placeholders: 40 % exact, 30 % contains (>= 6 letters),
30 % near (>= 7 letters). Pinned to one core (os.sched_setaffinity).

Baselines measured in the same run on the same tags:
- ``stub``: the foundation's matcher (NFKC + casefold key, a loop over every rule per tag),
  on a sample (it is O(rules) per tag), and
- ``set``: ``tag.casefold() in set_of_terms``, the floor a dict lookup gives.
Queries: ``check_query`` on ordinary sentences of 4-12 words, one in a hundred evasive.
"""

from __future__ import annotations

import argparse
import importlib.resources
import itertools
import json
import os
import random
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from shieldwall.terms.kinds import MatchKind, RuleEffect
from shieldwall.terms.matcher import Matcher, Rule
from shieldwall.terms.normalise import term_key

SEED = 9
CONSONANTS = "bcdfghjkmnprstvwxz"
VOWELS = "aeiou"
STUB_SAMPLE = 2_000
BATCH = 1_000


def pseudoword(rng: random.Random, letters: int) -> str:
    """A pronounceable made-up word of about ``letters`` letters (placeholder terms)."""
    out = []
    while len("".join(out)) < letters:
        out.append(rng.choice(CONSONANTS) + rng.choice(VOWELS))
    return "".join(out)[:letters]


def dictionary() -> tuple[list[str], list[int]]:
    """symspellpy's English word list with counts (the words of ordinary tags)."""
    path = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    words, counts = [], []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            w, c = line.split()
            if w.isalpha() and len(w) >= 2:
                words.append(w)
                counts.append(int(c))
    return words, counts


def make_rules(n: int, rng: random.Random, english: set[str]) -> list[Rule]:
    """``n`` placeholder rules, distinct keys, none an English word's key."""
    rules: list[Rule] = []
    keys: set[str] = set()
    kinds = [MatchKind.EXACT] * 4 + [MatchKind.CONTAINS] * 3 + [MatchKind.NEAR] * 3
    while len(rules) < n:
        match = kinds[len(rules) % len(kinds)]
        low = {MatchKind.EXACT: 5, MatchKind.CONTAINS: 7, MatchKind.NEAR: 8}[match]
        term = pseudoword(rng, rng.randint(low, 14))
        key = term_key(term)
        if key in keys or term in english:
            continue
        keys.add(key)
        rules.append(Rule(id=len(rules) + 1, term=term, key=key, match=match))
    return rules


CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441", "p": "\u0440"}
LEET = {"a": "4", "e": "3", "o": "0", "s": "5", "t": "7", "i": "1"}


def evade(term: str, rng: random.Random, words: Sequence[str]) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(CYRILLIC.get(c, c) for c in term)
    if kind == 1:
        return term[: len(term) // 2] + "\u200b" + term[len(term) // 2 :]
    if kind == 2:
        return "".join(LEET.get(c, c) for c in term)
    return rng.choice(words) + term + rng.choice(words)


def make_tags(
    n: int, rng: random.Random, words: list[str], counts: list[int], rules: list[Rule]
) -> list[str]:
    """``n`` distinct tags, 1 % evasive spellings of rule terms."""
    seen: set[str] = set()
    out: list[str] = []
    common = words[:5000]
    cumulative = list(itertools.accumulate(counts))
    while len(out) < n:
        if rng.random() < 0.01:
            tag = evade(rng.choice(rules).term, rng, common)
        else:
            parts = rng.choices(words, cum_weights=cumulative, k=rng.choice((1, 2, 2, 2, 3)))
            if rng.random() < 0.3:
                parts = [p.capitalize() for p in parts]
            tag = "".join(parts)
            if rng.random() < 0.1:
                tag += str(rng.randint(1, 2030))
        if tag not in seen:
            seen.add(tag)
            out.append(tag)
    rng.shuffle(out)
    return out


def make_queries(n: int, rng: random.Random, words: list[str], rules: list[Rule]) -> list[str]:
    common = words[:20000]
    out = []
    for _ in range(n):
        q = rng.choices(common, k=rng.randint(4, 12))
        if rng.random() < 0.01:
            q[rng.randrange(len(q))] = " ".join(rng.choice(rules).term)
        out.append(" ".join(q))
    return out


def _stub_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _stub_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def stub_checker(rules: Sequence[Rule]) -> Callable[[str], Rule | None]:
    """The foundation stub's check: one key, then every rule in turn."""
    stub_rules = [
        Rule(r.id, r.term, _stub_key(r.term), r.match, r.effect)
        for r in rules
        if r.effect == RuleEffect.BLOCK
    ]

    def check(tag: str) -> Rule | None:
        key = _stub_key(tag)
        for r in stub_rules:
            if r.match == MatchKind.EXACT and key == r.key:
                return r
            if r.match == MatchKind.CONTAINS and r.key in key:
                return r
            if r.match == MatchKind.NEAR and _stub_one_edit(key, r.key):
                return r
        return None

    return check


def _rate(fn: Callable[[str], object], items: Sequence[str]) -> tuple[float, int]:
    hits = 0
    start = time.perf_counter()
    for item in items:
        if fn(item):
            hits += 1
    return len(items) / (time.perf_counter() - start), hits


def run(
    tags: int = 1_000_000, rules: int = 10_000, queries: int = 20_000, core: int = 0
) -> dict[str, Any]:
    """Build the data, time our matcher and both baselines; return the figures."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    rng = random.Random(SEED)
    words, counts = dictionary()
    rule_list = make_rules(rules, rng, set(words))
    tag_list = make_tags(tags, rng, words, counts, rule_list)
    query_list = make_queries(queries, rng, words, rule_list)

    start = time.perf_counter()
    matcher = Matcher(rule_list)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    matcher.check_tag("buy" + rule_list[0].term + "now")  # loads the segmenter
    segmenter_s = time.perf_counter() - start

    start = time.perf_counter()
    batch_hits = 0
    for i in range(0, len(tag_list), BATCH):
        batch_hits += sum(v.suppressed for v in matcher.check_many(tag_list[i : i + BATCH]))
    ours = len(tag_list) / (time.perf_counter() - start)
    one_rate, ours_hits = _rate(lambda t: matcher.check_tag(t).suppressed, tag_list)
    if ours_hits != batch_hits:
        raise AssertionError(f"check_many found {batch_hits}, check_tag {ours_hits}")
    key_only, _ = _rate(term_key, tag_list)
    posts = [tag_list[i : i + 5] for i in range(0, min(len(tag_list), 200_000), 5)]
    start = time.perf_counter()
    for post in posts:
        matcher.check_tags(post)
    post_tags_s = sum(len(p) for p in posts) / (time.perf_counter() - start)
    terms = {r.term.casefold() for r in rule_list}
    as_set, _ = _rate(lambda t: t.casefold() in terms, tag_list)
    stub = stub_checker(rule_list)
    stub_rate, _ = _rate(stub, tag_list[:STUB_SAMPLE])
    q_rate, q_hits = _rate(lambda q: matcher.check_query(q).suppressed, query_list)
    return {
        "tags": len(tag_list),
        "rules": len(rule_list),
        "build_s": round(build_s, 3),
        "segmenter_load_s": round(segmenter_s, 3),
        "tags_per_s": round(ours),
        "batch": BATCH,
        "check_tag_per_s": round(one_rate),
        "suppressed_tags": ours_hits,
        "term_key_per_s": round(key_only),
        "check_tags_5_per_post_tags_per_s": round(post_tags_s),
        "set_baseline_per_s": round(as_set),
        "stub_baseline_per_s": round(stub_rate),
        "stub_sample": STUB_SAMPLE,
        "ratio_to_stub": round(ours / stub_rate, 1),
        "check_tag_ratio_to_stub": round(one_rate / stub_rate, 1),
        "ratio_to_set": round(ours / as_set, 3),
        "queries": len(query_list),
        "queries_per_s": round(q_rate),
        "query_us": round(1e6 / q_rate, 1),
        "suppressed_queries": q_hits,
    }


def report(r: dict[str, Any]) -> None:
    """Print the figures with their ratios to the baselines."""
    print(
        f"{r['rules']:,} rules (40 % exact, 30 % contains, 30 % near), "
        f"{r['tags']:,} distinct tags, one core"
    )
    print(f"matcher build {r['build_s']} s; segmenter load {r['segmenter_load_s']} s (once)")
    print(
        f"shieldwall check_many, batches of {r['batch']:,}: {r['tags_per_s']:,} tags/s"
        f" (target >= 200,000); {r['suppressed_tags']:,} suppressed"
    )
    print(f"  check_tag, one call a tag: {r['check_tag_per_s']:,} tags/s")
    print(f"  term_key alone: {r['term_key_per_s']:,} tags/s")
    print(f"  check_tags, 5 tags a post (pairs too): {r['check_tags_5_per_post_tags_per_s']:,}")
    print(
        f"baseline stub matcher (loop over rules, {r['stub_sample']:,} tags): "
        f"{r['stub_baseline_per_s']:,} tags/s -> ours {r['ratio_to_stub']}x"
    )
    print(
        f"baseline `tag.casefold() in set` (no evasions caught): {r['set_baseline_per_s']:,}"
        f" tags/s -> ours {r['ratio_to_set']}x"
    )
    print(
        f"check_query: {r['queries_per_s']:,} queries/s ({r['query_us']} us each, 4-12 words);"
        f" {r['suppressed_queries']} of {r['queries']:,} suppressed"
    )


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tags", type=int, default=1_000_000)
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures = run(args.tags, args.rules, args.queries, args.core)
    if args.json:
        print(json.dumps(figures))
        return
    report(figures)


if __name__ == "__main__":
    main()
