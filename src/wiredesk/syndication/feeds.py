"""Site-wide and per-agency feeds on django.contrib.syndication, through the story selectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import SyndicationFeed
from django.utils.html import escape

from wiredesk.sources.models import Agency
from wiredesk.stories.models import Story
from wiredesk.stories.selectors import visible_stories, with_topic

from .generators import AtomFeed, JsonFeed, RssFeed

FEED_SIZE = 50
TOMBSTONE_DAYS = 2


@dataclass(frozen=True)
class Topic:
    """A topic: the slug of a subject name the agencies file stories under."""

    slug: str

    @property
    def name(self) -> str:
        return self.slug.replace("-", " ").title()

    @property
    def path(self) -> str:
        return f"/topic/{self.slug}/"


def story_id(story_pk: int) -> str:
    """Return a story's stable feed id: its short URL, which never changes or is reused."""
    return f"{settings.WIREDESK['SITE_URL']}/story/{story_pk}/"


class StoryFeed(Feed):
    """The latest stories, newest first; `agency` narrows it to one agency."""

    feed_type: type[SyndicationFeed] = RssFeed
    suffix = "rss.xml"

    def get_object(self, request, slug: str | None = None, topic: str | None = None):
        if topic:
            return Topic(topic)
        return get_object_or_404(Agency, slug=slug) if slug else None

    def title(self, agency):
        name = settings.WIREDESK["SITE_NAME"]
        return f"{agency.name} · {name}" if agency else name

    def link(self, agency):
        return (
            agency.path
            if isinstance(agency, Topic)
            else f"/agency/{agency.slug}/"
            if agency
            else "/"
        )

    def description(self, agency):
        return settings.WIREDESK["SITE_DESCRIPTION"]

    def feed_url(self, agency):
        base = settings.WIREDESK["SITE_URL"]
        return (
            f"{base}/agency/{agency.slug}/{self.suffix}"
            if agency
            else f"{base}/feeds/{self.suffix}"
        )

    def feed_extra_kwargs(self, agency):
        return {"hub": settings.WIREDESK.get("WEBSUB_HUB"), "tombstones": self._tombstones(agency)}

    def _tombstones(self, agency) -> list[dict]:
        since = timezone.now() - timedelta(days=TOMBSTONE_DAYS)
        killed = Story.objects.filter(state=Story.State.KILLED, killed_at__gte=since).order_by(
            "-killed_at"
        )
        if isinstance(agency, Topic):
            killed = with_topic(killed, agency.slug)
        elif agency:
            killed = killed.filter(agency=agency)
        return [{"id": story_id(s.pk), "when": s.killed_at, "link": story_id(s.pk)}
                for s in killed.only("pk", "killed_at")[:FEED_SIZE]]  # fmt: skip

    def items(self, agency):
        stories = visible_stories()
        if isinstance(agency, Topic):
            stories = with_topic(stories, agency.slug)
        elif agency:
            stories = stories.filter(agency=agency)
        return stories[:FEED_SIZE]

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
        return {"content_html": story.body_html + disclaimer, "summary_text": story.teaser}


class AtomStoryFeed(StoryFeed):
    feed_type = AtomFeed
    suffix = "atom.xml"

    def subtitle(self, agency):
        return self.description(agency)


class JsonStoryFeed(StoryFeed):
    feed_type = JsonFeed
    suffix = "feed.json"
