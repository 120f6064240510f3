"""Quarantine: deliveries (or items in them) that could not be read, with bytes and reason."""

from django.conf import settings
from django.db import models

from wiredesk.sources.models import Feed


class Quarantine(models.Model):
    """A delivery the pipeline refused. Its bytes are kept so nothing is lost."""

    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.SET_NULL)
    origin = models.CharField(max_length=2000)
    received_at = models.DateTimeField()
    reason = models.TextField()
    item_id = models.CharField(max_length=512, blank=True, help_text="Set when one item failed.")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    data = models.BinaryField(help_text="Empty when the delivery was over the size limit.")
    # The same bytes refused again (a broken feed polled every minute) are
    # counted here, not stored again.
    repeats = models.PositiveIntegerField(default=1, help_text="Times these bytes were refused.")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Dealt with on the desk: retried (and stored) or dismissed, by whom and how.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(blank=True, db_default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "quarantine"
        indexes = [models.Index(fields=["feed", "sha256"], name="quarantine_feed_sha256")]

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


class TakenFile(models.Model):
    """A remote file a feed has taken and left on the agency's server (FTP/SFTP `after = remember`)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="taken_files")
    # Name, size and time as the server listed them: a re-upload is a new file.
    key = models.CharField(max_length=1200)
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feed", "key"], name="taken_file_once_per_feed")
        ]

    def __str__(self) -> str:
        return self.key.split("\x1f", 1)[0]
