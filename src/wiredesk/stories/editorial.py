"""What an editor does to stories by hand: kill, withhold, restore, hold,
release, correct, accept, reject.

Whether an action applies to a story, and its state after, is a rule
(`rules.decide_hand`). Each action is a small change passed to one function,
`_act`, that takes the same steps for all: the stories are locked and change in
one transaction, the search index and the group's lead follow (as for an
agency's kill: `transitions.elect_group_lead`), the signals every surface listens
to are sent once it commits (pages, lists, feeds with their Atom tombstones,
sitemaps, search, API, webhooks, IndexNow, CDN purges), and the lifecycle log
says who did it, when and why. A reason is required for all but a release: a
takedown nobody can explain later is a liability.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wiredesk.wire.cuts import make_teaser
from wiredesk.wire.text import clean_line, strip_controls, text_to_html

from . import rules
from .events import Editor, as_user, record
from .models import LifecycleEvent, Section, Story, StoryVersion
from .slugs import slug_of
from .storage import search_index
from .transitions import (
    CURRENT_FIELDS,
    announce_story,
    elect_group_lead,
    known_of,
    make_current,
    mark_public,
    newest_agency_version,
)

log = logging.getLogger("wiredesk.stories")


class ReasonRequired(ValueError):
    """A hand action that needs a reason (`rules.REASON_REQUIRED`: all but a release) had none."""


def editor_name(user: Editor) -> str:
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


# Hand actions the rules decide with the agency's newest version (read only for them).
NEEDS_NEWEST = frozenset({rules.Action.RESTORE, rules.Action.RELEASE, rules.Action.ACCEPT})


def _decide(action: str, story: Story, now: datetime) -> rules.HandDecision:
    """Ask the rules what `action` does to `story` (its agency's newest version read only when needed)."""
    newest = newest_agency_version(story) if action in NEEDS_NEWEST else None
    return rules.decide_hand(action, known_of(story, newest, now))


# What a hand action that changes a story's state saves.
STATE_FIELDS = ["state", "held_by_desk", "held_for_editor", "release_at", "published_at"]

# A change: given a story the rules let the action act on, what they decided of it,
# its agency's newest version (for the actions in NEEDS_NEWEST) and the time, set the
# story's fields and return those to save (None: every field; []: nothing changes).
Change = Callable[[Story, rules.Known, StoryVersion | None, datetime], list[str] | None]


def _set_state(
    story: Story, known: rules.Known, newest: StoryVersion | None, now: datetime
) -> list[str] | None:
    """The change of withhold, restore and hold: the state the rules decided."""
    story.state = known.state
    story.held_by_desk = known.held_by_desk
    story.held_for_editor = known.held_for_editor
    story.corrected_by_desk = known.corrected_by_desk
    story.release_at = known.release_at
    mark_public(story, now)
    return STATE_FIELDS


def _release(
    story: Story, known: rules.Known, newest: StoryVersion | None, now: datetime
) -> list[str] | None:
    """The change of a release: the state the rules decided, dated when it goes public."""
    fields = _set_state(story, known, newest, now)
    if story.state == Story.State.PUBLISHED:
        # Never public before: it is published now, and dated so.
        story.first_published_at = story.modified_at = max(now, story.modified_at)
        return [*STATE_FIELDS, "first_published_at", "modified_at"]
    return fields


def _kill_by_desk(note: str) -> Change:
    """Return the change of an editor's kill: gone for good, its 410 page saying
    the publisher withdrew it, with `note` (what readers may be told of why)."""

    def change(
        story: Story, known: rules.Known, newest: StoryVersion | None, now: datetime
    ) -> list[str] | None:
        story.state, story.killed_at = Story.State.KILLED, now
        story.killed_by_desk, story.withdrawn_note = True, strip_controls(note.strip())[:2000]
        return ["state", "killed_at", "killed_by_desk", "withdrawn_note"]

    return change


def _accept(
    story: Story, known: rules.Known, newest: StoryVersion | None, now: datetime
) -> list[str] | None:
    """The change of accepting the agency's version: its newest words shown again."""
    story.corrected_by_desk = False
    if newest is not None:
        make_current(story, newest, now)
    _set_state(story, known, newest, now)
    return None  # the words, slug, topics and dates too


def _nothing(
    story: Story, known: rules.Known, newest: StoryVersion | None, now: datetime
) -> list[str] | None:
    """The change of rejecting the agency's version: none, only the log says so."""
    return []


def _act(
    action: str,
    kind: str,
    change: Change,
    ids: Iterable[int],
    user: Editor,
    reason: str,
    now: datetime | None,
    actor: str | None = None,
    due_only: bool = False,
    refused: Callable[[], Exception] | None = None,
    noted: Callable[[], str] | None = None,
) -> list[Story]:
    """Apply a hand action to stories, the same steps for each: lock them, ask the rules,
    apply `change`, save, search index and group lead, log, announce. Return those it
    applied to.

    `actor` names who, when not an editor (a feed's publishing delay); with
    `due_only`, only stories whose publishing delay is over. `refused` makes the
    error raised when the rules refuse the action (else the story is passed over);
    `noted` adds what the change did to the logged reason.
    """
    reason, now = required_reason(reason, action), now or timezone.now()
    who = actor or editor_name(user)
    done = []
    with transaction.atomic():
        for story in _locked(ids):
            if due_only and (story.release_at is None or story.release_at > now):
                continue
            newest = newest_agency_version(story) if action in NEEDS_NEWEST else None
            decision = rules.decide_hand(action, known_of(story, newest, now))
            if not decision.applies:
                if refused is not None:
                    raise refused()
                continue  # a kill is final: nothing comes back
            was_public = story.state == Story.State.PUBLISHED
            fields = change(story, decision.known, newest, now)
            public = story.state == Story.State.PUBLISHED
            logged = f"{reason} ({noted()})" if noted is not None else reason
            record(kind, who, story=story, user=user, reason=logged, at=now)
            log.log(
                logging.WARNING if not public or noted is not None else logging.INFO,
                "%s story=%s by %s: %s",
                kind,
                story.pk,
                who,
                logged,
            )
            if fields == []:
                done.append(story)
                continue
            story.save(update_fields=fields)
            if public:
                search_index.add([story])
            else:
                search_index.remove(story)
            if story.group_id:
                elect_group_lead(story.group_id)  # another agency's copy may lead the group now
            if story.state == Story.State.KILLED:
                announce_story("killed", story)
            else:
                announce_story("published" if public and not was_public else "updated", story)
            done.append(story)
    return done


def kill(
    ids: Iterable[int],
    user: Editor,
    reason: str,
    now: datetime | None = None,
    note: str = "",
) -> list[Story]:
    """Kill the stories for good (a legal takedown); return those this killed.

    `reason` goes in the log; `note`, if any, is shown to readers on the 410 page.
    """
    change = _kill_by_desk(note)
    return _act(rules.Action.KILL, LifecycleEvent.Kind.KILLED, change, ids, user, reason, now)


def withhold(
    ids: Iterable[int], user: Editor, reason: str, now: datetime | None = None
) -> list[Story]:
    """Take the stories off every surface until an editor restores them; return those held."""
    return _act(
        rules.Action.WITHHOLD, LifecycleEvent.Kind.WITHHELD, _set_state, ids, user, reason, now
    )


def restore(
    ids: Iterable[int], user: Editor, reason: str, now: datetime | None = None
) -> list[Story]:
    """Put stories an editor withheld back, as their newest version says; return them."""
    return _act(
        rules.Action.RESTORE, LifecycleEvent.Kind.RESTORED, _set_state, ids, user, reason, now
    )


def hold(ids: Iterable[int], user: Editor, reason: str, now: datetime | None = None) -> list[Story]:
    """Keep stories not yet public (under embargo, withheld by the agency, or waiting for
    their feed's publishing delay) from going public on their own, whatever the agency
    sends, until an editor releases them; return those held."""
    return _act(rules.Action.HOLD, LifecycleEvent.Kind.ON_HOLD, _set_state, ids, user, reason, now)


def release(
    ids: Iterable[int],
    user: Editor,
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
    return _act(
        rules.Action.RELEASE,
        LifecycleEvent.Kind.RELEASED,
        _release,
        ids,
        user,
        reason,
        now,
        actor,
        due_only,
    )


def accept_agency(
    ids: Iterable[int], user: Editor, reason: str, now: datetime | None = None
) -> list[Story]:
    """Drop the desk's correction: show the agency's newest version again; return the stories."""
    return _act(rules.Action.ACCEPT, LifecycleEvent.Kind.ACCEPTED, _accept, ids, user, reason, now)


def reject_agency(
    ids: Iterable[int], user: Editor, reason: str, now: datetime | None = None
) -> list[Story]:
    """Keep the desk's correction over the agency's held versions, and say so; return them."""
    return _act(rules.Action.REJECT, LifecycleEvent.Kind.REJECTED, _nothing, ids, user, reason, now)


def set_sections(
    story_id: int, user: Editor, slugs: Iterable[str], reason: str = "", now: datetime | None = None
) -> Story:
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
        record(
            LifecycleEvent.Kind.SECTIONED,
            editor_name(user),
            story=story,
            user=user,
            at=now,
            reason=f"{was} -> {now_in}" + (f": {reason.strip()}" if reason.strip() else ""),
        )
        announce_story("updated", story)
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
    user: Editor,
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
    reason = required_reason(reason, rules.Action.CORRECT)
    made: list[StoryVersion] = []
    changed: list[str] = []

    def desk_version(
        story: Story, known: rules.Known, newest: StoryVersion | None, now: datetime
    ) -> list[str] | None:
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
            fields["teaser"] = make_teaser(
                changes["body_text"], settings.WIREDESK.site.teaser_chars
            )
        count = story.versions.filter(delivery=None).count()
        made.append(
            StoryVersion.objects.create(
                story=story,
                version=f"desk-{count + 1}",
                delivery=None,
                edited_by=as_user(user),
                edit_reason=reason,
                received_at=now,
                effective_at=now,
                format="desk",
                pub_status="usable",
                signal="correction",
                first_created=current.first_created if current else None,
                version_created=now,
                urgency=current.urgency if current else None,
                creditline=current.creditline if current else "",
                text_sha256=hashlib.sha256(fields["body_text"].encode()).hexdigest(),
                **fields,
            )
        )
        for name, value in fields.items():
            setattr(story, name, value)
        story.slug = slug_of(story.headline)
        story.corrected_by_desk = True
        story.is_correction = True
        story.version_count += 1
        story.modified_at = now
        changed[:] = sorted(name.replace("body_text", "text") for name in changes)
        return None  # every field: the words, the slug and the counts

    _act(
        rules.Action.CORRECT,
        LifecycleEvent.Kind.CORRECTED,
        desk_version,
        [story_id],
        user,
        reason,
        now,
        refused=lambda: NothingToCorrect("a killed story cannot be corrected"),
        noted=lambda: "changed: " + ", ".join(changed),
    )
    if not made:
        raise Story.DoesNotExist(f"no story {story_id}")
    return made[0]
