"""Every upload is scanned by Shieldwall before its post is published.

Media fails closed: when Shieldwall cannot be reached, or answers with an error we cannot
interpret, the upload is refused. Publishing unscanned media is the one thing a platform
that promised to stop known abuse media must not do; text-only posts are unaffected.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from microblog.posts.storage import Upload
from microblog.safety import shieldwall
from shieldwall_client import ShieldwallError, ShieldwallUnavailable

log = logging.getLogger(__name__)

# Neutral on purpose: a refused poster learns nothing about banks, hashes or matches.
REFUSED = "We couldn't publish this post. It may go against our rules."
UNAVAILABLE = (
    "We couldn't check your media right now, so it wasn't posted. "
    "Please try again in a few minutes."
)
UNREADABLE = "We couldn't read one of your files. Try a different image or video."


class UploadRefused(Exception):
    """The post must not be published; `message` is safe to show to the poster."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ScanOutcome:
    """What the scans decided for a post's media."""

    limited: bool  # at least one item came back "review": publish behind an interstitial


def scan_uploads(
    uploads: Sequence[tuple[str, Upload]], *, post_id: str, account_id: str
) -> ScanOutcome:
    """Scan each (media_id, upload); refuse the whole post if any is blocked or unscanned."""
    if not uploads:
        return ScanOutcome(limited=False)
    client = shieldwall.client()
    if client is None:
        log.error("no Shieldwall configured (SHIELDWALL_URL, SHIELDWALL_API_KEY): media refused")
        raise UploadRefused(UNAVAILABLE)
    limited = False
    for media_id, upload in uploads:
        try:
            result = client.scan(
                upload.data, media_id=media_id, post_id=post_id, account_id=account_id
            )
        except ShieldwallUnavailable:
            log.warning("Shieldwall unreachable while scanning post %s: media refused", post_id)
            raise UploadRefused(UNAVAILABLE) from None
        except ShieldwallError as exc:
            if exc.status in (413, 415, 422):
                raise UploadRefused(UNREADABLE) from None
            log.error("Shieldwall refused a scan of post %s: %s", post_id, exc.code)
            raise UploadRefused(UNAVAILABLE) from None
        if result.verdict == "block":
            log.info("post %s refused at upload (media %s)", post_id, media_id)
            raise UploadRefused(REFUSED)
        if result.verdict == "review":
            limited = True
        elif result.verdict != "allow":  # an answer we do not understand: fail closed
            log.error("unknown scan verdict for post %s", post_id)
            raise UploadRefused(UNAVAILABLE)
    return ScanOutcome(limited=limited)
