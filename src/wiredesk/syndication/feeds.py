"""Site-wide, agency, topic and section feeds on django.contrib.syndication, through the
story selectors."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    Field,
    IntegerField,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.feedgenerator import Enclosure
from django.utils.html import escape
from django.utils.http import http_date

from wiredesk.pictures.selectors import lead_picture_token, lead_pictures
from wiredesk.site import editions
from wiredesk.site.kept import WhileSignature, mark_keep
from wiredesk.sources.models import DEFAULT_DISCLAIMER, Agency
from wiredesk.stories.models import Section, Story
from wiredesk.stories.selectors import (
    in_section,
    in_section_by_row,
    visible_stories,
    with_topic,
    with_topic_by_row,
)
from wiredesk.stories.storage.prepared import CompiledReads

from .fragments import frames, store
from .generators import AtomFeed, JsonFeed, KeptItems, RssFeed

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
    edition: str = ""  # another edition's language ("hi"); "" the main one
    # Filled for one request by StoryFeed.__call__: the stories whose items
    # must be rendered (the others are kept), the newest change listed, the kills.
    stories: tuple[Story, ...] = ()
    latest: datetime | None = None
    tombstones: tuple[tuple[int, datetime], ...] = ()  # (id, killed at) of recent kills

    @property
    def scope(self) -> tuple[int | None, str, str, tuple[str, ...]]:
        # The edition's languages are read at each request: settings may change.
        edition = editions.scope(self.edition)
        return (self.agency.pk if self.agency else None, self.topic, self.section, edition)

    @property
    def feeds_path(self) -> str:
        return f"{self.path}feeds/" if self.path == editions.prefix(self.edition) else self.path


def narrowed(
    stories: QuerySet[Story], scope: tuple[int | None, str, str, tuple[str, ...]]
) -> QuerySet[Story]:
    """Return the stories of `stories` a listing's scope (agency id, topic, section, the
    edition's languages) takes, newest first through the listing's own index."""
    agency_id, topic, section, edition = scope
    # The agency, topic or section leads (its index); the edition's language then
    # filters inside it, as on the listing's page.
    if agency_id is not None:
        stories = stories.filter(agency_id=agency_id)
    elif topic:
        stories = with_topic(stories, topic)
    elif section:
        stories = in_section(stories, section)
    return editions.in_scope(stories, edition)


def narrowed_by_row(
    stories: QuerySet[Story], scope: tuple[int | None, str, str, tuple[str, ...]]
) -> QuerySet[Story]:
    """Return the stories of `stories` a listing's scope takes, tested on their rows: for a
    read another index leads (the recent kills, by their time)."""
    agency_id, topic, section, edition = scope
    if agency_id is not None:
        stories = stories.filter(agency_id=agency_id)
    elif topic:
        stories = stories.filter(with_topic_by_row(topic))
    elif section:
        stories = stories.filter(in_section_by_row(section))
    return editions.in_scope_by_row(stories, edition)


# Asked at every feed request, as one statement compiled once
# (stories/storage/prepared.py): the listed stories, the recent kills and the
# agencies' signatures, in one row shape, `part` first, then SHAPE. A listed
# story's row is what its item is made of, besides its agency's byline and
# disclaimer: a change to any of these renders it again (a new version, a desk
# correction, a new headline, a new lead picture). Small columns only.
LISTED, KILLED, AGENCY = 0, 1, 2
SHAPE: dict[str, Field] = {
    "when": DateTimeField(),  # first published; killed
    "pk": BigIntegerField(),
    "modified_at": DateTimeField(),
    "version_count": IntegerField(),
    "slug": CharField(),  # an agency's byline
    "headline": TextField(),  # an agency's disclaimer
    "agency_id": BigIntegerField(),
    "lead": CharField(),
}
ITEM_ID = 2  # where an item's key (its feed type, then its row from `when`) has the story id


def shaped(queryset: QuerySet, part: int, **columns: str) -> QuerySet:
    """Return `queryset` as rows of `part` in the feed read's shape; columns not named are NULL."""
    return queryset.values_list(
        Value(part),
        *(columns.get(name) or Cast(Value(None), field) for name, field in SHAPE.items()),
    )


def listed_stories(scope: tuple[int | None, str, str, tuple[str, ...]], now: datetime) -> QuerySet:
    stories = narrowed(visible_stories(now), scope).annotate(lead=lead_picture_token())
    return shaped(
        stories,
        LISTED,
        when="first_published_at",
        **{name: name for name in SHAPE if name != "when"},
    )[:FEED_SIZE]


def killed_stories(
    scope: tuple[int | None, str, str, tuple[str, ...]], since: datetime
) -> QuerySet:
    stories = Story.objects.filter(state=Story.State.KILLED, killed_at__gte=since)
    return shaped(
        narrowed_by_row(stories, scope).order_by("-killed_at"), KILLED, when="killed_at", pk="pk"
    )[:FEED_SIZE]


def agency_signatures() -> QuerySet:
    return shaped(Agency.objects.order_by(), AGENCY, pk="pk", slug="byline", headline="disclaimer")


