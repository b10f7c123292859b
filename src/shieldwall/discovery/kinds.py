"""The vocabulary of discovery: a suggestion's state, the features that score a tag or an
account."""

from __future__ import annotations

from django.db import models


class SuggestionState(models.TextChoices):
    """Where a suggested tag stands with staff."""

    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TagFeature(models.TextChoices):
    """What scores a candidate tag (each a value in 0..1; stored by value in `features`)."""

    COOCCURRENCE = "cooccurrence", "Posts also carrying a blocked tag"
    REMOVED = "removed", "Posts removed"
    ACCOUNT_SHARE = "account_share", "Uses by accounts that used blocked tags"
    PAGERANK = "pagerank", "Closeness to blocked tags (personalised PageRank)"
    BURST = "burst", "Burst (recent rate against its own baseline)"


class AccountFeature(models.TextChoices):
    """What scores an account lead (each a value in 0..1; stored by value in `features`)."""

    PAGERANK = "pagerank", "Closeness to blocked tags (personalised PageRank)"
    BLOCKED_TAG_SHARE = "blocked_tag_share", "Share of its tags that are blocked"
    REMOVED = "removed", "Share of its posts removed"
    NEW_ACCOUNT = "new_account", "New account"
    BLOCKED_UPLOADS = "blocked_uploads", "Blocked upload attempts"
    SOLICITATION = "solicitation", "Posts matching solicitation patterns"
