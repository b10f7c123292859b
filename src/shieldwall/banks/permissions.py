"""What the banks app lets staff and platforms do."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, COMPLIANCE, LEAD, MODERATOR, TRIAGE, Grants

MANAGE_BANKS = "banks.manage_bank"
VIEW_BANKS = "banks.view_bank"
# Protected banks (verified CSAM, NCII, platform-removed, exchange-filled): changed, and their
# hashes read, only by staff holding these, always with a reason (see banks/guard.py).
MANAGE_PROTECTED_BANKS = "banks.manage_protected_bank"
EXPORT_PROTECTED_BANKS = "banks.export_protected_bank"
LOOKUP_HASHES = "banks.lookup_hashes"
SCAN = "banks.scan_media"

GRANTS = Grants(
    roles={
        ADMIN: (
            MANAGE_BANKS,
            VIEW_BANKS,
            MANAGE_PROTECTED_BANKS,
            EXPORT_PROTECTED_BANKS,
            SCAN,
            LOOKUP_HASHES,
        ),
        LEAD: (VIEW_BANKS, SCAN, LOOKUP_HASHES),
        MODERATOR: (VIEW_BANKS, SCAN, LOOKUP_HASHES),
        TRIAGE: (SCAN, LOOKUP_HASHES),
        # Compliance hands hash lists to those entitled to them (an exchange, a regulator): it
        # may read a protected bank's hashes, with a reason and audited, but never change it.
        COMPLIANCE: (VIEW_BANKS, EXPORT_PROTECTED_BANKS),
    },
    scopes={
        "scan": (SCAN,),
        "lookup": (LOOKUP_HASHES,),
        # Its own custom banks; protected banks stay out of reach whatever the scopes.
        "banks": (VIEW_BANKS, MANAGE_BANKS),
    },
)
