"""What an editor does to stories by hand: kill, withhold, restore, hold,
release, correct, accept, reject.

Whether an action applies to a story, and its state after, is a rule
(`rules.decide_hand`); each goes through the same steps as the agency's own action (a hand kill is
`transitions.kill_story`, as a kill notice is): the story changes in one transaction,
the signals every surface listens to are sent once it commits (pages, lists,
feeds with their Atom tombstones, sitemaps, search, API, webhooks, IndexNow,
CDN purges), and the lifecycle log says who did it, when and why. A reason is
required for all but a release: a takedown nobody can explain later is a
liability.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wiredesk.wire.text import clean_line, make_teaser, strip_controls, text_to_html

from . import rules
from .duplicates import elect_lead
from .events import record
from .models import LifecycleEvent, Section, Story, StoryVersion
from .storage import search_index
from .transitions import (
    CURRENT_FIELDS,
    announce,
    kill_story,
    known_of,
    make_current,
    mark_public,
    newest_agency_version,
    slug_of,
)

log = logging.getLogger("wiredesk.stories")


class ReasonRequired(ValueError):
    """A hand kill, withhold or restore was asked for without a reason."""


def editor_name(user) -> str:
    """Return who an editor is, in the lifecycle log's words."""
    return f"editor {user.get_username()}" if user is not None else "editor (unknown)"


def required_reason(reason: str, action: str = rules.Action.KILL) -> str:
    """Return the reason stripped; raise ReasonRequired when `action` needs one and it is blank."""
    reason = strip_controls(reason or "").strip()
    if not reason and action in rules.REASON_REQUIRED:
        raise ReasonRequired("say why: the reason is kept in the lifecycle log")
    return reason


def _locked(ids: Iterable[int]) -> list[Story]:
    return list(Story.objects.select_for_update().filter(pk__in=list(ids)).select_related("agency"))


def _decide(action: str, story: Story, now: datetime) -> rules.HandDecision:
    """Ask the rules what `action` does to `story` (its agency's newest version read only when needed)."""
    needs_newest = action in (rules.Action.RESTORE, rules.Action.RELEASE, rules.Action.ACCEPT)
    newest = newest_agency_version(story) if needs_newest else None
    return rules.decide_hand(action, known_of(story, newest, now))


def _apply(story: Story, known: rules.Known, now: datetime) -> None:
    story.state = known.state
    story.held_by_desk = known.held_by_desk
    story.held_for_editor = known.held_for_editor
    story.corrected_by_desk = known.corrected_by_desk
    story.release_at = known.release_at
    mark_public(story, now)


# What a hand action that changes a story's state saves.
STATE_FIELDS = ["state", "held_by_desk", "held_for_editor", "release_at", "published_at"]


