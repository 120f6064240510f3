"""The pictures of a NewsML-G2 message: what a picture item says of its picture,
and which text items each travels with.

A picture or graphic item's record (newsmlg2.py reads it) gives its best
`remoteContent` rendition, described by its contentMeta and rightsInfo. In a
newsMessage, a packageItem's groups say which texts the pictures go with;
without one, every text of the message has every usable picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from .errors import ItemFailure
from .item import WireItem
from .pictures import PictureRef, Rendition, as_int, choose, clean
from .xmlpaths import qcode_value

if TYPE_CHECKING:
    from .newsmlg2 import G2ItemRecord

PICTURE_CLASSES = {"picture", "graphic"}


def best_picture(record: G2ItemRecord, headline: str | None) -> PictureRef | None:
    """Return a picture item's best `remoteContent` with what its record says of it.

    `headline`: the item's headline, its caption when no description gives one.
    """
    renditions = [
        Rendition(
            href=(c.href or "").strip(),
            width=as_int(c.width),
            height=as_int(c.height),
            mime=c.contenttype,
            name=c.rendition or "",
        )
        for c in record.remote_contents
    ]
    best = choose(renditions)
    if best is None:
        return None
    caption, alt = _descriptions(record.descriptions)
    return PictureRef(
        href=best.href,
        ref=record.guid,
        caption=caption or headline,
        alt=alt,
        credit=clean(record.creditlines[0]) if record.creditlines else None,
        copyright=_copyright(record),
        byline=clean(record.bylines[0][1]) if record.bylines else None,
        usage_terms=clean(record.usage_terms),
        width=best.width,
        height=best.height,
        mime=best.mime,
        version=record.version or "1",
    )


def _descriptions(
    descriptions: tuple[tuple[str | None, str | None], ...],
) -> tuple[str | None, str | None]:
    """Return (caption, alt text): the first description of each role."""
    found: dict[str, str | None] = {}
    for role, text in descriptions:
        kind = (qcode_value(role) or "caption").lower()
        found.setdefault(
            "alt" if kind in ("alternativetext", "alttext") else "caption", clean(text)
        )
    return found.get("caption"), found.get("alt")


def _copyright(record: G2ItemRecord) -> str | None:
    """Return the last copyrightNotice, else the first copyrightHolder's name."""
    if record.copyright_notices:
        return clean(record.copyright_notices[-1])
    return clean(record.copyright_holders[0]) if record.copyright_holders else None


def _package_groups(package: etree._Element, prefix: int) -> list[set[str]]:
    """Return the guids each group of a packageItem's groupSet puts together.

    A group's pictures go with its texts; groups that refer to one another
    (`groupRef`) are taken together, as TT sends a text and its media bag.
    """
    refs: set[str] = set()
    for element in package.iter():
        if isinstance(element.tag, str) and element.tag[prefix:] == "itemRef":
            residref = element.get("residref")
            if residref:
                refs.add(residref)
    return [refs] if refs else []


def _with_pictures(
    item: WireItem | ItemFailure, pictures: list[WireItem], groups: list[set[str]]
) -> WireItem | ItemFailure:
    """Return a text item with the usable pictures it travels with (its package's, if any)."""
    if isinstance(item, ItemFailure):
        return item
    group = next((g for g in groups if item.item_id in g), None)
    mine = [
        ref
        for picture in pictures
        if picture.pub_status == "usable" and (group is None or picture.item_id in group)
        for ref in picture.pictures
    ]
    return item.replace(pictures=mine) if mine else item
