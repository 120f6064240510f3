"""What pages, feeds, sitemaps and the API show of a story's pictures: served ones only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from wiredesk.stories.storage.prepared import CompiledReads, CompiledRows

from . import files
from .models import Picture, StoryPicture, credit_line
from .sizes import CROPS, FORMATS


@dataclass(frozen=True)
class ShownPicture:
    """One served picture with the addresses of its renditions."""

    digest: str
    width: int
    height: int
    widths: tuple[int, ...]
    colour: str
    large_bytes: int
    caption: str
    alt: str
    credit: str
    usage_terms: str
    copyright: str
    byline: str

    def url(self, name: str) -> str:
        """Return the address of rendition `name` ("1024.webp", "16x9.jpg")."""
        return files.url(self.digest, name)

    def absolute(self, name: str) -> str:
        """Return the absolute address of rendition `name` (for feeds, sitemaps, JSON-LD)."""
        return _absolute(self.url(name))

    def srcset(self, kind: str) -> str:
        return ", ".join(f"{self.url(f'{w}.{kind}')} {w}w" for w in self.widths)

    @property
    def sources(self) -> list[tuple[str, str]]:
        """Return (type, srcset) for `<source>`s, the smallest format first."""
        return [(f"image/{kind}", self.srcset(kind)) for kind in FORMATS if kind != "jpg"]

    @property
    def srcset_jpg(self) -> str:
        return self.srcset("jpg")

    @property
    def nearest_1024(self) -> int:
        return self.nearest(1024)

    @property
    def fallback(self) -> str:
        """Return the JPEG a browser without `<source>` support loads (about 1,024 wide)."""
        return self.url(f"{self.nearest(1024)}.jpg")

    def nearest(self, width: int) -> int:
        return min(self.widths, key=lambda w: abs(w - width))

    @property
    def display_height(self) -> int:
        return round(self.height * self.nearest(1024) / self.width) if self.width else 0

    @property
    def large(self) -> str:
        """Return the absolute address of the widest JPEG (og:image, feeds' enclosures)."""
        return _large(self.digest, self.widths)

    @property
    def large_size(self) -> tuple[int, int]:
        widest = max(self.widths)
        return widest, round(self.height * widest / self.width) if self.width else 0

    @property
    def crops(self) -> list[str]:
        """Return the absolute addresses of the 16:9, 4:3 and 1:1 crops (JSON-LD `image`)."""
        return [self.absolute(f"{name}.jpg") for name in CROPS]

    @property
    def thumbnail(self) -> str:
        return self.url(f"{min(self.widths)}.webp")

    @property
    def shown_credit(self) -> str:
        return credit_line(self.credit, self.byline, self.copyright)

    @property
    def text_alternative(self) -> str:
        """Return the alternative text: the agency's, else its caption."""
        return self.alt or self.caption


# ShownPicture's fields, as Picture's columns name them (its digest is `sha256`).
_COLUMNS = (
    "sha256",
    "width",
    "height",
    "widths",
    "colour",
    "large_bytes",
    "caption",
    "alt",
    "credit",
    "usage_terms",
    "copyright",
    "byline",
)
_WIDTHS = _COLUMNS.index("widths")


def _shown(picture: Picture) -> ShownPicture:
    return _shown_values([getattr(picture, column) for column in _COLUMNS])


def _shown_values(values: Sequence[Any]) -> ShownPicture:
    """Return the picture of a row of _COLUMNS, as it is shown."""
    digest, width, height, widths, colour, large_bytes, *words = values
    caption, alt, credit, usage_terms, copyright, byline = words
    return ShownPicture(
        digest=digest,
        width=width or 0,
        height=height or 0,
        widths=tuple(widths or ()),
        colour=colour or "#dddddd",
        large_bytes=large_bytes or 0,
        caption=caption,
        alt=alt,
        credit=credit,
        usage_terms=usage_terms,
        copyright=copyright,
        byline=byline,
    )


def _links(story_ids: Iterable[int]) -> QuerySet[StoryPicture]:
    return (
        StoryPicture.objects.filter(
            story_id__in=list(story_ids), current=True, picture__state=Picture.State.READY
        )
        .select_related("picture")
        .order_by("story_id", "position")
    )


_picture_rows = CompiledRows(lambda story_id: _links([story_id]))


def pictures_of(story_id: int) -> list[ShownPicture]:
    """Return a story's served pictures, the lead first."""
    return [_shown(link.picture) for link in _picture_rows.objects(story_id) if link.picture.widths]


# A page's stories' pictures: one statement for up to this many, compiled once
# (stories/storage/prepared.py), where Django compiling it was most of the read.
LEADS_AT_ONCE = 32
_lead_rows = CompiledReads(
    lambda key, *ids: _links(ids).values_list(
        "story_id", *(f"picture__{column}" for column in _COLUMNS)
    ),
    clocks=0,
    numbers=LEADS_AT_ONCE,
)


def lead_pictures(story_ids: Iterable[int]) -> dict[int, ShownPicture]:
    """Return each story's lead picture (for lists, feeds and sitemaps), by story id."""
    ids = list(story_ids)
    leads: dict[int, ShownPicture] = {}
    if not ids:
        return leads
    if len(ids) > LEADS_AT_ONCE:
        for link in _links(ids):
            if link.story_id not in leads and link.picture.widths:
                leads[link.story_id] = _shown(link.picture)
        return leads
    # The ids past a page's are 0, no story's.
    rows = _lead_rows.rows(None, numbers=(*ids, *[0] * (LEADS_AT_ONCE - len(ids))))
    for story_id, *values in rows:
        if story_id not in leads and values[_WIDTHS]:
            leads[story_id] = _shown_values(values)  # the first with renditions, as above
    return leads


def lead_picture_addresses(story_ids: range | list[int]) -> dict[int, str]:
    """Return the address of each lead picture's widest JPEG (`ShownPicture.large`) of these
    stories, by story id: for a run of ids, a range of the links' index; read as rows."""
    # Rows, not pictures made into objects, for a sitemap's file of thousands. The
    # links first, in their index's order (story, current, position), then their
    # pictures by key: joined, a planner could start from the pictures instead.
    if isinstance(story_ids, range):
        stories = Q(story_id__gte=story_ids.start, story_id__lt=story_ids.stop)
    else:
        stories = Q(story_id__in=story_ids)
    links = list(
        StoryPicture.objects.filter(stories, current=True)
        .order_by("story_id", "current", "position")
        .values_list("story_id", "picture_id")
    )
    if not links:
        return {}
    ready = Picture.objects.filter(pk__in={pk for _, pk in links}, state=Picture.State.READY)
    pictures = {pk: row for pk, *row in ready.values_list("pk", "sha256", "widths")}
    found: dict[int, str] = {}
    for story_id, picture_id in links:
        digest, widths = pictures.get(picture_id, ("", None))
        if story_id not in found and widths:  # as `lead_pictures`: the first with renditions
            found[story_id] = _large(digest, widths)
    return found


def _absolute(url: str) -> str:
    return url if "://" in url else settings.WIREDESK.site.url + url


def _large(digest: str, widths: Sequence[int]) -> str:
    """Return the absolute address of a picture's widest JPEG."""
    return _absolute(files.url(digest, f"{max(widths)}.jpg"))


def lead_picture_token() -> Subquery:
    """Return, for a story query, what names its lead picture as shown: id, version and file.

    The feeds key each rendered item on it (syndication/fragments.py): a
    picture arriving, replaced by a new version or file, or withdrawn changes
    it, and so renders the item again.
    """
    links = StoryPicture.objects.filter(
        story=OuterRef("pk"), current=True, picture__state=Picture.State.READY
    ).order_by("position")
    token = Concat(
        Cast("picture_id", CharField()),
        Value(":"),
        "picture__version",
        Value(":"),
        "picture__sha256",
        output_field=CharField(),
    )
    return Subquery(links.annotate(token=token).values("token")[:1])
