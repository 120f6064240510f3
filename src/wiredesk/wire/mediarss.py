"""Pictures of a feed item: RSS `enclosure`, Media RSS and Atom enclosure links.

Media RSS (https://www.rssboard.org/media-rss): a `media:content` is one
file; a `media:group` holds renditions of one picture; `media:credit`,
`media:copyright`, `media:description` and `media:title` describe what they
sit in, the item's own apply to all its pictures. `media:thumbnail` is taken
only when an item has nothing larger.
"""

from __future__ import annotations

from lxml import etree

from .pictures import PictureRef, Rendition, as_int, choose, clean, is_image
from .text import absolute_url

MEDIA = "http://search.yahoo.com/mrss/"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = f"{{{MEDIA}}}content"
GROUP = f"{{{MEDIA}}}group"
THUMBNAIL = f"{{{MEDIA}}}thumbnail"
ATOM_LINK = f"{{{ATOM}}}link"
ENCLOSURES = frozenset({"enclosure", CONTENT, GROUP, THUMBNAIL, ATOM_LINK})
_DESCRIBING = {
    f"{{{MEDIA}}}credit": "credit",
    f"{{{MEDIA}}}copyright": "copyright",
    f"{{{MEDIA}}}description": "caption",
    f"{{{MEDIA}}}title": "title",
}


def _described(element: etree._Element) -> dict[str, str]:
    """Return the credit, copyright, caption and title children of a media element."""
    found: dict[str, str] = {}
    for child in element:
        key = _DESCRIBING.get(child.tag) if isinstance(child.tag, str) else None
        value = clean("".join(child.itertext())) if key else None
        if key and value and key not in found:
            found[key] = value
    return found


def _rendition(element: etree._Element) -> Rendition | None:
    href = (element.get("url") or element.get("href") or "").strip()
    if not href or not is_image(element.get("type"), href, element.get("medium")):
        return None
    href = absolute_url(href, element.base) or href
    return Rendition(
        href=href,
        width=as_int(element.get("width")),
        height=as_int(element.get("height")),
        mime=element.get("type"),
    )


def _ref(best: Rendition, own: dict[str, str], item: dict[str, str]) -> PictureRef:
    meta = {**item, **own}
    return PictureRef(
        href=best.href,
        caption=meta.get("caption") or meta.get("title"),
        credit=meta.get("credit"),
        copyright=meta.get("copyright"),
        width=best.width,
        height=best.height,
        mime=best.mime,
    )


def feed_pictures(item: etree._Element, elements: list[etree._Element]) -> list[PictureRef]:
    """Return the pictures of a feed item from its enclosure-like children, in order."""
    described = _described(item)
    pictures: list[PictureRef] = []
    thumbnails: list[PictureRef] = []
    seen: set[str] = set()
    for element in elements:
        tag = element.tag
        if tag == GROUP:
            renditions = [r for c in element if c.tag == CONTENT if (r := _rendition(c))]
            best = choose(renditions)
            if best is None:
                continue
            own = _described(element)
            chosen = next(c for c in element if c.tag == CONTENT and _rendition(c) == best)
            candidate = _ref(best, {**own, **_described(chosen)}, described)
        elif tag == ATOM_LINK:
            if element.get("rel") != "enclosure" or not (found := _rendition(element)):
                continue
            candidate = _ref(found, {}, described)
        elif tag == THUMBNAIL:
            if found := _rendition(element):
                thumbnails.append(_ref(found, {}, described))
            continue
        else:  # <enclosure>, <media:content>
            found = _rendition(element)
            if found is None:
                continue
            candidate = _ref(found, _described(element), described)
        if candidate.href not in seen:
            seen.add(candidate.href)
            pictures.append(candidate)
    return pictures or thumbnails[:1]
