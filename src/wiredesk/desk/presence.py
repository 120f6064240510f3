"""Who else has a story's actions open: each editor's page says so every few seconds.

The story's page (desk/presence.js) posts a heartbeat while its actions are
shown; an editor who opens the same story sees "Being edited by ..." until the
other's heartbeats stop for `GONE`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST

from wiredesk.stories.models import Story

from .models import StoryPresence
from .saved_filters import editor
from .views import desk_view

BEAT = timedelta(seconds=15)  # how often an open page says it is still open
GONE = timedelta(seconds=45)  # three beats missed: the editor has left


def others(story_id: int, user_id: int, now: datetime) -> list[dict]:
    """Return the other editors with the story's actions open: who, and since when."""
    rows = (
        StoryPresence.objects.filter(story_id=story_id, last_seen__gte=now - GONE)
        .exclude(user_id=user_id)
        .select_related("user")
        .order_by("since", "id")
    )
    return [
        {
            "user": row.user.get_username(),
            "since": row.since.isoformat(),
            "at": date_format(timezone.localtime(row.since), "H:i T"),
        }
        for row in rows
    ]


def notice(editing: list[dict]) -> str:
    """Return the words shown: "Being edited by alice (since 03:12 UTC)", or nothing."""
    return "; ".join(f"Being edited by {e['user']} (since {e['at']})" for e in editing)


def beat(story_id: int, user_id: int, now: datetime) -> None:
    """Record that the editor has the story's actions open now (a new stay after `GONE`)."""
    seen = StoryPresence.objects.filter(story_id=story_id, user_id=user_id)
    if seen.filter(last_seen__gte=now - GONE).update(last_seen=now):
        return
    if seen.update(since=now, last_seen=now):
        return
    try:
        with transaction.atomic():
            StoryPresence.objects.create(
                story_id=story_id, user_id=user_id, since=now, last_seen=now
            )
    except IntegrityError:  # the same editor's other tab made it meanwhile
        seen.update(last_seen=now)


# Only those who may act on the story: a viewer reading it edits nothing.
@desk_view("stories.change_story")
@require_POST
def story_presence(request: HttpRequest, pk: int) -> JsonResponse:
    """Note this editor on the story (or their leaving, with `gone`); answer who else is on it."""
    story = get_object_or_404(Story.objects.only("id"), pk=pk)
    now = timezone.now()
    if request.POST.get("gone"):
        StoryPresence.objects.filter(story=story, user_id=editor(request)).delete()
    else:
        beat(story.pk, editor(request), now)
    # Stale rows of this story go as it is looked at; nothing else needs sweeping.
    StoryPresence.objects.filter(story=story, last_seen__lt=now - GONE).delete()
    editing = others(story.pk, editor(request), now)
    return JsonResponse(
        {"editing": editing, "notice": notice(editing), "beat": int(BEAT.total_seconds())}
    )
