"""The matching key of a term, a tag or a query: one spelling for every evasion of it.

The same function makes the key of a rule's term and of every tag and query checked, so
whatever an evader does to the text, both sides end up in one spelling:

1. NFKC: fullwidth, mathematical bold/script/double-struck, circled and modifier letters
   become plain letters.
2. Small capitals (``ʙʟᴜᴇ``), negative circled and squared letters (``🅱``) and regional
   indicator letters, which NFKC keeps, become their letters: a table made at import from
   the Unicode character names (``LATIN LETTER SMALL CAPITAL B`` -> ``b``).
3. NFD, then every Default_Ignorable_Code_Point, nonspacing and enclosing mark (Mn, Me) and
   format character (Cf) is dropped: zero-width spaces and joiners, word joiner, soft
   hyphen, variation selectors, bidi controls, Hangul fillers, combining accents.
4. The UTS #39 confusables skeleton (ICU ``SpoofChecker.getSkeleton``): Cyrillic, Greek and
   other letters that look like Latin ones become the Latin letter. The skeleton maps
   ``0 -> O``, ``1/I/l/| -> l`` and ``m -> rn``; it is applied to terms and text alike, so
   those merges cost recall nowhere, only the odd extra match (reviewers see the raw text).
5. Case folding with NFKC (ICU's ``NFKC_Casefold``, which also drops default ignorables),
   steps 2-4 again, twice (the skeleton runs before folding because capitals like Greek
   Beta or Cyrillic Ve lose their Latin look when folded, and after it for the letters
   folding makes; its output is not normalised either), then the
   digit and symbol substitutions (leetspeak): ``0 -> o``, ``1 ! | l i -> i`` (one class,
   written ``i``, consistent with the skeleton's ``l``), ``3 -> e``, ``4 @ -> a``,
   ``5 $ -> s``, ``7 + -> t``, ``8 -> b``, ``9 6 -> g``.
6. Everything that is not a letter or digit is a separator and is dropped (``.`` ``_``
   ``-`` spaces and the rest), and runs of one letter collapse (``bluuuefinch``).

Pure ASCII text (nearly every tag) takes a fast path: one ``bytes.translate`` with a table
made at import by running every ASCII character through the full pipeline, the skeleton's
few multi-letter outputs (``m -> rn``) as replacements, and the collapse. A test holds it
equal to the full pipeline.

Data: ICU's (Unicode 15.0 with ICU 72.1) for normalisation, ignorables, marks and
confusables, so the keys depend on one data version, which ``normaliser_version`` names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

import icu

# Bumped whenever the pipeline changes what it makes of any text: stored rule keys made with
# another version are rebuilt (services.rebuild_keys).
NORMALISER_VERSION = "1"

_NFKC = icu.Normalizer2.getNFKCInstance()
_NFKC_CF = icu.Normalizer2.getNFKCCasefoldInstance()
_NFD = icu.Normalizer2.getNFDInstance()
_SPOOF = icu.SpoofChecker()

# Characters dropped after NFD: invisibles of every kind and combining marks.
DROPPED_SET_PATTERN = "[[:Default_Ignorable_Code_Point:][:Mn:][:Me:][:Cf:]]"

# Digit and symbol substitutions, applied after the skeleton and case folding (so ``l``
# here is the skeleton's spelling of 1, I, l and |).
LEET = {
    "0": "o",
    "1": "i",
    "l": "i",
    "!": "i",
    "|": "i",
    "3": "e",
    "4": "a",
    "@": "a",
    "5": "s",
    "$": "s",
    "7": "t",
    "+": "t",
    "8": "b",
    "9": "g",
    "6": "g",
    # Two skeleton prototypes that are Latin only by look: kra (the skeleton of Greek kappa
    # and Cyrillic ka) and c with bar (of Greek epsilon and Cyrillic ie, used for e).
    "\u0138": "k",
    "\ua793": "e",
}

# Letters NFKC keeps: small capitals, negative circled and squared letters, regional
# indicator letters (``🇧``). Each name ends in the letter(s) it shows.
_LETTER_NAME = re.compile(
    r"^(?:(?:LATIN|MODIFIER) LETTER SMALL CAPITAL|NEGATIVE (?:CIRCLED|SQUARED) LATIN CAPITAL"
    r" LETTER|REGIONAL INDICATOR SYMBOL LETTER) ([A-Z]{1,2})$"
)


def _letter_table() -> dict[int, str]:
    """``LATIN LETTER SMALL CAPITAL X``, ``NEGATIVE SQUARED LATIN CAPITAL LETTER X`` ... ->
    ``x``, from the Unicode names (planes 0 and 1 hold all of them)."""
    table: dict[int, str] = {}
    for cp in range(0x20000):
        m = _LETTER_NAME.match(unicodedata.name(chr(cp), ""))
        if m:
            table[cp] = m.group(1).lower()
    return table


def _cp(value: int | str) -> int:
    return value if isinstance(value, int) else ord(value)


def _dropped() -> dict[int, None]:
    uset = icu.UnicodeSet(DROPPED_SET_PATTERN)
    table: dict[int, None] = {}
    for i in range(uset.getRangeCount()):
        start, end = uset.getRangeStart(i), uset.getRangeEnd(i)  # PyICU: one-char strings
        for cp in range(_cp(start), _cp(end) + 1):
            table[cp] = None
    return table


SMALL_CAPITALS = _letter_table()
_DROP = _dropped()
_LEET = str.maketrans(LEET)
_SEPARATORS = re.compile(r"[\W_]+")
# A letter repeated after itself; replaced by nothing (a literal: much faster than r"\1").
_REPEATS = re.compile(r"(?<=(.))\1+", re.S)


def _pipeline(text: str, sep: str) -> str:
    """Steps 1-6 on any text, without the final collapse; separators become ``sep``."""
    # The skeleton runs before case folding too: capitals that look Latin (Greek Beta, Eta,
    # Cyrillic Ve) lose the likeness when folded (beta, eta, ve look like nothing Latin).
    s = _NFKC.normalize(text).translate(SMALL_CAPITALS)
    s = _SPOOF.getSkeleton(0, _NFD.normalize(s).translate(_DROP))
    for _ in range(2):
        s = _NFKC_CF.normalize(s).translate(SMALL_CAPITALS)
        s = _SPOOF.getSkeleton(0, _NFD.normalize(s).translate(_DROP))
    s = _NFD.normalize(_NFKC_CF.normalize(s).translate(SMALL_CAPITALS)).translate(_DROP)
    return _SEPARATORS.sub(sep, s.translate(_LEET))


def full_key(text: str, sep: str = "") -> str:
    """The key by the full pipeline (no ASCII fast path): what the fast path must equal."""
    return _REPEATS.sub("", _pipeline(text, sep))


class _AsciiPath:
    """The pipeline's result on pure ASCII, as one bytes.translate plus a few replaces."""

    def __init__(self, sep: str, collapse: bool = True) -> None:
        self.collapse = collapse
        table = bytearray(range(256))
        delete = bytearray()
        by_output: dict[bytes, list[int]] = {}
        outputs: set[int] = set()
        for b in range(128):
            out = _pipeline(chr(b), sep).encode("ascii")
            if len(out) == 0:
                delete.append(b)
            elif len(out) == 1:
                table[b] = out[0]
                outputs.add(out[0])
            else:
                by_output.setdefault(out, []).append(b)
        # Characters with one longer output (``M`` and ``m`` give ``rn``) translate to the
        # first of them, which one replace then spells out.
        self.multi: list[tuple[bytes, bytes]] = []
        for out, sources in by_output.items():
            for b in sources:
                table[b] = sources[0]
            self.multi.append((bytes([sources[0]]), out))
        # A one-letter output that is itself replaced later would be replaced twice.
        if any(src[0] in outputs for src, _ in self.multi):
            raise RuntimeError("ASCII fast path: a one-letter output is also a multi source")
        self.table = bytes(table)
        self.delete = bytes(delete)
        # For many texts joined by newlines: the newline kept.
        self.batch_table = self.table[:10] + b"\n" + self.table[11:]
        self.batch_delete = self.delete.replace(b"\n", b"")

    def __call__(self, text: str) -> str:
        b = text.encode("ascii").translate(self.table, self.delete)
        for src, out in self.multi:
            if src in b:
                b = b.replace(src, out)
        return (_REPEATS_B.sub(b"", b) if self.collapse else b).decode("ascii")

    def many(self, texts: list[str]) -> list[str]:
        """The keys of many ASCII texts with none containing a newline, in one pass: joined
        by newlines (kept), translated, replaced and collapsed once (never across a
        newline), split again."""
        b = "\n".join(texts).encode("ascii").translate(self.batch_table, self.batch_delete)
        for src, out in self.multi:
            if src in b:
                b = b.replace(src, out)
        if self.collapse:
            b = _REPEATS_LINES_B.sub(b"", b)
        return b.decode("ascii").split("\n")


