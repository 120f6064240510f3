"""The lifecycle log: one append-only entry for each thing done to a story, by whom and why."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from wiredesk.sources.models import Agency, Feed
from wiredesk.wire.text import strip_controls

from .models import Delivery, LifecycleEvent, Story

# Who did a hand action: the request's user (the desk and the admin let only staff act),
# or None for a command run by the operator.
Editor: TypeAlias = AbstractBaseUser | AnonymousUser | None


def as_user(editor: Editor) -> User | None:
    """Return the editor as the user the log keeps (an operator's command has none)."""
    return editor if isinstance(editor, User) else None


def record(
    kind: str,
    actor: str,
    *,
    story: Story | None = None,
    agency: Agency | None = None,
    feed: Feed | None = None,
    delivery: Delivery | None = None,
    user: Editor = None,
    reason: str = "",
    at: datetime | None = None,
) -> LifecycleEvent:
    """Append one entry to the log (in the caller's transaction: it lands with the change)."""
    return LifecycleEvent.objects.create(
        at=at or timezone.now(),
        kind=kind,
        actor=actor[:300],
        story=story,
        agency=agency or (story.agency if story is not None else None),
        feed=feed,
        delivery=delivery,
        user=as_user(user),
        # An editor's words, as typed: a NUL among them is refused by
        # PostgreSQL and cannot be carried by XML; the rest is kept.
        reason=strip_controls(reason),
    )


def agency_actor(agency: Agency, feed: Feed | None) -> str:
    """Return who an agency's action came from, in words."""
    return f"agency {agency.name}" + (f" (feed {feed.slug})" if feed is not None else "")
