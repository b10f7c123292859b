"""The scan verdict: hash media (or take given hashes), match every enabled bank, decide."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from shieldwall.banks.models import BankAction, BankEntry, SignalType
from shieldwall.banks.permissions import EXPORT_PROTECTED_BANKS, LOOKUP_HASHES, SCAN
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Invalid
from shieldwall.core.limits import hash_media, refusal
from shieldwall.matching.index import hex_to_array
from shieldwall.matching.kinds import ScanVerdict
from shieldwall.matching.metrics import NO_BANK, REFUSED, record_match, record_scan
from shieldwall.matching.models import ScanSignal, ScanSignalKind
from shieldwall.matching.registry import MIN_PDQ_QUALITY, BankIndex, registry
from shieldwall.media import FrameHash, MediaHashes, dihedral_from_hash
from shieldwall.media.errors import MediaError
from shieldwall.subjects.services import record_media

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class BankMatch:
    """One bank entry that the media matched, and how closely."""

    bank: str
    bank_kind: str
    action: str
    signal_type: str
    entry_id: int
    distance: int
    query_match_pct: float | None = None
    bank_match_pct: float | None = None
    variant_of: int | None = None  # the media's own entry, when a near copy of it matched
    # Shown to the caller without entry, distance or variant (see `withhold_for`).
    withheld: bool = False

    def as_dict(self) -> dict[str, object]:
        """The form kept in scan signals and shown to staff."""
        return {
            "bank": self.bank,
            "bank_kind": self.bank_kind,
            "signal_type": self.signal_type,
            "entry_id": self.entry_id,
            "distance": self.distance,
            "variant_of": self.variant_of,
        }


@dataclass(frozen=True)
class QueryHashes:
    """The hashes a verdict is computed from: of scanned media, or given by a platform."""

    md5: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    pdq_variants: tuple[str, ...] = ()
    vpdq: tuple[FrameHash, ...] = ()
    vpdq_untrimmed: tuple[FrameHash, ...] = ()


@dataclass
class Verdict:
    """allow, review or block, with the matches that decided it."""

    verdict: ScanVerdict
    matches: list[BankMatch] = field(default_factory=list)
    hashes: MediaHashes | None = None
    # Allowed media that came within the review radius of a blocking bank: for staff only,
    # never in the platform's answer (it would tell an uploader how close they came).
    near: list[BankMatch] = field(default_factory=list)


def decide(matches: Sequence[BankMatch]) -> ScanVerdict:
    """block if any matching bank says block, review if any says review, else allow."""
    actions = {m.action for m in matches}
    if BankAction.BLOCK in actions:
        return ScanVerdict.BLOCK
    if BankAction.REVIEW in actions:
        return ScanVerdict.REVIEW
    return ScanVerdict.ALLOW


def exact_match_query(q: QueryHashes) -> QuerySet[BankEntry]:
    """Enabled entries equal to the query's MD5 or SHA-256, found through the exact-hash index.

    Each hash is its own (signal_type, value) probe of the partial index
    `bank_entry_exact_lookup`. Every branch repeats the index's condition (not vpdq) because
    SQLite uses a partial index for an OR branch only when the branch states it itself.
    """
    not_video = ~Q(signal_type=SignalType.VPDQ)
    wanted = Q()
    for signal_type, value in ((SignalType.MD5, q.md5), (SignalType.SHA256, q.sha256)):
        if value:
            wanted |= Q(signal_type=signal_type, value=value) & not_video
    return BankEntry.objects.filter(wanted, enabled=True, bank__enabled=True).order_by()


def _exact_matches(q: QueryHashes) -> list[BankMatch]:
    if not (q.md5 or q.sha256):
        return []
    rows = exact_match_query(q).values_list(
        "id", "signal_type", "bank__name", "bank__kind", "bank__action"
    )
    return [
        BankMatch(
            bank=name, bank_kind=kind, action=action, signal_type=st, entry_id=eid, distance=0
        )
        for eid, st, name, kind, action in rows
    ]


def _match_frames(b: BankIndex, frames: Sequence[FrameHash]) -> list[BankMatch]:
    """The banked videos of one bank that these query frames match."""
    good = [f for f in frames if f.quality >= MIN_PDQ_QUALITY]
    if not good:
        return []
    hashes = hex_to_array([f.pdq for f in good])
    qualities = np.array([f.quality for f in good], dtype=np.int32)
    return [
        BankMatch(
            b.name,
            b.kind,
            b.action,
            SignalType.VPDQ,
            vm.entry_id,
            vm.distance,
            round(vm.query_match_pct, 1),
            round(vm.bank_match_pct, 1),
        )
        for vm in b.video.match_video(
            hashes,
            qualities,
            frame_threshold=b.pdq_threshold,
            query_pct=b.video_query_pct,
            bank_pct=b.video_bank_pct,
            min_quality=MIN_PDQ_QUALITY,
        )
    ]


def match_hashes(q: QueryHashes) -> list[BankMatch]:
    """Every enabled bank entry the hashes match: exact, PDQ (8 variants), or video frames."""
    started = time.perf_counter()
    try:
        return _match_every_bank(q)
    finally:
        record_match(time.perf_counter() - started)


def _match_every_bank(q: QueryHashes) -> list[BankMatch]:
    matches = _exact_matches(q)
    banks = registry.banks()
    if q.pdq and (q.pdq_quality is None or q.pdq_quality >= MIN_PDQ_QUALITY):
        variants = hex_to_array(list(q.pdq_variants or (q.pdq,)))
        for b in banks:
            # Per banked media item (an entry and its near copies): the closest entry.
            best: dict[int, tuple[int, int]] = {}
            hits = [(m.id, m.distance) for m in b.pdq.search(variants, b.pdq_threshold)]
            hits += [
                (vm.entry_id, vm.distance)
                for vm in b.video.match_image(variants, threshold=b.pdq_threshold)
            ]
            for entry_id, distance in hits:
                root = b.variant_of.get(entry_id, entry_id)
                if (distance, entry_id) < best.get(root, (257, 0)):
                    best[root] = (distance, entry_id)
            for root, (distance, entry_id) in best.items():
                signal = SignalType.VPDQ if entry_id in b.video_ids else SignalType.PDQ
                original = root if root != entry_id else None
                matches.append(
                    BankMatch(
                        b.name, b.kind, b.action, signal, entry_id, distance, None, None, original
                    )
                )
    for b in banks:
        best_video: dict[int, BankMatch] = {}
        for frames in (q.vpdq, q.vpdq_untrimmed):
            for found in _match_frames(b, frames):
                have = best_video.get(found.entry_id)
                if have is None or (found.query_match_pct or 0) > (have.query_match_pct or 0):
                    best_video[found.entry_id] = found
        matches.extend(best_video.values())
    matches.sort(key=lambda m: (m.action != BankAction.BLOCK, m.distance, m.bank, m.entry_id))
    return matches


def near_matches(
    hashes: Sequence[str], *, radius: int, skip: Sequence[BankMatch] = ()
) -> list[BankMatch]:
    """The closest entry of each blocking bank lying beyond its threshold but within radius.

    Only the hashes given (the picture as uploaded, not its eight turns and flips) are
    searched: a wider radius costs more probes per hash, and this runs on every allowed scan.
    """
    if not hashes or radius <= 0:
        return []
    matched = {m.bank for m in skip}
    queries = hex_to_array(list(hashes))
    out = []
    for b in registry.banks():
        if b.action != BankAction.BLOCK or b.name in matched or radius <= b.pdq_threshold:
            continue
        best = min(
            (
                (m.distance, m.id)
                for m in b.pdq.search(queries, radius)
                if m.distance > b.pdq_threshold
            ),
            default=None,
        )
        if best is not None:
            distance, entry_id = best
            root = b.variant_of.get(entry_id)
            out.append(
                BankMatch(
                    b.name, b.kind, b.action, SignalType.PDQ, entry_id, distance, variant_of=root
                )
            )
    return sorted(out, key=lambda m: (m.distance, m.bank))


def scan_bytes(
    *,
    data: bytes,
    actor: Actor,
    media_id: str = "",
    post_id: str = "",
    account_id: str = "",
) -> Verdict:
    """Hash uploaded media and match it; keep its hashes as platform media when it has an id,
    and a scan signal for staff when it was blocked or came near a blocking bank."""
    require(actor, SCAN)
    started = time.perf_counter()
    try:
        # Media with a platform id may be removed later: hash its near copies now, while the
        # pixels are here, so a removal can bank them. In a decoding child, never here.
        hashes = hash_media(data, near_copies=bool(media_id))
    except MediaError as exc:
        record_scan(verdict=REFUSED, bank_kind=NO_BANK, seconds=time.perf_counter() - started)
        raise refusal(exc) from None
    q = QueryHashes(
        md5=hashes.md5,
        sha256=hashes.sha256,
        pdq=hashes.pdq,
        pdq_quality=hashes.pdq_quality,
        pdq_variants=hashes.pdq_dihedral + hashes.pdq_untrimmed + hashes.pdq_stripped,
        vpdq=hashes.vpdq,
        vpdq_untrimmed=hashes.vpdq_untrimmed,
    )
    matches = match_hashes(q)
    verdict = Verdict(decide(matches), matches, hashes)
    usable = hashes.pdq is not None and (hashes.pdq_quality or 0) >= MIN_PDQ_QUALITY
    if media_id and usable and verdict.verdict != ScanVerdict.BLOCK:
        verdict.near = near_matches(
            [hashes.pdq or "", *hashes.pdq_stripped],
            radius=settings.SHIELDWALL.near_match_radius,
            skip=matches,
        )
    log.info(
        "media.scanned",
        verdict=verdict.verdict,
        media_type=hashes.media_type,
        format=hashes.format,
        matches=len(matches),
        caller=actor.label,
    )
    # No audit event: a scan is not a staff decision, and an event per scan would queue every
    # upload on the audit chain's one locked row. What staff must learn (a blocked upload, a
    # near match) is one small row that the worker files into cases.
    signal = _signal(
        verdict, media_id=media_id, post_id=post_id, account_id=account_id, caller=actor.label
    )
    if media_id or signal is not None:
        with transaction.atomic():
            if media_id:
                record_media(
                    media_id=media_id,
                    post_id=post_id,
                    account_id=account_id,
                    hashes=hashes,
                    verdict=verdict.verdict,
                )
            if signal is not None:
                signal.save(force_insert=True)
    record_scan(
        verdict=verdict.verdict,
        bank_kind=deciding_kind(verdict),
        seconds=time.perf_counter() - started,
    )
    return verdict


def deciding_kind(verdict: Verdict) -> str:
    """The kind of the bank whose action is the verdict (the closest such match), or none."""
    for m in verdict.matches:
        if m.action == verdict.verdict:
            return m.bank_kind
    return NO_BANK


def _signal(
    verdict: Verdict, *, media_id: str, post_id: str, account_id: str, caller: str
) -> ScanSignal | None:
    """The row staff should hear about from this scan: a block, or a near match, or none."""
    if verdict.verdict == ScanVerdict.BLOCK:
        blocking = [m for m in verdict.matches if m.action == BankAction.BLOCK]
        kind, found = ScanSignalKind.BLOCKED, blocking
    elif verdict.near:
        kind, found = ScanSignalKind.NEAR_MATCH, verdict.near
    else:
        return None
    h = verdict.hashes
    assert h is not None
    return ScanSignal(
        kind=kind,
        media_id=media_id,
        post_id=post_id,
        account_id=account_id,
        media_type=h.media_type,
        md5=h.md5,
        sha256=h.sha256,
        pdq=h.pdq or "",
        matches=[m.as_dict() for m in found[:20]],
        scanned_by=caller,
    )


def withhold_for(actor: Actor, verdict: Verdict) -> Verdict:
    """The verdict as this caller may see it: for a protected bank's match, the bank and what
    it says to do, but not which entry matched or how closely, unless the caller may read the
    bank's hashes. A platform key that learnt distances could rebuild a banked hash bit by bit
    (flip one bit of a near hash, see whether the distance falls) and learn how far to edit
    media to slip past it."""
    if actor.can(EXPORT_PROTECTED_BANKS):
        return verdict
    protected = registry.protected_names()
    shown = [
        dataclasses.replace(m, withheld=True, query_match_pct=None, bank_match_pct=None)
        if m.bank in protected
        else m
        for m in verdict.matches
    ]
    return dataclasses.replace(verdict, matches=shown)


def lookup_hashes(*, q: QueryHashes, actor: Actor) -> Verdict:
    """Match hashes a platform computed itself (no media is sent)."""
    require(actor, LOOKUP_HASHES)
    if not (q.md5 or q.sha256 or q.pdq or q.vpdq):
        raise Invalid("no_hashes", "Give at least one of md5, sha256, pdq or vpdq.")
    if q.pdq and not q.pdq_variants:
        q = dataclasses.replace(q, pdq_variants=dihedral_from_hash(q.pdq))
    matches = match_hashes(q)
    return Verdict(decide(matches), matches)
