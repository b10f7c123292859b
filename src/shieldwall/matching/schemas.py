"""Request and response shapes of the scan and lookup endpoints."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from shieldwall.matching.services import Verdict
from shieldwall.media.hashing import MediaHashes

PDQ_PATTERN = r"^[0-9a-fA-F]{64}$"


class FrameOut(Schema):
    second: float
    pdq: str
    quality: int


class HashesOut(Schema):
    media_type: str
    format: str
    md5: str
    sha256: str
    pdq: str | None
    pdq_quality: int | None
    vpdq: list[FrameOut] = []
    width: int
    height: int
    duration_seconds: float | None


class MatchOut(Schema):
    bank: str
    bank_kind: str
    action: str
    signal_type: str
    entry_id: str | None = Field(description="null when withheld")
    distance: int | None = Field(description="bits apart (0 for exact hashes); null when withheld")
    query_match_pct: float | None = None
    bank_match_pct: float | None = None
    variant_of: str | None = Field(
        default=None,
        description="when a near copy (crop, small rotation) matched: the entry it was made from",
    )
    withheld: bool = Field(
        default=False,
        description="a protected bank (verified CSAM, NCII, platform-removed, exchange-filled): "
        "which entry matched and how closely are not told to platform keys",
    )


class ScanOut(Schema):
    verdict: str = Field(description="block, review or allow")
    matches: list[MatchOut]
    hashes: HashesOut | None = None


class FrameIn(Schema):
    second: float = Field(ge=0, strict=True)
    pdq: str = Field(pattern=PDQ_PATTERN)
    quality: int = Field(ge=0, le=100, strict=True)


class LookupIn(Schema):
    md5: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{32}$")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    pdq: str | None = Field(default=None, pattern=PDQ_PATTERN)
    pdq_quality: int | None = Field(default=None, ge=0, le=100, strict=True)
    vpdq: list[FrameIn] = Field(default=[], max_length=100_000)


def hashes_out(h: MediaHashes) -> HashesOut:
    """The response form of computed hashes."""
    return HashesOut(
        media_type=h.media_type,
        format=h.format,
        md5=h.md5,
        sha256=h.sha256,
        pdq=h.pdq,
        pdq_quality=h.pdq_quality,
        vpdq=[FrameOut(second=f.second, pdq=f.pdq, quality=f.quality) for f in h.vpdq],
        width=h.width,
        height=h.height,
        duration_seconds=h.duration_seconds,
    )


def scan_out(v: Verdict) -> ScanOut:
    """The response form of a verdict."""
    return ScanOut(
        verdict=v.verdict,
        matches=[
            MatchOut(
                bank=m.bank,
                bank_kind=m.bank_kind,
                action=m.action,
                signal_type=m.signal_type,
                entry_id=None if m.withheld else str(m.entry_id),
                distance=None if m.withheld else m.distance,
                query_match_pct=m.query_match_pct,
                bank_match_pct=m.bank_match_pct,
                variant_of=str(m.variant_of)
                if m.variant_of is not None and not m.withheld
                else None,
                withheld=m.withheld,
            )
            for m in v.matches
        ],
        hashes=hashes_out(v.hashes) if v.hashes else None,
    )
