"""Platform subjects: the media a platform scanned, kept as hashes so sweeps can find copies."""

from __future__ import annotations

from django.db import models


class PlatformMedia(models.Model):
    """A platform's media item, identified by the platform's own id; bytes are never kept."""

    media_id = models.CharField(max_length=200, unique=True)
    post_id = models.CharField(max_length=200, blank=True, db_index=True)
    account_id = models.CharField(max_length=200, blank=True, db_index=True)
    media_type = models.CharField(max_length=8)
    format = models.CharField(max_length=16, blank=True)
    md5 = models.CharField(max_length=32, db_index=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    pdq = models.CharField(max_length=64, blank=True, db_index=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    vpdq = models.JSONField(default=list, blank=True)
    verdict = models.CharField(max_length=8)
    first_scanned_at = models.DateTimeField(auto_now_add=True)
    last_scanned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "platform media"

    def __str__(self) -> str:
        return self.media_id
