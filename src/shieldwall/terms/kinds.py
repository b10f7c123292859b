"""The vocabulary of term rules: how a rule matches, what it does, where it came from."""

from __future__ import annotations

from django.db import models


class MatchKind(models.TextChoices):
    """How a rule's term is compared with a tag or a query, both normalised first."""

    EXACT = "exact", "Exact"  # the whole tag (or a whole word run of a query) is the term
    CONTAINS = "contains", "Contains"  # the term appears anywhere inside; long terms only
    NEAR = "near", "Near"  # within one edit of the term; long terms only


class RuleEffect(models.TextChoices):
    """A rule blocks, or makes an exception that keeps an ordinary tag open."""

    BLOCK = "block", "Block"
    ALLOW = "allow", "Exception"


class RuleSource(models.TextChoices):
    """Where a rule was made: the rules page, the command line, a case, a suggestion."""

    STAFF = "staff", "Rules page"
    CLI = "cli", "Command line"
    CASE = "case", "Case decision"
    SUGGESTION = "suggestion", "Approved suggestion"
    API = "api", "API"