feed_reads = CompiledReads(
    lambda scope, now, since: (
        listed_stories(scope, now),
        killed_stories(scope, since),
        agency_signatures(),
    ),
    clocks=2,  # now, and the oldest kill still shown
    # The listing newest first, as visible_stories orders it; the kills newest first.
    order_by="1, 2 DESC, 3 DESC",
)


@dataclass(frozen=True)
class FeedState:
    """What a feed shows now, as read: the keys of its items, in order, and the key of
    the frame around them (the listing, its newest change and its kills, the site's
    words). Times are as the database driver gives them; `shown` converts them."""

    listing: Listing
    item_keys: list[tuple]
    frame_key: tuple
    newest: tuple | None  # the row of the newest change listed
    kills: tuple[tuple, ...]  # the rows of the recent kills, newest first

    @property
    def signature(self) -> tuple:
        """Equal for two states that give the same bytes (items and frame are kept by these)."""
        return (self.frame_key, tuple(self.item_keys))

    def shown(self) -> Listing:
        """Return the listing with its newest change and kills, as times in the site's zone."""
        scope = self.listing.scope
        latest = feed_reads.convert_row(scope, self.newest)[3] if self.newest else None
        kills = (feed_reads.convert_row(scope, row) for row in self.kills)
        return replace(
            self.listing,
            latest=timezone.localtime(latest) if latest else None,
            tombstones=tuple((pk, when) for _, when, pk, *_ in kills),
        )


def story_id(story_pk: int) -> str:
    """Return a story's stable feed id: its short URL, which never changes or is reused."""
    return f"{settings.WIREDESK.site.url}/story/{story_pk}/"