_REPEATS_B = re.compile(rb"(?<=(.))\1+", re.S)
_REPEATS_LINES_B = re.compile(rb"(?<=([^\n]))\1+")
_ASCII_KEY = _AsciiPath("")
_ASCII_WORDS = _AsciiPath(" ")
_ASCII_SPELLED = _AsciiPath("", collapse=False)
_ASCII_SPELLED_WORDS = _AsciiPath(" ", collapse=False)


def normaliser_version() -> str:
    """The version stored beside every rule key (the pipeline's and the Unicode data's)."""
    return f"{NORMALISER_VERSION}-icu{icu.ICU_VERSION}"


def term_key(text: str) -> str:
    """The key of one tag or term: what rules and checks compare."""
    if text.isascii():
        return _ASCII_KEY(text)
    return full_key(text)


def _many(texts: list[str], path: _AsciiPath, one: Callable[[str], str]) -> list[str]:
    ascii_ok = [i for i, t in enumerate(texts) if t.isascii() and "\n" not in t]
    if len(ascii_ok) == len(texts):
        return path.many(texts) if texts else []
    out = [""] * len(texts)
    if ascii_ok:
        for i, key in zip(ascii_ok, path.many([texts[i] for i in ascii_ok]), strict=True):
            out[i] = key
    done = set(ascii_ok)
    for i, t in enumerate(texts):
        if i not in done:
            out[i] = one(t)
    return out


