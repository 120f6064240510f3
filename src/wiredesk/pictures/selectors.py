"""What pages, feeds, sitemaps and the API show of a story's pictures: served ones only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from wiredesk.stories.storage.prepared import CompiledRows

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
        url = self.url(name)
        return url if "://" in url else settings.WIREDESK.site.url + url

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
        return self.absolute(f"{max(self.widths)}.jpg")

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


def _shown(picture: Picture) -> ShownPicture:
    return ShownPicture(
        digest=picture.sha256,
        width=picture.width or 0,
        height=picture.height or 0,
        widths=tuple(picture.widths or ()),
        colour=picture.colour or "#dddddd",
        large_bytes=picture.large_bytes or 0,
        caption=picture.caption,
        alt=picture.alt,
        credit=picture.credit,
        usage_terms=picture.usage_terms,
        copyright=picture.copyright,
        byline=picture.byline,
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


def lead_pictures(story_ids: Iterable[int]) -> dict[int, ShownPicture]:
    """Return each story's lead picture (for lists, feeds and sitemaps), by story id."""
    leads: dict[int, ShownPicture] = {}
    for link in _links(story_ids):
        if link.story_id not in leads and link.picture.widths:
            leads[link.story_id] = _shown(link.picture)
    return leads


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
