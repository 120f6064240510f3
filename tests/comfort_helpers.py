"""Stories on the wire for the desk's shortcuts, bulk actions and "being edited by" tests."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story

from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
# Unlike events, so that no two are grouped as near-duplicates.
EVENTS = [
    ("Monsoon withdraws from north India", "The monsoon has withdrawn from the plains."),
    ("Quake shakes the capital", "A strong earthquake shook buildings across the city."),
    ("Rupee slips against the dollar", "The currency fell in early trade on oil prices."),
    ("Court reserves verdict in land case", "Judges heard the final arguments on Tuesday."),
]
GROUP = {"viewer": "Viewers", "duty editor": "Duty editors"}


def stories(feed: Feed, n: int, publishing: str = "agency") -> list[Story]:
    """Ingest `n` unlike stories through `feed` under its `publishing` policy; return them."""
    Feed.objects.filter(pk=feed.pk).update(publishing=publishing, publish_delay_minutes=30)
    feed = Feed.objects.select_related("agency").get(pk=feed.pk)  # as the poller reads it
    made = []
    for i, (headline, text) in enumerate(EVENTS[:n]):
        guid = f"urn:comfort:{feed.slug}:{i}"
        ingest_bytes(feed, g2_item(guid, 1, T0, headline=headline, paragraphs=(text,)), "x.xml")
        made.append(Story.objects.get(item_id=guid))
    return made


def person(role: str, name: str | None = None):
    """Return a new user of `role`: "viewer", "duty editor", "not staff" or "anonymous" (None)."""
    if role == "anonymous":
        return None
    user = get_user_model().objects.create_user(name or role.replace(" ", "-"), is_staff=True)
    if role == "not staff":  # a duty editor's group does not make a reader an editor
        user.is_staff = False
        user.save()
        role = "duty editor"
    user.groups.add(Group.objects.get(name=GROUP[role]))
    return user
