"""Pictures an item carries: what each format says of them, read into one shape.

A `PictureRef` is the agency's word about one picture: where to get it (a URL,
or a file name beside a watch-folder delivery), its own id when the agency
gives pictures one (NewsML-G2 `guid`, ninjs `uri`), and its caption, credit,
copyright, byline and usage terms, kept verbatim. Fetching, checking and
storing it is the pictures app's work; this module touches no network.

Agencies send several renditions of one picture (TT: 4,928 px "highRes",
1,024 px "preview", 256 px "thumbnail"). The one fetched is the smallest that
is still at least `WANTED_WIDTH` wide (Google's large-image rule asks 1,200;
our widest rendition is 1,600), else the widest there is.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from lxml import etree

from .numbers import is_number

WANTED_WIDTH = 1600
# Rendition names that mean "the picture itself, large" when no width is sent.
_LARGE_NAMES = re.compile(r"high|hires|base|original|main|large|full|master|web", re.I)
_SMALL_NAMES = re.compile(r"thumb|preview|small|icon|watermark", re.I)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".tif", ".tiff")


@dataclass(frozen=True)
class PictureRef:
    """One picture as the item describes it."""

    href: str
    ref: str | None = None
    caption: str | None = None
    alt: str | None = None
    credit: str | None = None
    copyright: str | None = None
    byline: str | None = None
    usage_terms: str | None = None
    width: int | None = None
    height: int | None = None
    mime: str | None = None
    version: str | None = None

    @property
    def identity(self) -> str:
        """Return what names this picture for its agency: its own id, else its address."""
        return self.ref or self.href

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Rendition:
    """One of the files an agency offers for a picture."""

    href: str
    width: int | None = None
    height: int | None = None
    mime: str | None = None
    name: str = ""


def as_int(value: Any) -> int | None:
    """Return a small positive whole number, else None (a width of "wide" or 10**5000)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 1_000_000 else None
    if isinstance(value, str) and is_number(value.strip()) and len(value.strip()) < 7:
        number = int(value.strip())
        return number or None
    return None


def is_image(mime: str | None, href: str, medium: str | None = None) -> bool:
    """Return True when a rendition or enclosure is a still image, by what it declares."""
    if medium:
        return medium.lower() == "image"
    if mime:
        return mime.lower().startswith("image/")
    return href.lower().split("?")[0].endswith(IMAGE_SUFFIXES)


def choose(renditions: list[Rendition]) -> Rendition | None:
    """Return the rendition to fetch: the smallest at least WANTED_WIDTH wide, else the widest."""
    images = [
        r for r in renditions if r.href and (r.mime is None or r.mime.lower().startswith("image/"))
    ]
    if not images:
        return None
    sized = [r for r in images if r.width]
    if sized:
        wide = [r for r in sized if (r.width or 0) >= WANTED_WIDTH]
        if wide:
            return min(wide, key=lambda r: r.width or 0)
        return max(sized, key=lambda r: r.width or 0)
    named = [r for r in images if _LARGE_NAMES.search(r.name) and not _SMALL_NAMES.search(r.name)]
    unnamed = [r for r in images if not _SMALL_NAMES.search(r.name)]
    return (named or unnamed or images)[0]


def clean(value: Any) -> str | None:
    """Return a metadata string with its outer whitespace trimmed, else None."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def body_images(body_html: str) -> list[PictureRef]:
    """Return the `<img>`s of a body (with their `<figcaption>`), in order, once each.

    Read from the agency's markup before it is sanitised (the safe body keeps
    no `<img>`: pictures are shown from our own renditions).
    """
    if "<img" not in body_html.lower():
        return []
    try:
        parser = etree.HTMLParser(no_network=True, recover=True, encoding="utf-8")
        root = etree.fromstring(body_html.encode("utf-8", "replace"), parser)
    except (etree.Error, ValueError):
        return []
    if root is None:
        return []
    found: list[PictureRef] = []
    seen: set[str] = set()
    for img in root.iter("img"):
        href = (img.get("src") or "").strip()
        if not href or href.startswith("data:") or href in seen:
            continue
        seen.add(href)
        figure = next((a for a in img.iterancestors("figure")), None)
        caption = None
        credit = None
        if figure is not None:
            figcaption = next(figure.iter("figcaption"), None)
            if figcaption is not None:
                caption = clean(figcaption.xpath("string()"))
            by = figure.xpath(".//*[contains(@class, 'byline') or contains(@class, 'credit')]")
            if by:
                credit = clean(by[0].xpath("string()"))
        found.append(
            PictureRef(
                href=href,
                ref=clean(img.get("data-uri")),
                caption=caption,
                alt=clean(img.get("alt")),
                credit=credit,
                width=as_int(img.get("width")),
                height=as_int(img.get("height")),
            )
        )
    return found
