"""What an editor does to stories by hand: kill, withhold, restore.

Each goes through the same steps as the agency's own action (a hand kill is
`services._kill`, as a kill notice is): the story changes in one transaction,
the signals every surface listens to are sent once it commits (pages, lists,
feeds with their Atom tombstones, sitemaps, search, API, webhooks, IndexNow,
CDN purges), and the lifecycle log says who did it, when and why. A reason is
required: a takedown nobody can explain later is a liability.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .duplicates import elect_lead
from .events import record
from .models import LifecycleEvent, Story
from .search import index_stories, unindex_story
from .services import _kill, _send, _state_for

log = logging.getLogger("wiredesk.stories")


class ReasonRequired(ValueError):
    """A hand kill, withhold or restore was asked for without a reason."""


def _editor(user) -> str:
    return f"editor {user.get_username()}" if user is not None else "editor (unknown)"


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("say why: the reason is kept in the lifecycle log")
    return reason


def _locked(ids: Iterable[int]) -> list[Story]:
    return list(Story.objects.select_for_update().filter(pk__in=list(ids)).select_related("agency"))


def kill(ids: Iterable[int], user, reason: str, now: datetime | None = None) -> list[Story]:
    """Kill the stories for good (a legal takedown); return those this killed."""
    reason, now = _reason(reason), now or timezone.now()
    killed = []
    with transaction.atomic():
        for story in _locked(ids):
            if story.state == Story.State.KILLED:
                continue
            record(LifecycleEvent.Kind.KILLED, _editor(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            _kill(story, None, now, f"by {_editor(user)}: {reason}")
            killed.append(story)
    return killed


def withhold(ids: Iterable[int], user, reason: str, now: datetime | None = None) -> list[Story]:
    """Take the stories off every surface until an editor restores them; return those held."""
    reason, now = _reason(reason), now or timezone.now()
    held = []
    with transaction.atomic():
        for story in _locked(ids):
            if story.state == Story.State.KILLED or story.held_by_desk:
                continue
            story.held_by_desk = True
            story.state = Story.State.WITHHELD
            story.save(update_fields=["held_by_desk", "state"])
            unindex_story(story)
            if story.group_id:
                elect_lead(story.group_id)  # another agency's copy may lead the group now
            record(LifecycleEvent.Kind.WITHHELD, _editor(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            log.warning("withheld story=%s by %s: %s", story.pk, _editor(user), reason)
            _send("updated", story)
            held.append(story)
    return held


def restore(ids: Iterable[int], user, reason: str, now: datetime | None = None) -> list[Story]:
    """Put stories an editor withheld back, as their newest version says; return them."""
    reason, now = _reason(reason), now or timezone.now()
    restored = []
    with transaction.atomic():
        for story in _locked(ids):
            if not story.held_by_desk or story.state == Story.State.KILLED:
                continue
            current = story.versions.order_by("-effective_at", "-id").first()
            story.held_by_desk = False
            story.state = _state_for(current, now) if current else Story.State.PUBLISHED
            story.save(update_fields=["held_by_desk", "state"])
            if story.state == Story.State.PUBLISHED:
                index_stories([story])
            if story.group_id:
                elect_lead(story.group_id)
            record(LifecycleEvent.Kind.RESTORED, _editor(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            log.info("restored story=%s by %s: %s", story.pk, _editor(user), reason)
            _send("published" if story.state == Story.State.PUBLISHED else "updated", story)
            restored.append(story)
    return restored
