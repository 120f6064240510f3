"""What an editor does to stories by hand: kill, withhold, restore, correct, accept.

Each goes through the same steps as the agency's own action (a hand kill is
`transitions.kill_story`, as a kill notice is): the story changes in one transaction,
the signals every surface listens to are sent once it commits (pages, lists,
feeds with their Atom tombstones, sitemaps, search, API, webhooks, IndexNow,
CDN purges), and the lifecycle log says who did it, when and why. A reason is
required: a takedown nobody can explain later is a liability.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wiredesk.wire.text import make_teaser, text_to_html

from .duplicates import elect_lead
from .events import record
from .models import LifecycleEvent, Story, StoryVersion
from .search import index_stories, unindex_story
from .transitions import CURRENT_FIELDS, announce, kill_story, make_current, slug_of, state_for

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
            kill_story(story, None, now, f"by {_editor(user)}: {reason}")
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
            announce("updated", story)
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
            story.state = state_for(current, now) if current else Story.State.PUBLISHED
            story.save(update_fields=["held_by_desk", "state"])
            if story.state == Story.State.PUBLISHED:
                index_stories([story])
            if story.group_id:
                elect_lead(story.group_id)
            record(LifecycleEvent.Kind.RESTORED, _editor(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            log.info("restored story=%s by %s: %s", story.pk, _editor(user), reason)
            announce("published" if story.state == Story.State.PUBLISHED else "updated", story)
            restored.append(story)
    return restored


class NothingToCorrect(ValueError):
    """A correction that changes no word."""


def _lf(text: str) -> str:
    # A browser's textarea sends CRLF line ends; the stored text keeps LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def correct(
    story_id: int,
    user,
    reason: str,
    headline: str | None = None,
    byline: str | None = None,
    body_text: str | None = None,
    now: datetime | None = None,
) -> StoryVersion:
    """Make a version of the desk's own with the changed words; return it.

    Shown as the desk's on the versions page, with the editor's reason and what
    changed against the agency's words; the story's page says it was corrected.
    The agency's later versions are kept for an editor to accept.
    """
    reason, now = _reason(reason), now or timezone.now()
    with transaction.atomic():
        [story] = _locked([story_id])
        if story.state == Story.State.KILLED:
            raise NothingToCorrect("a killed story cannot be corrected")
        current = story.versions.order_by("-effective_at", "-id").first()
        changes = {}
        for name, value in (("headline", headline), ("byline", byline), ("body_text", body_text)):
            if value is not None and _lf(value).strip() and _lf(value) != getattr(story, name):
                changes[name] = _lf(value).strip() if name != "body_text" else _lf(value)
        if not changes:
            raise NothingToCorrect("nothing changed: the words are the agency's")
        fields = {name: getattr(story, name) for name in CURRENT_FIELDS} | changes
        if "body_text" in changes:
            fields["body_html"] = text_to_html(changes["body_text"])
            fields["teaser"] = make_teaser(changes["body_text"], settings.WIREDESK["TEASER_CHARS"])
        count = story.versions.filter(delivery=None).count()
        version = StoryVersion.objects.create(
            story=story, version=f"desk-{count + 1}", delivery=None, edited_by=user,
            edit_reason=reason, received_at=now, effective_at=now, format="desk",
            pub_status="usable", signal="correction",
            first_created=current.first_created if current else None,
            version_created=now, urgency=current.urgency if current else None,
            creditline=current.creditline if current else "",
            text_sha256=hashlib.sha256(fields["body_text"].encode()).hexdigest(), **fields,
        )  # fmt: skip
        for name, value in fields.items():
            setattr(story, name, value)
        story.slug = slug_of(story.headline)
        story.corrected_by_desk = True
        story.is_correction = True
        story.version_count += 1
        story.modified_at = now
        story.save()
        if story.state == Story.State.PUBLISHED:
            index_stories([story])
        what = ", ".join(sorted(changes)).replace("body_text", "text")
        record(LifecycleEvent.Kind.CORRECTED, _editor(user), story=story, user=user, at=now,
               reason=f"{reason} (changed: {what})")  # fmt: skip
        log.warning("corrected story=%s by %s (%s): %s", story.pk, _editor(user), what, reason)
        announce("updated", story)
    return version


def accept_agency(
    ids: Iterable[int], user, reason: str, now: datetime | None = None
) -> list[Story]:
    """Drop the desk's correction: show the agency's newest version again; return the stories."""
    reason, now = _reason(reason), now or timezone.now()
    accepted = []
    with transaction.atomic():
        for story in _locked(ids):
            if not story.corrected_by_desk or story.state == Story.State.KILLED:
                continue  # a kill is final: nothing comes back
            newest = (story.versions.exclude(delivery=None)
                      .order_by("-effective_at", "-id").first())  # fmt: skip
            story.corrected_by_desk = False
            if newest is not None:
                make_current(story, newest, now)
            if story.held_by_desk:
                story.state = Story.State.WITHHELD
            story.save()
            if story.state == Story.State.PUBLISHED:
                index_stories([story])
            record(LifecycleEvent.Kind.ACCEPTED, _editor(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            announce("updated", story)
            accepted.append(story)
    return accepted


def reject_agency(
    ids: Iterable[int], user, reason: str, now: datetime | None = None
) -> list[Story]:
    """Keep the desk's correction over the agency's held versions, and say so; return them."""
    reason, now = _reason(reason), now or timezone.now()
    rejected = []
    with transaction.atomic():
        for story in _locked(ids):
            if not story.corrected_by_desk or story.state == Story.State.KILLED:
                continue
            record(LifecycleEvent.Kind.REJECTED, _editor(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            rejected.append(story)
    return rejected
