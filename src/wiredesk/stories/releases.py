"""What waited for its time goes public: ended embargoes, ended publishing delays.

Run every tick of the ingest loop (and by the Celery beat task), so a story
is public within a tick of its time (docs/design.md, lifecycle).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from . import editorial
from .events import record
from .models import LifecycleEvent, Story
from .transitions import announce_story

log = logging.getLogger("wiredesk.stories")


def release_embargoes(now: datetime) -> list[Story]:
    """Publish every story whose embargo has ended; return them."""
    released = []
    due = Story.objects.filter(state=Story.State.EMBARGOED, embargoed_until__lte=now)
    for story in due.select_related("agency"):
        with transaction.atomic():
            updated = Story.objects.filter(pk=story.pk, state=Story.State.EMBARGOED).update(
                state=Story.State.PUBLISHED, published_at=now
            )
            if updated:  # another node may have released it first
                story.state, story.published_at = Story.State.PUBLISHED, now
                released.append(story)
                log.info(
                    "embargo ended story=%s agency=%s item=%s",
                    story.pk,
                    story.agency.slug,
                    story.item_id,
                )
                record(
                    LifecycleEvent.Kind.EMBARGO_ENDED,
                    "embargo",
                    story=story,
                    at=now,
                    reason=f"embargoed until {story.embargoed_until:%Y-%m-%d %H:%M:%S %Z}",
                )
                announce_story("published", story)
    return released


def release_delayed(now: datetime) -> list[Story]:
    """Release every story its feed's publishing delay held, once the delay is over."""
    due = Story.objects.filter(state=Story.State.HELD, held_for_editor=True, release_at__lte=now)
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return []
    return editorial.release(
        ids,
        None,
        "the feed's publishing delay ended",
        now,
        actor="publishing policy",
        due_only=True,
    )


def release_due(now: datetime) -> list[Story]:
    """Publish what waited for its time: ended embargoes and ended publishing delays."""
    return release_embargoes(now) + release_delayed(now)
