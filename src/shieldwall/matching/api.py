"""HTTP edge of matching: POST /scan (media) and POST /lookup (hashes)."""

from __future__ import annotations

from django.conf import settings
from ninja import File, Form, Router
from ninja.files import UploadedFile

from shieldwall.core.errors import ServiceError, TooLarge
from shieldwall.core.http import ApiRequest, ErrorOut
from shieldwall.matching import services
from shieldwall.matching.schemas import LookupIn, ScanOut, scan_out
from shieldwall.media.hashing import FrameHash

router = Router(tags=["matching"])


@router.post(
    "/scan",
    response={200: ScanOut, 503: ErrorOut},
    operation_id="scan_media",
    summary="Scan uploaded media",
)
def scan(
    request: ApiRequest,
    media: File[UploadedFile],
    media_id: Form[str] = "",
    post_id: Form[str] = "",
    account_id: Form[str] = "",
) -> ScanOut:
    """Hash the upload and match it against every enabled bank; block, review or allow."""
    limit = settings.SHIELDWALL.max_upload_bytes
    if media.size is not None and media.size > limit:
        raise TooLarge(
            "too_large", f"The file is larger than the limit of {limit} bytes.", field="media"
        )
    for name, value in (("media_id", media_id), ("post_id", post_id), ("account_id", account_id)):
        if len(value) > 200:
            raise ServiceError("invalid_request", f"{name} is at most 200 characters.", field=name)
    verdict = services.scan_bytes(
        data=media.read(),
        actor=request.auth,
        media_id=media_id,
        post_id=post_id,
        account_id=account_id,
    )
    return scan_out(services.withhold_for(request.auth, verdict))


@router.post(
    "/lookup",
    response=ScanOut,
    operation_id="lookup_hashes",
    summary="Match hashes the platform computed",
)
def lookup(request: ApiRequest, body: LookupIn) -> ScanOut:
    """Match md5/sha256/PDQ/vPDQ hashes without sending the media."""
    q = services.QueryHashes(
        md5=body.md5.lower() if body.md5 else None,
        sha256=body.sha256.lower() if body.sha256 else None,
        pdq=body.pdq.lower() if body.pdq else None,
        pdq_quality=body.pdq_quality,
        vpdq=tuple(FrameHash(f.second, f.pdq.lower(), f.quality) for f in body.vpdq),
    )
    verdict = services.lookup_hashes(q=q, actor=request.auth)
    return scan_out(services.withhold_for(request.auth, verdict))
