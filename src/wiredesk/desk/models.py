"""The desk's own rows: an editor's saved wire filters, and who has a story's actions open."""

from __future__ import annotations

from django.conf import settings
from django.db import models

QUERY_MOST = 1000  # characters of a saved filter's query string, encoded


class SavedFilter(models.Model):
    """A wire filter an editor named, to open again in one click (their own: no one else sees it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_filters"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(
        max_length=QUERY_MOST, help_text="the wire's query string, filters only"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name


class StoryPresence(models.Model):
    """An editor with a story's actions open, as their page's heartbeat last said.

    A row, not a cache entry: without Redis each web process has a cache of its
    own, and two editors are seldom served by the same one.
    """

    story = models.ForeignKey("stories.Story", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "user"], name="story_presence_per_user")
        ]

    def __str__(self) -> str:
        return f"story {self.story_id}: {self.user_id} since {self.since:%H:%M}"
