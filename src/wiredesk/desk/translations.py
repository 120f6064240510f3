"""The desk's "same story in another language" form: an editor links two stories as
translations of one another (site/translations.py), or takes one out of its group."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from wiredesk.site import translations
from wiredesk.site.request_guard import whole_number
from wiredesk.stories.editorial import editor_name
from wiredesk.stories.events import record
from wiredesk.stories.models import LifecycleEvent, Story
from wiredesk.syndication.outbox import queue_purge

from .views import desk_view

# The log's kind for a link or an unlink (docs/desk.md).
TRANSLATED = LifecycleEvent.Kind.TRANSLATED


def _purge(ids: list[int]) -> None:
    # Each page of the group names the others (hreflang): a CDN's copies go.
    if ids:
        queue_purge([f"story-{pk}" for pk in ids], ids)


@desk_view("stories.change_story")
@require_POST
def story_translation(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a story to another in another language by its number, or unlink it; logged."""
    story = get_object_or_404(Story, pk=pk)
    who = editor_name(request.user)
    if request.POST.get("action") == "unlink":
        with transaction.atomic():
            ids = translations.unlink(story)
            if ids:
                record(TRANSLATED, who, story=story, user=request.user, reason="unlinked")
                _purge(ids)
        messages.success(request, "Taken out of its translations." if ids else "Not linked.")
        return redirect("desk:story", pk=story.pk)
    number = whole_number(request.POST.get("other", "").strip())
    other = Story.objects.filter(pk=number).first() if number else None
    if other is None or other.pk == story.pk:
        messages.error(request, "Give the number of another story.")
    elif (other.language or "").lower() == (story.language or "").lower():
        messages.error(request, f"Story {other.pk} is in this story's language.")
    else:
        with transaction.atomic():
            ids = translations.link(story, other, "desk")
            reason = f"the same story as {other.pk} ({other.language or 'site language'})"
            record(TRANSLATED, who, story=story, user=request.user, reason=reason)
            record(
                TRANSLATED, who, story=other, user=request.user, reason=f"the same story as {pk}"
            )
            _purge(ids)
        messages.success(request, f"Linked with story {other.pk}: each page names the other.")
    return redirect("desk:story", pk=story.pk)
