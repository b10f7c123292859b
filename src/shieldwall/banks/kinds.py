"""Bank vocabularies, stored by value; importable before Django starts (the CLI needs them)."""

from __future__ import annotations

from django.db import models


class BankKind(models.TextChoices):
    VERIFIED_CSAM = "verified_csam", "Verified child sexual abuse material"
    NCII = "ncii", "Non-consensual intimate imagery"
    PLATFORM_REMOVED = "platform_removed", "Removed by this platform"
    CUSTOM = "custom", "Custom"


# Banks that hold what must never be posted, whoever filled them: changed only by staff with a
# reason (see guard.py). A bank filled by an exchange is protected too, whatever its kind.
PROTECTED_KINDS = frozenset({BankKind.VERIFIED_CSAM, BankKind.NCII, BankKind.PLATFORM_REMOVED})
# Names Shieldwall fills itself (cases.services.REMOVED_BANK): a platform key cannot take them.
RESERVED_NAMES = frozenset({"platform-removed"})


class BankAction(models.TextChoices):
    BLOCK = "block", "Block"
    REVIEW = "review", "Send to review"


class SignalType(models.TextChoices):
    """Signal names as threatexchange spells them, so lists move between tools unchanged."""

    PDQ = "pdq", "PDQ (image)"
    MD5 = "md5", "MD5 (exact bytes)"
    SHA256 = "sha256", "SHA-256 (exact bytes)"
    VPDQ = "vpdq", "vPDQ (video frames)"


class EntrySource(models.TextChoices):
    MEDIA = "media", "Hashed from media"
    IMPORT = "import", "Imported hash list"
    API = "api", "Added over the API"
    EXCHANGE = "exchange", "Hash exchange"
