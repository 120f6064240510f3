"""Site-wide, agency, topic and section feeds on django.contrib.syndication, through the
story selectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Enclosure, SyndicationFeed
from django.utils.html import escape

from wiredesk.pictures.selectors import lead_pictures
from wiredesk.sources.models import Agency
from wiredesk.stories.models import Section, Story
from wiredesk.stories.selectors import in_section, visible_stories, with_topic

from .generators import AtomFeed, JsonFeed, RssFeed

FEED_SIZE = 50
TOMBSTONE_DAYS = 2


@dataclass(frozen=True)
class Listing:
    """What a feed lists: every story, an agency's, a topic's or a section's."""

    name: str  # "" for the whole site
    path: str  # its page, "/agency/ians/"; its feeds are beside it
    agency: Agency | None = None
    topic: str = ""
    section: str = ""

    def narrow(self, stories: QuerySet[Story]) -> QuerySet[Story]:
        if self.agency is not None:
            return stories.filter(agency=self.agency)
        if self.topic:
            return with_topic(stories, self.topic)
        if self.section:
            return in_section(stories, self.section)
        return stories

    @property
    def feeds_path(self) -> str:
        return "/feeds/" if self.path == "/" else self.path


def story_id(story_pk: int) -> str:
    """Return a story's stable feed id: its short URL, which never changes or is reused."""
    return f"{settings.WIREDESK['SITE_URL']}/story/{story_pk}/"


class StoryFeed(Feed):
    """The latest stories, newest first: the whole site's, or one `Listing`'s."""

    feed_type: type[SyndicationFeed] = RssFeed
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
        return {"hub": settings.WIREDESK.get("WEBSUB_HUB"), "tombstones": self._tombstones(listing)}

    def _tombstones(self, listing: Listing) -> list[dict]:
        since = timezone.now() - timedelta(days=TOMBSTONE_DAYS)
        killed = listing.narrow(
            Story.objects.filter(state=Story.State.KILLED, killed_at__gte=since)
        ).order_by("-killed_at")
        return [{"id": story_id(s.pk), "when": s.killed_at, "link": story_id(s.pk)}
                for s in killed.only("pk", "killed_at")[:FEED_SIZE]]  # fmt: skip

    def items(self, listing: Listing):
        stories = list(listing.narrow(visible_stories())[:FEED_SIZE])
        leads = lead_pictures(story.pk for story in stories)
        for story in stories:
            story.lead_picture = leads.get(story.pk)  # type: ignore[attr-defined]
        return stories

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