class StoryFeed(Feed):
    """The latest stories, newest first: the whole site's, or one `Listing`'s."""

    feed_type: type[KeptItems] = RssFeed
    suffix = "rss.xml"

    def get_object(
        self,
        request: HttpRequest | None,
        slug: str | None = None,
        topic: str | None = None,
        section: str | None = None,
        edition: str = "",
    ) -> Listing:
        at = editions.prefix(edition)  # an edition's feeds are under its prefix
        if topic:
            title = topic.replace("-", " ").title()
            return Listing(title, f"{at}topic/{topic}/", topic=topic, edition=edition)
        if section:
            found = get_object_or_404(Section, slug=section)
            path = f"{at}section/{found.slug}/"
            return Listing(found.name, path, section=found.slug, edition=edition)
        if slug:
            agency = get_object_or_404(Agency, slug=slug)
            path = f"{at}agency/{agency.slug}/"
            return Listing(agency.name, path, agency=agency, edition=edition)
        return Listing("", at, edition=edition)

    def title(self, listing: Listing) -> str:
        name = settings.WIREDESK.site.name
        return f"{listing.name} · {name}" if listing.name else name

    def link(self, listing: Listing) -> str:
        return listing.path

    def description(self, listing: Listing) -> str:
        return settings.WIREDESK.site.description

    def feed_url(self, listing: Listing) -> str:
        return f"{settings.WIREDESK.site.url}{listing.feeds_path}{self.suffix}"

    def feed_extra_kwargs(self, listing: Listing) -> dict[str, Any]:
        return {
            "hub": settings.WIREDESK.site.websub_hub,
            "tombstones": [
                {"id": story_id(pk), "when": when, "link": story_id(pk)}
                for pk, when in listing.tombstones
            ],
            "latest": listing.latest,
        }

    def __call__(self, request: HttpRequest, *args: str, **kwargs: str) -> HttpResponse:
        """Answer the feed: kept items and frame as they were, the rest rendered now.

        Reads what the feed shows (`current`: one small row a listed story);
        renders, through Django's feed code, only the items not yet kept, and
        the frame around them (the channel or feed head, Atom's tombstones)
        only when something it shows changed.
        """
        state = self.current(self.listing(*args, **kwargs))
        with translation.override(editions.edition_language(state.listing.edition)):
            return self._answer(state, request, args, kwargs)

    def _answer(
        self, state: FeedState, request: HttpRequest, args: tuple, kwargs: dict
    ) -> HttpResponse:
        # The channel's language is the active one (Django's Feed): the edition's.
        listing, keys = state.shown(), state.item_keys
        kept = [store.get(key) for key in keys]
        frame = frames.get(state.frame_key)
        if frame is None or None in kept:
            feed = self._render(listing, request, keys, kept)
            frame = feed.frame()
            frames.put(state.frame_key, frame)
        items = self.feed_type.item_separator.join(t for t in kept if t is not None)
        body = frame.head + items + frame.tail
        response = HttpResponse(body, content_type=self.feed_type.content_type)
        if listing.latest:
            response.headers["Last-Modified"] = http_date(listing.latest.timestamp())
            # The same state gives the same bytes: a web worker may answer again
            # from them once it has read that nothing changed (site/revalidated.py).
            check = partial(self.signature, *args, **kwargs)
            mark_keep(response, revalidate=WhileSignature(check, state.signature))
        else:  # nothing listed: as Django's feeds say, changed now
            response.headers["Last-Modified"] = http_date(time.time())
        return response

    def listing(self, *args: str, **kwargs: str) -> Listing:
        """Return the listing the URL's arguments name, or raise Http404."""
        try:
            return self.get_object(None, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404("Feed object does not exist.") from exc

    def current(self, listing: Listing) -> FeedState:
        """Read what `listing`'s feed shows now, in one statement (`feed_reads`)."""
        now = timezone.now()
        since = now - timedelta(days=TOMBSTONE_DAYS)
        rows = feed_reads.rows(listing.scope, now, since, convert=False)
        signed = {row[2]: row[5:7] for row in rows if row[0] == AGENCY}  # byline, disclaimer
        listed = [row for row in rows if row[0] == LISTED]
        # The edition's language last: the default disclaimer is said in it.
        language = editions.edition_language(listing.edition)
        keys = [(self.feed_type, *row[1:], *signed.get(row[7], ()), language) for row in listed]
        # The newest change listed (the driver's times of one engine compare alike).
        newest = max(listed, key=lambda row: row[3], default=None)
        kills = tuple(row for row in rows if row[0] == KILLED)
        site = settings.WIREDESK.site
        frame_key = (
            self.feed_type,
            listing,
            newest and newest[3],
            kills,
            site.url,
            site.name,
            site.description,
            site.websub_hub,
        )
        return FeedState(listing, keys, frame_key, newest, kills)

    def signature(self, *args: str, **kwargs: str) -> tuple:
        """Return the signature of what the feed of these URL arguments shows now."""
        return self.current(self.listing(*args, **kwargs)).signature

    def _render(
        self, listing: Listing, request: HttpRequest, keys: list[tuple], kept: list
    ) -> KeptItems:
        """Render the items not kept (filling `kept` in place) and return the writer."""
        missing = [key[ITEM_ID] for key, text in zip(keys, kept, strict=True) if text is None]
        by_id = visible_stories().in_bulk(missing) if missing else {}
        stories = [by_id[pk] for pk in missing if pk in by_id]
        leads = lead_pictures(by_id) if by_id else {}
        for story in stories:
            story.lead_picture = leads.get(story.pk)  # type: ignore[attr-defined]
        feed = cast(KeptItems, self.get_feed(replace(listing, stories=tuple(stories)), request))
        rendered = {
            story.pk: feed.render_item(item)
            for story, item in zip(stories, feed.items, strict=True)
        }
        for n, key in enumerate(keys):
            if kept[n] is None and key[ITEM_ID] in rendered:  # else gone since the first read
                kept[n] = rendered[key[ITEM_ID]]
                store.put(key, kept[n])
        return feed

    def items(self, listing: Listing) -> tuple[Story, ...]:
        return listing.stories

    def item_enclosures(self, story: Story) -> list[Enclosure]:
        # RSS <enclosure> and Atom <link rel="enclosure">: the lead picture, widest JPEG.
        picture = getattr(story, "lead_picture", None)  # set by _render
        if picture is None:
            return []
        return [Enclosure(picture.large, str(picture.large_bytes), "image/jpeg")]

    def item_title(self, story: Story) -> str:
        return story.headline

    def item_description(self, story: Story) -> str:
        # RSS <description> and Atom <summary type="html"> carry HTML: the plain
        # teaser is escaped for HTML here, and again for XML by the writer, so
        # agency text that mentions "<script>" stays text in every reader.
        return escape(story.teaser)

    def item_link(self, story: Story) -> str:
        return story.get_absolute_url()

    def item_guid(self, story: Story) -> str:
        return story_id(story.pk)

    # Times in the site's zone, as on the pages (RFC 3339 / RFC 822 with its offset).
    def item_pubdate(self, story: Story) -> datetime | None:
        return timezone.localtime(story.first_published_at)

    def item_updateddate(self, story: Story) -> datetime:
        return timezone.localtime(story.modified_at)

    def item_author_name(self, story: Story) -> str:
        return story.display_byline

    def item_categories(self, story: Story) -> list[str]:
        return [s["name"] for s in story.subjects if s.get("name")]

    def item_extra_kwargs(self, story: Story) -> dict[str, Any]:
        # The default disclaimer is the site's words (in the edition's language);
        # a publisher's own is theirs, as written.
        text = story.agency.disclaimer
        said = translation.gettext(DEFAULT_DISCLAIMER) if text == DEFAULT_DISCLAIMER else text
        disclaimer = f"<p><em>{escape(said)}</em></p>"
        picture = getattr(story, "lead_picture", None)  # set by _render
        return {
            "content_html": story.body_html + disclaimer,
            "summary_text": story.teaser,
            # Each item's own language: a feed may carry stories in several.
            "language": story.language,
            "picture": {
                "url": picture.large,
                "width": picture.large_size[0],
                "height": picture.large_size[1],
                "caption": picture.caption,
                "credit": picture.shown_credit,
            }
            if picture
            else None,
        }


class AtomStoryFeed(StoryFeed):
    feed_type = AtomFeed
    suffix = "atom.xml"

    def subtitle(self, listing: Listing) -> str:
        return self.description(listing)


class JsonStoryFeed(StoryFeed):
    feed_type = JsonFeed
    suffix = "feed.json"
