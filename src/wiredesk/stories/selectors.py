"""Reads for stories. Every surface lists and finds stories through here, so no
surface can show what the lifecycle rules hide (killed, withheld, embargoed)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Story


def visible_stories(now: datetime | None = None) -> QuerySet[Story]:
    """Return the stories a reader may see now, newest first."""
    now = now or timezone.now()
    return (
        Story.objects.filter(state=Story.State.PUBLISHED)
        .filter(Q(embargoed_until__isnull=True) | Q(embargoed_until__lte=now))
        .select_related("agency")
        .order_by("-first_published_at", "-id")
    )


def story_for_page(pk: int, now: datetime | None = None) -> tuple[Story | None, str]:
    """Return (story, status): status is "ok", "gone" (killed) or "missing"."""
    story = Story.objects.select_related("agency").filter(pk=pk).first()
    if story is None:
        return None, "missing"
    if story.state == Story.State.KILLED:
        return story, "gone"
    if visible_stories(now).filter(pk=pk).exists():
        return story, "ok"
    return None, "missing"
