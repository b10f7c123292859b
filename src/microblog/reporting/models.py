"""The reports people filed from the microblog, so that they can follow them."""

from __future__ import annotations

from django.db import models

from microblog.accounts.models import Profile


class FiledReport(models.Model):
    """A report a person submitted; Shieldwall keeps the report, this keeps whose it is."""

    reporter = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="filed_reports")
    report_id = models.CharField(max_length=60, unique=True, help_text="Shieldwall's report id")
    idempotency_key = models.CharField(max_length=200, unique=True)
    subject_type = models.CharField(max_length=10)  # post | account | hashtag
    subject_id = models.CharField(max_length=200)
    subject_handle = models.CharField(max_length=30)
    has_media = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True, help_text="what the reporter chose")
    status = models.CharField(max_length=20, default="received")
    status_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.report_id} {self.subject_type}:{self.subject_id}"
