"""A picture is served while a public story shows it, and from nowhere else.

Renditions are files served without Django (WhiteNoise, the web server, a
bucket behind a CDN), so "not served" means deleted: when a story is killed,
withheld or held, each picture it used that no public story still shows
loses its renditions (their URLs answer 410, site/views: `gone`) and the CDN
is told to drop them. The agency's original is kept (never served), so a
story restored by an editor shows its picture again, rendered anew.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from wiredesk.stories.models import Story

from . import files
from .models import Picture, StoryPicture
from .signals import pictures_withdrawn

log = logging.getLogger("wiredesk.pictures")


def is_public(digest: str) -> bool:
    """Return True when a public story shows a live picture with these bytes."""
    return (
        StoryPicture.objects.filter(
            picture__sha256=digest, current=True, story__state=Story.State.PUBLISHED
        )
        .exclude(picture__state=Picture.State.KILLED)
        .exists()
    )


def sync_files(digest: str) -> None:
    """Serve the renditions of `digest` if a public story shows it, else delete them."""
    if not digest:
        return
    from . import images  # Pillow: only where a picture is rendered again, never in page views

    pictures = Picture.objects.filter(sha256=digest)
    if is_public(digest):
        if not files.has_renditions(digest):
            first = pictures.exclude(state=Picture.State.KILLED).first()
            original = files.load_original(digest, images.extension(first.mime)) if first else None
            if original is None:
                log.error("picture %s: no original kept to render again", digest)
                return
            files.save_renditions(digest, images.render(original).files)
        pictures.filter(state=Picture.State.WITHDRAWN).update(state=Picture.State.READY)
        return
    deleted = files.delete_renditions(digest)
    pictures.filter(state=Picture.State.READY).update(state=Picture.State.WITHDRAWN)
    if deleted:
        _purge(digest)


def _purge(digest: str) -> None:
    # The CDN drops the answers tagged with the picture's key, as for story pages
    # (a receiver: pictures never import the site).
    pictures_withdrawn.send(Picture, keys=[f"picture-{digest}"])


def follow_story_changes(
    sender: object = None, stories: Iterable[Story] = (), change: str = "", **kwargs: object
) -> None:
    """Serve or withdraw the pictures of changed stories (a `stories_changed` receiver)."""
    ids = [story.pk for story in stories]
    digests = set(
        StoryPicture.objects.filter(story_id__in=ids)
        .exclude(picture__sha256="")
        .values_list("picture__sha256", flat=True)
    )
    for digest in digests:
        with transaction.atomic():
            sync_files(digest)
