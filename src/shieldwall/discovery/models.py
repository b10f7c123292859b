"""Discovery's rows: the account-hashtag graph (kept up to date from the platform's post
events), the tags suggested for blocking, what staff's reviews taught the ranking, and the
accounts found for review.

Tags are stored by their normalised hashtag name (`subjects.hashtags.normalise_hashtag`), accounts
by the platform's account id: the same values `subjects.reads` returns, so nothing here
joins the subjects tables.
"""

from __future__ import annotations

from django.db import models

from shieldwall.discovery.kinds import SuggestionState


class GraphCursor(models.Model):
    """How far a graph job has read a stream (the last `PostHashtag` pk taken in)."""

    name = models.CharField(max_length=40, unique=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


class TagStat(models.Model):
    """One tag's totals: how many posts carried it, its first and last use."""

    tag = models.CharField(max_length=100, unique=True)
    uses = models.BigIntegerField(default=0)  # posts carrying it (a post carries a tag once)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"#{self.tag} x{self.uses}"


class AccountTag(models.Model):
    """One edge of the bipartite graph: an account used a tag `uses` times."""

    account_id = models.CharField(max_length=200)
    tag = models.CharField(max_length=100)
    uses = models.BigIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account_id", "tag"], name="disc_accounttag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}#{self.tag}"


class TagPair(models.Model):
    """Two tags carried by the same post, `posts` times (stored once, `tag_a` < `tag_b`)."""

    tag_a = models.CharField(max_length=100)
    tag_b = models.CharField(max_length=100)
    posts = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag_a", "tag_b"], name="disc_tagpair_unique")
        ]
        indexes = [models.Index(fields=["tag_b"], name="disc_tagpair_b")]

    def __str__(self) -> str:
        return f"#{self.tag_a}+#{self.tag_b} x{self.posts}"


class TagBucket(models.Model):
    """A tag's uses in one time bucket (`bucket` = hours since the epoch), for bursts."""

    tag = models.CharField(max_length=100)
    bucket = models.IntegerField()
    uses = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "bucket"], name="disc_tagbucket_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.tag}@{self.bucket} x{self.uses}"


class TagSuggestion(models.Model):
    """A tag the ranking suggests for blocking, with why (`features`, each 0..1, by
    `TagFeature` value) and the evidence staff see. An open one is rescored each run; once
    approved or rejected it is kept as it was reviewed (a rejection teaches the ranking)."""

    tag = models.CharField(max_length=100)
    score = models.FloatField()
    features = models.JSONField(default=dict)
    # {"blocked_tags": [[tag, posts], ...], "post_ids": [...], "account_ids": [...],
    #  "posts": int, "blocked_posts": int, "removed_posts": int, "accounts": int}
    evidence = models.JSONField(default=dict)
    support = models.BigIntegerField(default=0)  # posts also carrying a blocked tag, when scored
    state = models.CharField(
        max_length=10, choices=SuggestionState.choices, default=SuggestionState.OPEN
    )
    created_at = models.DateTimeField()
    scored_at = models.DateTimeField()
    reviewed_by = models.CharField(max_length=200, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    rule_id = models.BigIntegerField(null=True, blank=True)  # the term rule an approval made

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tag"],
                condition=models.Q(state="open"),
                name="disc_suggestion_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["state", "-score"], name="disc_suggestion_state_score"),
            models.Index(fields=["tag", "state"], name="disc_suggestion_tag_state"),
        ]
        permissions = [
            ("view_discovery", "See suggested tags and accounts found"),
            ("review_suggestions", "Approve or reject suggested tags"),
        ]

    def __str__(self) -> str:
        return f"{self.state} #{self.tag} {self.score:.3f}"


class RankingModel(models.Model):
    """The weights that combine a candidate's features, learnt from staff's reviews (one row
    per ranking, `name` "tags"): a bounded online logistic regression over the features."""

    name = models.CharField(max_length=20, unique=True)
    weights = models.JSONField(default=dict)  # TagFeature value -> weight
    bias = models.FloatField(default=0.0)
    labels = models.IntegerField(default=0)  # reviews learnt from
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.labels} labels)"


class AccountLead(models.Model):
    """An account found close to blocked tags and removed content, with its features (each
    0..1, by `AccountFeature` value) and evidence; `case_id` is the review case opened for it
    (the case's public id, "" while it ranks below the cut)."""

    account_id = models.CharField(max_length=200, unique=True)
    score = models.FloatField()
    features = models.JSONField(default=dict)
    # {"blocked_tags": [[tag, uses], ...], "post_ids": [...], "removed_post_ids": [...],
    #  "blocked_uploads": int, "solicitation_post_ids": [...], "created_at": iso | null}
    evidence = models.JSONField(default=dict)
    scored_at = models.DateTimeField()
    case_id = models.CharField(max_length=40, blank=True)
    case_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["-score"], name="disc_lead_score")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.score:.3f}"
