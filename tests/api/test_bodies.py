"""The API's one JSON reader (core/bodies.py), checked against what a JSON document holds.

The reader decides "too deep?" and "holds a NUL?" from the raw bytes (cheap, no loop over
values) and walks the parsed values only to name the field, so the two must always agree
with the document itself, whatever its strings hold (brackets, quotes, backslashes).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.core.bodies import MAX_JSON_DEPTH, Malformed, parse_json
from shieldwall.core.errors import Invalid

# Strings that are hard on a byte-level reading of JSON.
_TEXT = st.text(alphabet=st.sampled_from('ab[]{}"\\/\x00\n\u00e9\u2028'), max_size=6)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
)
_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=12,
)


@st.composite
def _documents(draw: st.DrawFn) -> Any:
    """A tree nested inside 0 to 36 lists and objects, so both sides of the limit come up."""
    value = draw(_TREES)
    for _ in range(draw(st.integers(0, MAX_JSON_DEPTH + 4))):
        value = [value] if draw(st.booleans()) else {draw(_TEXT): value}
    return value


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, [*value.values(), None]))
    if isinstance(value, list):
        return 1 + max(map(_depth, [*value, None]))
    return 0


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_has_nul, value))
    return False


@settings(max_examples=400, derandomize=True, database=None)
@given(document=_documents(), ascii_only=st.booleans())
def test_the_reader_refuses_exactly_the_deep_and_the_nul(document: Any, ascii_only: bool) -> None:
    raw = json.dumps(document, ensure_ascii=ascii_only).encode()
    too_deep, nul = _depth(document) > MAX_JSON_DEPTH, _has_nul(document)
    if too_deep or nul:
        with pytest.raises(Invalid) as caught:
            parse_json(raw)
        expected = {"too_deep"} if too_deep else set()
        expected |= {"nul_character"} if nul else set()
        assert caught.value.code in expected
    else:
        assert parse_json(raw) == document


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_json_in_utf_16_and_32_is_checked_too(encoding: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_json(json.dumps({"a": ["x\x00"]}).encode(encoding))
    assert caught.value.field == "a.0"
    deep = json.dumps([[[0]]] * 2).encode(encoding)
    assert parse_json(deep) == [[[0]]] * 2


def test_a_string_of_brackets_does_not_count_as_nesting() -> None:
    text = "[" * 1000 + '\\"{' * 1000
    assert parse_json(json.dumps({"note": text}).encode()) == {"note": text}


def test_not_json_is_malformed() -> None:
    for raw in (b"{", b"\xff\xfe\xfd", b"1" * 5000, b"[NaN]"):
        with pytest.raises(Malformed):
            parse_json(raw)
