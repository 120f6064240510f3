"""Pictures and the story versions that use them.

A `Picture` is one picture as an agency names it (its own id, else its
address): its words (caption, credit, copyright, byline, usage terms, kept
verbatim) and, once fetched, the hash of its bytes. Files are named by that
hash, so the same photo sent by two agencies, or in two versions, is stored
and rendered once (docs/design.md, "Pictures").
"""

from __future__ import annotations

from django.db import models

from wiredesk.sources.models import Agency, Feed
from wiredesk.stories.models import Story, StoryVersion


def credit_line(credit: str, byline: str, copyright: str) -> str:
    """Return the credit readers see: the agency's credit line, else byline and copyright."""
    return credit or " / ".join(part for part in (byline, copyright) if part)


class Picture(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "waiting to be fetched"
        READY = "ready", "served"
        FAILED = "failed", "could not be had (retried)"
        WITHDRAWN = "withdrawn", "no longer served (its stories are not public)"
        KILLED = "killed", "killed by the agency"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="pictures")
    identity = models.CharField(max_length=2000, help_text="The agency's id, else the address.")
    href = models.CharField(max_length=2000, help_text="Where it is fetched from.")
    # The feed it came through: its private hosts allowed, its folder's files beside.
    feed = models.ForeignKey(
        Feed, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.CharField(max_length=200, blank=True, default="", db_default="")
    caption = models.TextField(blank=True, default="", db_default="")
    alt = models.TextField(blank=True, default="", db_default="")
    credit = models.TextField(blank=True, default="", db_default="")
    copyright = models.TextField(blank=True, default="", db_default="")
    byline = models.TextField(blank=True, default="", db_default="")
    usage_terms = models.TextField(blank=True, default="", db_default="")
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING, db_default=State.PENDING
    )
    sha256 = models.CharField(max_length=64, blank=True, default="", db_default="", db_index=True)
    mime = models.CharField(max_length=32, blank=True, default="", db_default="")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    widths = models.JSONField(default=list, blank=True, db_default=[])
    # Bytes of the widest JPEG: the length of RSS's <enclosure>.
    large_bytes = models.PositiveIntegerField(null=True, blank=True)
    colour = models.CharField(max_length=7, blank=True, default="", db_default="")
    attempts = models.PositiveIntegerField(default=0, db_default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="", db_default="")
    # The pass fetching and rendering it (services.claim), and when that pass
    # last said it still was: a claim not renewed for services.CLAIM_SECONDS
    # was left by a pass that died, and the next pass takes the picture.
    claimed_by = models.CharField(max_length=100, blank=True, default="", db_default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "identity"], name="picture_unique_identity")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="picture_due")]

    def __str__(self) -> str:
        return self.caption[:80] or self.identity[:80]

    @property
    def shown_credit(self) -> str:
        return credit_line(self.credit, self.byline, self.copyright)


class StoryPicture(models.Model):
    """A picture as one version of a story uses it; `current` marks the story's shown ones."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="picture_links")
    version = models.ForeignKey(StoryVersion, on_delete=models.CASCADE, related_name="+")
    picture = models.ForeignKey(Picture, on_delete=models.CASCADE, related_name="uses")
    position = models.PositiveSmallIntegerField(default=0)
    current = models.BooleanField(default=True)

    class Meta:
        ordering = ["story", "position"]
        indexes = [models.Index(fields=["story", "current", "position"], name="storypicture_shown")]

    def __str__(self) -> str:
        return f"{self.story_id} #{self.position}: {self.picture_id}"
