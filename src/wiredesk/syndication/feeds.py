"""Site-wide, agency, topic and section feeds on django.contrib.syndication, through the
story selectors."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Enclosure
from django.utils.html import escape
from django.utils.http import http_date

from wiredesk.pictures.selectors import lead_picture_token, lead_pictures
from wiredesk.sources.models import Agency
from wiredesk.stories.models import Section, Story
from wiredesk.stories.selectors import in_section, visible_stories, with_topic
from wiredesk.stories.storage.prepared import Prepared

from .fragments import frames, store
from .generators import AtomFeed, JsonFeed, KeptItems, RssFeed

FEED_SIZE = 50
# What an item is made of, besides its lead picture: a change to any of these
# renders it again (a new version, a desk correction, a new headline, the
# agency's byline or disclaimer). Read for every request, so small columns only.
VERSION_COLUMNS = ("pk", "modified_at", "version_count", "slug", "headline", "agency_id")
TOMBSTONE_DAYS = 2


@dataclass(frozen=True)
class Listing:
    """What a feed lists: every story, an agency's, a topic's or a section's."""

    name: str  # "" for the whole site
    path: str  # its page, "/agency/ians/"; its feeds are beside it
    agency: Agency | None = None
    topic: str = ""
    section: str = ""
    # Filled for one request by StoryFeed.__call__: the stories whose items
    # must be rendered (the others are kept), the newest change listed, the kills.
    stories: tuple[Story, ...] = ()
    latest: datetime | None = None
    tombstones: tuple[tuple[int, datetime], ...] = ()  # (id, killed at) of recent kills

    @property
    def scope(self) -> tuple[int | None, str, str]:
        return (self.agency.pk if self.agency else None, self.topic, self.section)

    @property
    def feeds_path(self) -> str:
        return "/feeds/" if self.path == "/" else self.path


def narrowed(stories: QuerySet[Story], scope: tuple[int | None, str, str]) -> QuerySet[Story]:
    """Return the stories of `stories` a listing's scope (agency id, topic, section) takes."""
    agency_id, topic, section = scope
    if agency_id is not None:
        return stories.filter(agency_id=agency_id)
    if topic:
        return with_topic(stories, topic)
    if section:
        return in_section(stories, section)
    return stories


# Asked at every feed request: compiled once (stories/storage/prepared.py).
listed_versions = Prepared(
    lambda scope, now: (
        narrowed(visible_stories(now), scope)
        .annotate(lead=lead_picture_token())
        .values_list(*VERSION_COLUMNS, "lead")[:FEED_SIZE]
    )
)
agency_signatures = Prepared(
    lambda key, now: Agency.objects.order_by().values_list("pk", "byline", "disclaimer")
)
recent_kills = Prepared(
    lambda scope, since: (
        narrowed(Story.objects.filter(state=Story.State.KILLED, killed_at__gte=since), scope)
        .order_by("-killed_at")
        .values_list("pk", "killed_at")[:FEED_SIZE]
    )
)


def story_id(story_pk: int) -> str:
    """Return a story's stable feed id: its short URL, which never changes or is reused."""
    return f"{settings.WIREDESK['SITE_URL']}/story/{story_pk}/"


