"""Term rules: what hashtags and searches return nothing, kept with who made them and why."""

from __future__ import annotations

from django.db import models

from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource


class TermRule(models.Model):
    """One rule. It is never edited: removing sets `removed_at`, a change is a new rule, so
    the audit log and the desk can always say which rule caught a tag and when."""

    term = models.CharField(max_length=200)  # as the staff member wrote it
    key = models.CharField(max_length=200)  # normalise.term_key(term), at normaliser_version
    normaliser_version = models.CharField(max_length=40)
    match = models.CharField(max_length=10, choices=MatchKind.choices, default=MatchKind.EXACT)
    effect = models.CharField(max_length=10, choices=RuleEffect.choices, default=RuleEffect.BLOCK)
    source = models.CharField(max_length=12, choices=RuleSource.choices, default=RuleSource.STAFF)
    reason = models.TextField(blank=True)
    case_id = models.CharField(max_length=40, blank=True)  # the case whose decision made it
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.CharField(max_length=200, blank=True)
    removed_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "match", "effect"],
                condition=models.Q(removed_at__isnull=True),
                name="terms_rule_one_active",
            )
        ]
        indexes = [models.Index(fields=["removed_at", "key"], name="terms_rule_active_key")]
        permissions = [
            ("view_rules", "See term rules and check tags and queries on the desk"),
            ("manage_rules", "Add and remove term rules and exceptions"),
            ("check_terms", "Check hashtags and search queries (platforms)"),
        ]

    def __str__(self) -> str:
        return f"{self.effect} {self.match} {self.term!r}"


class TagSuppression(models.Model):
    """A hashtag the platform was asked to suppress because a rule caught it: the platform's
    spelling (subjects.Hashtag.name), the rule, and the action sent. Lifted (with the
    unsuppress action) when no active rule catches the tag any more. At most one active
    row per tag, so the sweep never sends a tag twice."""

    hashtag = models.CharField(max_length=100)
    rule = models.ForeignKey(TermRule, on_delete=models.PROTECT, related_name="suppressions")
    action_id = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_action_id = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hashtag"],
                condition=models.Q(lifted_at__isnull=True),
                name="terms_suppression_one_active",
            )
        ]
        indexes = [models.Index(fields=["rule", "lifted_at"], name="terms_suppression_rule")]

    def __str__(self) -> str:
        return f"#{self.hashtag} by rule {self.rule_id}"


class TagSweep(models.Model):
    """Where the sweep of seen hashtags stands (one row). `cursor` is the last Hashtag pk
    checked as it arrived; it never goes back, so new tags are caught at once however often
    the rules change. A change of rules (`rules_version`) starts a re-sweep of the tags seen
    before it, from `resweep_at` up to `resweep_until`, one batch a round beside the new
    ones; another change restarts only the re-sweep."""

    cursor = models.BigIntegerField(default=0)
    rules_version = models.CharField(max_length=200, blank=True)
    resweep_at = models.BigIntegerField(null=True, blank=True)  # None: no re-sweep pending
    resweep_until = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"tag sweep at {self.cursor} ({self.rules_version})"