def term_keys(texts: Sequence[str]) -> list[str]:
    """``[term_key(t) for t in texts]``, in one pass over the ASCII ones (the batch checks)."""
    return _many(list(texts), _ASCII_KEY, term_key)


def spelled_keys(texts: Sequence[str]) -> list[str]:
    """``[spelled_key(t) for t in texts]``, in one pass over the ASCII ones."""
    return _many(list(texts), _ASCII_SPELLED, spelled_key)


def spelled_key(text: str, sep: str = "") -> str:
    """The key before repeated letters collapse (``bluefinchhh``, ``surrogateescape``):
    where words were glued, collapsing can merge the last letter of one with the first of
    the next, so the glued-word check reads this spelling."""
    if text.isascii():
        return (_ASCII_SPELLED_WORDS if sep else _ASCII_SPELLED)(text)
    return _pipeline(text, sep)


RLO, PDF = "\u202e", "\u202c"
_RLO_RUN = re.compile(f"{RLO}([^{PDF}]*)(?:{PDF}|$)")


def display_form(text: str) -> str:
    """The text in the order it is shown when it uses a right-to-left override: each run
    from RLO to PDF (or the end) reversed. ``RLO hcnifeulb`` shows as ``bluefinch``; the
    key of the stored order is not the term's, the key of the shown order is."""
    return _RLO_RUN.sub(lambda m: m.group(1)[::-1], text)


def collapse(key: str) -> str:
    """Runs of one letter collapsed: for keys joined from several (adjacent tags, words)."""
    return _REPEATS.sub("", key)


def query_words(text: str) -> list[str]:
    """The keys of a free-text query's words, in order (empty words dropped).

    Words are split at whitespace and at separators (``blue.finch`` is two words, ``bl$e``
    one: leetspeak symbols count as letters), after invisibles are dropped (a zero-width
    space inside a word does not split it). The matcher also reads runs of adjacent words
    joined, so a term split by separators or spaces is still one candidate.
    """
    spaced = _ASCII_WORDS(text) if text.isascii() else full_key(text, " ")
    return spaced.split()