def kill(ids: Iterable[int], user, reason: str, now: datetime | None = None) -> list[Story]:
    """Kill the stories for good (a legal takedown); return those this killed."""
    reason, now = required_reason(reason), now or timezone.now()
    killed = []
    with transaction.atomic():
        for story in _locked(ids):
            if not _decide(rules.Action.KILL, story, now).applies:
                continue
            record(LifecycleEvent.Kind.KILLED, editor_name(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            kill_story(story, None, now, f"by {editor_name(user)}: {reason}")
            killed.append(story)
    return killed


def withhold(ids: Iterable[int], user, reason: str, now: datetime | None = None) -> list[Story]:
    """Take the stories off every surface until an editor restores them; return those held."""
    return _change_state(rules.Action.WITHHOLD, LifecycleEvent.Kind.WITHHELD, ids, user, reason,
                         now)  # fmt: skip


def restore(ids: Iterable[int], user, reason: str, now: datetime | None = None) -> list[Story]:
    """Put stories an editor withheld back, as their newest version says; return them."""
    return _change_state(rules.Action.RESTORE, LifecycleEvent.Kind.RESTORED, ids, user, reason,
                         now)  # fmt: skip


def hold(ids: Iterable[int], user, reason: str, now: datetime | None = None) -> list[Story]:
    """Keep stories not yet public (under embargo, withheld by the agency, or waiting for
    their feed's publishing delay) from going public on their own, whatever the agency
    sends, until an editor releases them; return those held."""
    return _change_state(rules.Action.HOLD, LifecycleEvent.Kind.ON_HOLD, ids, user, reason, now)


def release(
    ids: Iterable[int],
    user,
    reason: str = "",
    now: datetime | None = None,
    actor: str | None = None,
    due_only: bool = False,
) -> list[Story]:
    """Let held stories go as their agency's newest version says (public now, or at the
    end of its embargo); return them.

    `actor` names who, when not an editor (a feed's publishing delay); with
    `due_only`, only stories whose delay is over (an editor may have held one
    meanwhile).
    """
    return _change_state(rules.Action.RELEASE, LifecycleEvent.Kind.RELEASED, ids, user, reason,
                         now, actor, due_only)  # fmt: skip


def _change_state(
    action: str,
    kind: str,
    ids: Iterable[int],
    user,
    reason: str,
    now: datetime | None,
    actor: str | None = None,
    due_only: bool = False,
) -> list[Story]:
    """Apply a hand action that moves stories between states, the same steps for each:
    ask the rules, save, search index and group lead, log, announce. Return those changed."""
    reason, now = required_reason(reason, action), now or timezone.now()
    who = actor or editor_name(user)
    changed = []
    with transaction.atomic():
        for story in _locked(ids):
            if due_only and (story.release_at is None or story.release_at > now):
                continue
            decision = _decide(action, story, now)
            if not decision.applies:
                continue
            was_public = story.state == Story.State.PUBLISHED
            _apply(story, decision.known, now)
            fields = STATE_FIELDS
            if action == rules.Action.RELEASE and story.state == Story.State.PUBLISHED:
                # Never public before: it is published now, and dated so.
                story.first_published_at = story.modified_at = max(now, story.modified_at)
                fields = [*STATE_FIELDS, "first_published_at", "modified_at"]
            story.save(update_fields=fields)
            public = story.state == Story.State.PUBLISHED
            if public:
                search_index.add([story])
            else:
                search_index.remove(story)
            if story.group_id:
                elect_lead(story.group_id)  # another agency's copy may lead the group now
            record(kind, who, story=story, user=user, reason=reason, at=now)
            log.log(logging.WARNING if not public else logging.INFO, "%s story=%s by %s: %s",
                    kind, story.pk, who, reason)  # fmt: skip
            announce("published" if public and not was_public else "updated", story)
            changed.append(story)
    return changed


def set_sections(story_id: int, user, slugs: Iterable[str], reason: str = "",
                 now: datetime | None = None) -> Story:  # fmt: skip
    """Put a story in exactly these sections, by hand: routing rules leave it alone after."""
    now = now or timezone.now()
    with transaction.atomic():
        [story] = _locked([story_id])
        known = set(Section.objects.filter(slug__in=list(slugs)).values_list("slug", flat=True))
        chosen = f"|{'|'.join(sorted(known))}|" if known else ""
        if chosen == story.sections and story.sections_by_desk:
            return story
        was = story.sections.strip("|").replace("|", ", ") or "none"
        story.sections, story.sections_by_desk = chosen, True
        story.save(update_fields=["sections", "sections_by_desk"])
        now_in = chosen.strip("|").replace("|", ", ") or "none"
        record(LifecycleEvent.Kind.SECTIONED, editor_name(user), story=story, user=user, at=now,
               reason=f"{was} -> {now_in}" + (f": {reason.strip()}" if reason.strip() else ""))  # fmt: skip
        announce("updated", story)
    return story


class NothingToCorrect(ValueError):
    """A correction that changes no word."""


def _lf(text: str) -> str:
    # A browser's textarea sends CRLF line ends; the stored text keeps LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _cleaned(name: str, value: str) -> str:
    """Return a corrected field cleaned as the agency's words are at ingest
    (wire/normalize.py): without what text cannot carry (controls such as NUL, VT
    or ESC, noncharacters such as U+FFFE), a headline or byline on one line."""
    if name == "body_text":
        return strip_controls(_lf(value))
    return clean_line(value)


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
    reason, now = required_reason(reason), now or timezone.now()
    with transaction.atomic():
        [story] = _locked([story_id])
        if not _decide(rules.Action.CORRECT, story, now).applies:
            raise NothingToCorrect("a killed story cannot be corrected")
        current = story.versions.order_by("-effective_at", "-id").first()
        changes = {}
        for name, value in (("headline", headline), ("byline", byline), ("body_text", body_text)):
            cleaned = _cleaned(name, value) if value is not None else ""
            if cleaned.strip() and cleaned != getattr(story, name):
                changes[name] = cleaned
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
            search_index.add([story])
        what = ", ".join(sorted(changes)).replace("body_text", "text")
        record(LifecycleEvent.Kind.CORRECTED, editor_name(user), story=story, user=user, at=now,
               reason=f"{reason} (changed: {what})")  # fmt: skip
        log.warning("corrected story=%s by %s (%s): %s", story.pk, editor_name(user), what, reason)
        announce("updated", story)
    return version


def accept_agency(
    ids: Iterable[int], user, reason: str, now: datetime | None = None
) -> list[Story]:
    """Drop the desk's correction: show the agency's newest version again; return the stories."""
    reason, now = required_reason(reason), now or timezone.now()
    accepted = []
    with transaction.atomic():
        for story in _locked(ids):
            newest = newest_agency_version(story)
            decision = rules.decide_hand(rules.Action.ACCEPT, known_of(story, newest, now))
            if not decision.applies:
                continue  # a kill is final: nothing comes back
            story.corrected_by_desk = False
            if newest is not None:
                make_current(story, newest, now)
            _apply(story, decision.known, now)
            story.save()
            if story.state == Story.State.PUBLISHED:
                search_index.add([story])
            record(LifecycleEvent.Kind.ACCEPTED, editor_name(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            announce("updated", story)
            accepted.append(story)
    return accepted


def reject_agency(
    ids: Iterable[int], user, reason: str, now: datetime | None = None
) -> list[Story]:
    """Keep the desk's correction over the agency's held versions, and say so; return them."""
    reason, now = required_reason(reason), now or timezone.now()
    rejected = []
    with transaction.atomic():
        for story in _locked(ids):
            if not _decide(rules.Action.REJECT, story, now).applies:
                continue
            record(LifecycleEvent.Kind.REJECTED, editor_name(user), story=story, user=user,
                   reason=reason, at=now)  # fmt: skip
            rejected.append(story)
    return rejected