class StoryFeed(Feed):
    """The latest stories, newest first: the whole site's, or one `Listing`'s."""

    feed_type: type[KeptItems] = RssFeed
    suffix = "rss.xml"

    def get_object(self, request, slug: str | None = None, topic: str | None = None,
                   section: str | None = None) -> Listing:  # fmt: skip
        if topic:
            return Listing(topic.replace("-", " ").title(), f"/topic/{topic}/", topic=topic)
        if section:
            found = get_object_or_404(Section, slug=section)
            return Listing(found.name, f"/section/{found.slug}/", section=found.slug)
        if slug:
            agency = get_object_or_404(Agency, slug=slug)
            return Listing(agency.name, f"/agency/{agency.slug}/", agency=agency)
        return Listing("", "/")

    def title(self, listing: Listing):
        name = settings.WIREDESK["SITE_NAME"]
        return f"{listing.name} · {name}" if listing.name else name

    def link(self, listing: Listing):
        return listing.path

    def description(self, listing: Listing):
        return settings.WIREDESK["SITE_DESCRIPTION"]

    def feed_url(self, listing: Listing):
        return f"{settings.WIREDESK['SITE_URL']}{listing.feeds_path}{self.suffix}"

    def feed_extra_kwargs(self, listing: Listing):
        return {
            "hub": settings.WIREDESK.get("WEBSUB_HUB"),
            "tombstones": [
                {"id": story_id(pk), "when": when, "link": story_id(pk)}
                for pk, when in listing.tombstones
            ],
            "latest": timezone.localtime(listing.latest) if listing.latest else None,
        }

    def __call__(self, request, *args, **kwargs) -> HttpResponse:
        """Answer the feed: kept items and frame as they were, the rest rendered now.

        Reads the listed stories' keys (one small row each), the agencies'
        bylines and the recent kills; renders, through Django's feed code, only
        the items not yet kept, and the frame around them (the channel or feed
        head, Atom's tombstones) only when something it shows changed.
        """
        try:
            listing = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404("Feed object does not exist.") from exc
        now = timezone.now()
        rows = listed_versions.rows(listing.scope, now, convert=False)
        agencies = {pk: words for pk, *words in agency_signatures.rows(None, now, convert=False)}
        keys = [(self.feed_type, *row, *agencies.get(row[5], ())) for row in rows]
        kept = [store.get(key) for key in keys]
        # The newest change listed (the driver's times of one engine compare alike).
        newest = max(rows, key=lambda row: row[1], default=None)
        latest = listed_versions.convert_row(listing.scope, newest)[1] if newest else None
        since = now - timedelta(days=TOMBSTONE_DAYS)
        listing = replace(listing, latest=latest,
                          tombstones=tuple(recent_kills.rows(listing.scope, since)))  # fmt: skip
        site = settings.WIREDESK
        frame_key = (self.feed_type, listing, site["SITE_URL"], site["SITE_NAME"],
                     site["SITE_DESCRIPTION"], site.get("WEBSUB_HUB"))  # fmt: skip
        frame = frames.get(frame_key)
        if frame is None or None in kept:
            feed = self._render(listing, request, keys, kept)
            frame = feed.frame()
            frames.put(frame_key, frame)
        head, tail = frame
        body = head + self.feed_type.item_separator.join(t for t in kept if t is not None) + tail
        response = HttpResponse(body, content_type=self.feed_type.content_type)
        stamp = timezone.localtime(latest) if latest else now
        response.headers["Last-Modified"] = http_date(stamp.timestamp())
        return response

    def _render(self, listing: Listing, request, keys: list[tuple], kept: list) -> KeptItems:
        """Render the items not kept (filling `kept` in place) and return the writer."""
        missing = [key[1] for key, text in zip(keys, kept, strict=True) if text is None]
        by_id = visible_stories().in_bulk(missing) if missing else {}
        stories = [by_id[pk] for pk in missing if pk in by_id]
        leads = lead_pictures(by_id) if by_id else {}
        for story in stories:
            story.lead_picture = leads.get(story.pk)  # type: ignore[attr-defined]
        feed = cast(KeptItems, self.get_feed(replace(listing, stories=tuple(stories)), request))
        rendered = {story.pk: feed.render_item(item)
                    for story, item in zip(stories, feed.items, strict=True)}  # fmt: skip
        for n, key in enumerate(keys):
            if kept[n] is None and key[1] in rendered:  # else gone since the first read
                kept[n] = rendered[key[1]]
                store.put(key, kept[n])
        return feed

    def items(self, listing: Listing):
        return listing.stories

    def item_enclosures(self, story):
        # RSS <enclosure> and Atom <link rel="enclosure">: the lead picture, widest JPEG.
        picture = story.lead_picture
        if picture is None:
            return []
        return [Enclosure(picture.large, str(picture.large_bytes), "image/jpeg")]

    def item_title(self, story):
        return story.headline

    def item_description(self, story):
        # RSS <description> and Atom <summary type="html"> carry HTML: the plain
        # teaser is escaped for HTML here, and again for XML by the writer, so
        # agency text that mentions "<script>" stays text in every reader.
        return escape(story.teaser)

    def item_link(self, story):
        return story.get_absolute_url()

    def item_guid(self, story):
        return story_id(story.pk)

    # Times in the site's zone, as on the pages (RFC 3339 / RFC 822 with its offset).
    def item_pubdate(self, story):
        return timezone.localtime(story.first_published_at)

    def item_updateddate(self, story):
        return timezone.localtime(story.modified_at)

    def item_author_name(self, story):
        return story.display_byline

    def item_categories(self, story):
        return [s["name"] for s in story.subjects if s.get("name")]

    def item_extra_kwargs(self, story):
        disclaimer = f"<p><em>{escape(story.agency.disclaimer)}</em></p>"
        picture = story.lead_picture
        return {
            "content_html": story.body_html + disclaimer,
            "summary_text": story.teaser,
            "picture": {"url": picture.large, "width": picture.large_size[0],
                        "height": picture.large_size[1], "caption": picture.caption,
                        "credit": picture.shown_credit} if picture else None,
        }  # fmt: skip


class AtomStoryFeed(StoryFeed):
    feed_type = AtomFeed
    suffix = "atom.xml"

    def subtitle(self, listing: Listing):
        return self.description(listing)


class JsonStoryFeed(StoryFeed):
    feed_type = JsonFeed
    suffix = "feed.json"
