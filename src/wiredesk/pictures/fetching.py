"""Get a picture's bytes: over the outbound policy, or from beside a watch-folder delivery."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from wiredesk.transports.outbound import OutboundPolicy, Refused, fetch

from .models import Picture


def _beside(picture: Picture) -> bytes:
    """Return a file a folder delivery names (`photo.jpg`), never one outside the folder."""
    limit = settings.WIREDESK.pictures.max_bytes
    feed = picture.feed
    if feed is None or not feed.transport_class.local or not feed.location:
        raise Refused(f"{picture.href[:200]!r} is not a usable URL: only http and https")
    root = Path(feed.location).resolve()
    path = (root / picture.href).resolve()
    if root not in path.parents:
        raise Refused(f"{picture.href[:200]!r} is outside the feed's folder")
    for candidate in (path, *(root / sub / picture.href for sub in ("processed", "pictures"))):
        candidate = candidate.resolve()
        if root in candidate.parents and candidate.is_file():
            size = candidate.stat().st_size
            if size > limit:
                raise Refused(f"picture is {size:,} bytes, over the {limit:,}-byte limit")
            return candidate.read_bytes()
    raise Refused(f"no file {picture.href[:200]!r} beside the delivery in {feed.location}")


def fetch_picture(picture: Picture) -> bytes:
    """Return the bytes of `picture`, or raise Refused saying why they cannot be had."""
    href = picture.href.strip()
    if "://" not in href and not href.startswith("//"):
        return _beside(picture)
    options = settings.WIREDESK.pictures
    policy = OutboundPolicy(
        allowed_hosts=picture.feed.allowed_hosts if picture.feed else frozenset(),
        max_bytes=options.max_bytes,
        deadline_seconds=options.deadline_seconds,
    )
    body, _ = fetch(href, policy, settings.WIREDESK.site.user_agent)
    return body
