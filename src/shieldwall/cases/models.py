"""Cases: reports about one subject (a post, a media cluster, an account or a hashtag)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shieldwall.reports.categories import Category, CseReason
from shieldwall.reports.models import Report
from shieldwall.subjects.kinds import SubjectType


class CaseState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"


class DecisionKind(models.TextChoices):
    """The decisions Shieldwall knows, by stored value (the keys of `cases.decisions`)."""

    REMOVED_POST = "removed_post", "Post removed"
    REMOVED_MEDIA = "removed_media", "Media removed"
    SUSPENDED_ACCOUNT = "suspended_account", "Account suspended"
    SUPPRESSED_HASHTAG = "suppressed_hashtag", "Hashtag suppressed"
    NO_VIOLATION = "no_violation", "No violation"
    # Automated and interim: the case stays open for review (never a case's closing decision).
    LIMITED_POST = "limited_post", "Post limited until review"


class Tier(models.IntegerChoices):
    CSE = 1, "Child sexual exploitation"
    NCII = 2, "Non-consensual nudity"
    OTHER = 3, "Other"


OPEN_STATES = (CaseState.OPEN, CaseState.ACKNOWLEDGED, CaseState.ESCALATED)


class Case(models.Model):
    """What moderators work: one subject, its reports, its priority and its deadline."""

    public_id = models.CharField(max_length=40, unique=True)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.CharField(max_length=200)
    account_id = models.CharField(max_length=200, blank=True, db_index=True)
    category = models.CharField(max_length=40, choices=Category.choices)
    cse_reason = models.CharField(max_length=40, choices=CseReason.choices, blank=True)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    signals = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=CaseState.choices, default=CaseState.OPEN)
    decision = models.CharField(max_length=24, choices=DecisionKind.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    opened_at = models.DateTimeField()
    deadline_at = models.DateTimeField()
    overdue_escalated = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    report_count = models.PositiveIntegerField(default=0)
    # Distinct reporters of any kind (each anonymous report counts): raises priority only.
    reporter_count = models.PositiveIntegerField(default=0)
    # Distinct verified reporters (signed-in platform users, trusted flaggers) per category:
    # what automatic actions count, so strangers cannot meet their thresholds.
    verified_reporters = models.JSONField(default=dict, blank=True)
    hash_matches = models.JSONField(default=list, blank=True)
    verified_match = models.BooleanField(default=False)
    limited = models.BooleanField(default=False)
    # Actions of its decisions that the platform did not apply, once followed up (their ids).
    platform_refusals = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "tier", "deadline_at"], name="case_queue_order"),
            models.Index(fields=["subject_type", "subject_id", "state"], name="case_subject"),
            # /metrics reads the oldest case still open in each tier at every scrape: one
            # index probe, however many cases are open (cases/metrics.py).
            models.Index(
                fields=["tier", "opened_at"],
                condition=models.Q(state__in=["open", "acknowledged", "escalated"]),
                name="case_open_age",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=models.Q(state__in=["open", "acknowledged", "escalated"]),
                name="one_open_case_per_subject",
            )
        ]
        permissions = [
            ("acknowledge_case", "Acknowledge and escalate cases (triage)"),
            ("act_on_case", "Decide cases: remove, suspend, suppress, no violation"),
            ("act_on_escalated", "Decide escalated cases"),
            ("bulk_act", "Decide many cases at once"),
            ("assign_case", "Assign cases"),
            ("comment_case", "Comment on cases"),
            ("view_media", "Reveal reported media"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} tier {self.tier} {self.subject_type}:{self.subject_id}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseReport(models.Model):
    """A report filed into a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_reports")
    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="case_link")
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.report_id} in {self.case_id}"


class CaseMedia(models.Model):
    """A media item of a case, with its hashes, so copies in other posts join the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="media")
    media_id = models.CharField(max_length=200)
    post_id = models.CharField(max_length=200, blank=True)
    md5 = models.CharField(max_length=32, blank=True, db_index=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    media_type = models.CharField(max_length=8, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "media_id"], name="case_media_once")]

    def __str__(self) -> str:
        return f"{self.media_id} in {self.case_id}"


class CaseComment(models.Model):
    """A moderator's note on a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"comment on {self.case_id} by {self.author}"


class MediaView(models.Model):
    """A person at the platform saw a reported media item unblurred (NCMEC fileViewedByEsp)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="media_views")
    media_id = models.CharField(max_length=200, db_index=True)
    viewer = models.CharField(max_length=200)
    viewed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.media_id} viewed by {self.viewer}"


class TrustedFlagger(models.Model):
    """A reporter whose notices come first (EU DSA Art. 22), by the platform's reporter id."""

    reporter_id = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200)
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """One decision as statements of reasons and appeals read it: who or what decided, on
    which grounds, about which subjects (every copy taken down), and the actions it issued.

    Written in the transaction of the decision itself, for desk, bulk and automated ones;
    never changed afterwards (a decision taken again is a new record)."""

    public_id = models.CharField(max_length=40, unique=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="decision_records"
    )
    # The grounds: the decision's key in the registry (or a removal request's own policy),
    # the category it was taken under, and the decider's free note.
    key = models.CharField(max_length=40)
    category = models.CharField(max_length=40, choices=Category.choices)
    note = models.TextField(blank=True)
    actor = models.CharField(max_length=200, help_text="actor label, e.g. user:NAME")
    automated = models.BooleanField(default=False)
    decided_at = models.DateTimeField(db_index=True)
    actions = models.ManyToManyField("integrations.Action", blank=True, related_name="+")

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.key} by {self.actor}"


class DecisionSubject(models.Model):
    """A subject a decision was about: the case's own and every copy it took down."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="subjects")
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.CharField(max_length=200)

    class Meta:
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="decision_subject_lookup")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "subject_type", "subject_id"], name="decision_subject_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} in {self.decision_id}"
