"""Normalize a parsed WireItem: zone-less times, safe HTML, plain text, dateline, teaser.

The words never change here: only markup is cleaned (see `text.sanitize_html`),
and the characters text cannot carry (controls, noncharacters) are dropped
(`text.strip_controls`, `text.clean_line`); a desk correction is cleaned by the
same functions (stories/editorial.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from .cuts import make_teaser
from .datelines import find_dateline
from .item import WireItem, rfc3339
from .numbers import is_number
from .pictures import PictureRef, body_images
from .text import (
    article_html,
    body_html_from,
    clean_line,
    fold,
    html_body,
    sanitized_html_to_text,
)

UTC = ZoneInfo("UTC")
FIGURES = frozenset({"figure"})

# Agencies name their priority levels differently; these are the common names
# on the IPTC urgency scale (1 most urgent .. 9 least). ANPA-1312 letters:
# f flash, b bulletin, u urgent, r routine, d deferred. A source's own mapping
# is merged over these.
DEFAULT_URGENCY = {
    "flash": 1,
    "f": 1,
    "alert": 1,
    "bulletin": 2,
    "b": 2,
    "newsbreak": 2,
    "urgent": 3,
    "u": 3,
    "routine": 5,
    "r": 5,
    "normal": 5,
    "deferred": 7,
    "d": 7,
}


def map_urgency(label: str | None, mapping: dict[str, int] | None = None) -> int | None:
    """Return the IPTC urgency (1..9) of an agency's priority label, or None."""
    if not label:
        return None
    key = label.strip().lower()
    value = (mapping or {}).get(key, DEFAULT_URGENCY.get(key))
    if value is None and is_number(key):
        value = int(key)
    return value if isinstance(value, int) and 1 <= value <= 9 else None


def _localise(moment: datetime | None, zone: tzinfo) -> datetime | None:
    # A time without an offset is in the agency's own zone (a per-source
    # setting): NTB's NITF and many RSS feeds omit the offset.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone)


def content_hash(headline: str, body_text: str) -> str:
    """Return a short hash of the words of an item (a version when the agency gives none)."""
    digest = hashlib.sha256(f"{fold(headline)}\n{fold(body_text)}".encode()).hexdigest()
    return f"sha256:{digest[:16]}"


def _line(text: str | None) -> str | None:
    """Return a one-line field folded and without what text cannot carry (`clean_line`)."""
    if not text:
        return text
    return clean_line(text) or None


def _subjects(subjects: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{key: _line(value) or "" for key, value in s.items()} for s in subjects]


MAX_PICTURES = 20


def _pictures(item: WireItem) -> list[PictureRef]:
    """Return the item's pictures: those it declares, else the `<img>`s of its body.

    A declared picture also shown in the body (TT names it by `data-uri`)
    takes the body's credit and alternative text where it declares none.
    """
    declared = item.pictures
    in_body = body_images(item.body_html) if "<img" in item.body_html else []
    if not declared:
        declared = in_body
    elif in_body:
        by_ref = {p.ref: p for p in in_body if p.ref}
        declared = [_with_body_meta(p, by_ref.get(p.ref or "")) for p in declared]
    return [_picture_lines(p) for p in declared[:MAX_PICTURES]]


def _with_body_meta(picture: PictureRef, shown: PictureRef | None) -> PictureRef:
    if shown is None:
        return picture
    return dataclasses.replace(
        picture,
        caption=picture.caption or shown.caption,
        alt=picture.alt or shown.alt,
        credit=picture.credit or shown.credit,
    )


def _picture_lines(picture: PictureRef) -> PictureRef:
    values = picture.to_dict()
    for key in ("caption", "alt", "credit", "copyright", "byline", "usage_terms"):
        if key in values:
            values[key] = _line(values[key])
    return PictureRef(**values)


def normalize(
    item: WireItem,
    time_zone: tzinfo = UTC,
    teaser_chars: int = 110,
    urgency_map: dict[str, int] | None = None,
    language: str = "",
) -> WireItem:
    """Return `item` ready to store: every derived field filled, every word kept.

    `language` is the story's when neither the item nor its feed document says
    one (its agency's, else the site's).
    """
    body_html = html_body(article_html(item.body_html, item.headline)) if item.body_html else ""
    # Parsers hand over body_html as HTML (text they were sent is escaped into
    # paragraphs by them, as its declared type says); html_body's output is
    # well formed, so its text is read by a scan.
    body_text = sanitized_html_to_text(body_html) if body_html else clean_line(item.body_text)
    if not body_html and body_text:
        body_html = body_html_from(item.body_text)
    # The lead (for the teaser and the dateline) is the copy without picture captions.
    lead = sanitized_html_to_text(body_html, FIGURES) if "<figure" in body_html else body_text
    dateline, located = item.dateline, item.located
    if dateline is None and lead:
        found = find_dateline(lead)
        if found:
            dateline, found_place = found
            located = located or found_place
    elif dateline and not located:
        # A sent dateline ("NEW DELHI, Oct 14", NTB's bare "Unnao") names the place first.
        found = find_dateline(dateline)
        place = found[1] if found else dateline.split(",")[0].strip()
        located = place.title() if place.isupper() else place
    first_created = _localise(item.first_created, time_zone)
    version_created = _localise(item.version_created, time_zone)
    embargoed_until = _localise(item.embargoed_until, time_zone)
    headline = clean_line(item.headline)
    # A version is the agency's version, else its version time, else a hash
    # of the words (docs/design.md, "Identity and lifecycle").
    version = item.version
    if not version:
        version = rfc3339(version_created) if version_created else content_hash(headline, body_text)
    urgency = item.urgency if item.urgency and 1 <= item.urgency <= 9 else None
    if urgency is None:
        urgency = map_urgency(item.priority, urgency_map)
    return item.replace(
        first_created=first_created,
        version_created=version_created,
        embargoed_until=embargoed_until,
        urgency=urgency,
        headline=headline,
        byline=_line(item.byline),
        slugline=_line(item.slugline),
        dateline=_line(dateline),
        located=_line(located),
        language=_line(item.language) or language or None,
        link=_line(item.link),
        creditline=_line(item.creditline),
        ednote=_line(item.ednote),
        version=_line(version) or version,
        subjects=_subjects(item.subjects) if item.subjects else item.subjects,
        keywords=[k for k in map(_line, item.keywords) if k] if item.keywords else item.keywords,
        body_html=body_html,
        body_text=body_text,
        teaser=_line(item.teaser) or make_teaser(lead, teaser_chars),
        pictures=_pictures(item) if item.pictures or "<img" in item.body_html else [],
    )
