"""The scan's vocabulary, stored by value; importable before Django starts (the CLI prints it)."""

from __future__ import annotations

from django.db import models

from shieldwall.banks.kinds import BankAction


class ScanVerdict(models.TextChoices):
    """What a scan answers the platform. Block and review are the banks' own actions, spelled
    the same so a bank's action is the verdict it causes; allow is no bank's action."""

    BLOCK = BankAction.BLOCK.value, "Block"
    REVIEW = BankAction.REVIEW.value, "Send to review"
    ALLOW = "allow", "Allow"
