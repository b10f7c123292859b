"""Reports as received: the answered path, the subject, and (protected) who reported."""

from __future__ import annotations

from django.db import models

from shieldwall.reports.categories import Category, SubjectType


class ReportStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_REVIEW = "in_review", "In review"
    ACTIONED = "actioned", "Action taken"
    NO_VIOLATION = "no_violation", "No violation found"


class ReportSource(models.TextChoices):
    PLATFORM = "platform", "Platform report flow"
    PUBLIC_FORM = "public_form", "Public report page"


class Report(models.Model):
    """One person's report about a post, an account or a hashtag."""

    public_id = models.CharField(max_length=40, unique=True)
    submitted_by = models.CharField(max_length=200, help_text="apikey:NAME or public")
    idempotency_key = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=ReportSource.choices)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.CharField(max_length=200)
    subject_handle = models.CharField(max_length=200, blank=True)
    subject_url = models.URLField(max_length=2000, blank=True)
    has_media = models.BooleanField(default=False)
    flow_version = models.CharField(max_length=40)
    path = models.JSONField()
    category = models.CharField(max_length=40, choices=Category.choices)
    affected = models.CharField(max_length=16, blank=True)
    cse_reason = models.CharField(max_length=40, blank=True)
    depicted = models.CharField(max_length=16, blank=True, help_text="NCII: reporter or other")
    authorised = models.CharField(max_length=8, blank=True, help_text="NCII: acts for them")
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
    # Set when the worker filed the report into its case (intake only stores it, fast).
    filed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], name="report_idempotency"
            )
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["category", "status"]),
            models.Index(
                fields=["id"], condition=models.Q(filed_at__isnull=True), name="report_unfiled"
            ),
        ]
        permissions = [
            ("submit_report", "Submit reports through the API"),
            ("view_reporter", "See who made a report"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.category} {self.subject_type}:{self.subject_id}"
