"""Reports as received: the answered path, the subject, and (protected) who reported."""

from __future__ import annotations

from django.db import models

from shieldwall.reports.categories import Affected, Category, CseReason
from shieldwall.subjects.kinds import REPORTABLE_CHOICES


class ReportStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_REVIEW = "in_review", "In review"
    ACTIONED = "actioned", "Action taken"
    NO_VIOLATION = "no_violation", "No violation found"


class ReportSource(models.TextChoices):
    PLATFORM = "platform", "Platform report flow"
    PUBLIC_FORM = "public_form", "Public report page"


class Resolution(models.TextChoices):
    """Whether a report's subject is one of the platform's own, by its platform id."""

    RESOLVED = "resolved", "Resolved"  # platform reports carry the id; public links once read
    PENDING = "pending", "Link not read yet"  # a public link, for the worker's filer
    UNRESOLVED = "unresolved", "Waiting for triage"  # in no case: no action can be issued
    DISMISSED = "dismissed", "Dismissed"


class UnresolvedReason(models.TextChoices):
    NO_MATCH = "no_match", "The link fits none of the platform's link patterns"
    UNKNOWN_SUBJECT = "unknown_subject", "The platform has sent nothing about what it names"
    LEGACY = "legacy", "Filed by its raw link before links were read"


class Depicted(models.TextChoices):
    """NCII: whether the person reporting is the person shown."""

    REPORTER = "reporter", "The reporter"
    OTHER = "other", "Someone else"


class Authorised(models.TextChoices):
    """NCII, reported for someone else: whether the reporter may act for them."""

    YES = "yes", "Yes"
    NO = "no", "No"


class Report(models.Model):
    """One person's report about a post, an account or a hashtag."""

    public_id = models.CharField(max_length=40, unique=True)
    submitted_by = models.CharField(max_length=200, help_text="apikey:NAME or public")
    idempotency_key = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=ReportSource.choices)
    subject_type = models.CharField(max_length=16, choices=REPORTABLE_CHOICES)
    subject_id = models.CharField(max_length=200)
    subject_handle = models.CharField(max_length=200, blank=True)
    subject_url = models.URLField(max_length=2000, blank=True)
    has_media = models.BooleanField(default=False)
    flow_version = models.CharField(max_length=40)
    path = models.JSONField()
    category = models.CharField(max_length=40, choices=Category.choices)
    affected = models.CharField(max_length=16, choices=Affected.choices, blank=True)
    cse_reason = models.CharField(max_length=40, choices=CseReason.choices, blank=True)
    depicted = models.CharField(
        max_length=16, choices=Depicted.choices, blank=True, help_text="NCII: reporter or other"
    )
    authorised = models.CharField(
        max_length=8, choices=Authorised.choices, blank=True, help_text="NCII: acts for them"
    )
    additional_post_ids = models.JSONField(default=list, blank=True)
    context = models.TextField(blank=True)
    # Protected: who reported. Shown only to roles that need it (compliance).
    reporter_id = models.CharField(max_length=200, blank=True)
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_email = models.EmailField(blank=True)
    anonymous = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when the worker filed the report (into its case, or into the unresolved links).
    filed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(
        max_length=12, choices=Resolution.choices, default=Resolution.RESOLVED
    )
    unresolved_reason = models.CharField(
        max_length=16, choices=UnresolvedReason.choices, blank=True
    )
    # Public reports: SHA-256 of the receipt the reporter was given to look up the status.
    receipt_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], name="report_idempotency"
            ),
            models.UniqueConstraint(
                fields=["receipt_hash"],
                condition=~models.Q(receipt_hash=""),
                name="report_receipt_once",
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["category", "status"]),
            models.Index(
                fields=["id"], condition=models.Q(filed_at__isnull=True), name="report_unfiled"
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(resolution="unresolved"),
                name="report_unresolved",
            ),
        ]
        permissions = [
            ("submit_report", "Submit reports through the API"),
            ("view_reporter", "See who made a report"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.category} {self.subject_type}:{self.subject_id}"
