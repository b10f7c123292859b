"""Validation and serialisation of hash values by signal type (threatexchange's formats)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from shieldwall.banks.models import SignalType

_HEX = {
    SignalType.PDQ: re.compile(r"^[0-9a-f]{64}$"),
    SignalType.MD5: re.compile(r"^[0-9a-f]{32}$"),
    SignalType.SHA256: re.compile(r"^[0-9a-f]{64}$"),
}
MAX_VPDQ_FRAMES = 200_000


class SignalValueError(ValueError):
    """A hash value that is not valid for its signal type; the message says why."""


@dataclass(frozen=True)
class Frame:
    """One vPDQ frame: its time in seconds, PDQ hex and quality."""

    second: float
    pdq: str
    quality: int


def parse_signal_type(raw: str) -> SignalType:
    """The SignalType named by raw (case-insensitive), or SignalValueError."""
    name = raw.strip().lower()
    try:
        return SignalType(name)
    except ValueError:
        names = ", ".join(t.value for t in SignalType)
        raise SignalValueError(f"unknown signal type {raw!r} (expected one of {names})") from None


def normalise_value(signal_type: SignalType, raw: str) -> str:
    """The canonical stored form of a hash value, or SignalValueError saying what is wrong."""
    value = raw.strip()
    if signal_type == SignalType.VPDQ:
        return frames_to_value(value_to_frames(value))
    value = value.lower()
    if not _HEX[signal_type].match(value):
        length = {SignalType.MD5: 32}.get(signal_type, 64)
        raise SignalValueError(f"a {signal_type.value} hash is {length} hexadecimal characters")
    return value


def value_to_frames(value: str) -> list[Frame]:
    """Parse threatexchange's vPDQ form: a JSON list of "pdqhex,quality,seconds" strings."""
    try:
        items = json.loads(value)
    except json.JSONDecodeError:
        raise SignalValueError(
            'a vpdq value is a JSON list of "pdqhex,quality,seconds" strings'
        ) from None
    if not isinstance(items, list) or not items:
        raise SignalValueError("a vpdq value must list at least one frame")
    if len(items) > MAX_VPDQ_FRAMES:
        raise SignalValueError(f"a vpdq value may list at most {MAX_VPDQ_FRAMES} frames")
    frames = []
    for n, item in enumerate(items):
        parts = item.split(",") if isinstance(item, str) else []
        try:
            pdq, quality, second = parts
            frame = Frame(second=float(second), pdq=pdq.strip().lower(), quality=int(quality))
        except ValueError:
            raise SignalValueError(f'vpdq frame {n} is not "pdqhex,quality,seconds"') from None
        if not _HEX[SignalType.PDQ].match(frame.pdq):
            raise SignalValueError(f"vpdq frame {n} has a malformed PDQ hash")
        if not 0 <= frame.quality <= 100 or not frame.second >= 0:
            raise SignalValueError(f"vpdq frame {n} has a quality or time out of range")
        frames.append(frame)
    return frames


def frames_to_value(frames: list[Frame]) -> str:
    """Serialise frames in threatexchange's vPDQ form."""
    return json.dumps([f"{f.pdq},{f.quality},{f.second:.3f}" for f in frames])
