"""JSON Feed 1.0 and 1.1 into WireItems (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import json
from typing import Any

from .errors import ItemFailure, ParseError, guarded
from .item import WireItem
from .pictures import PictureRef
from .text import absolute_url, plain_title, resolve_links, text_to_html
from .times import parse_iso

VERSION_PREFIX = "https://jsonfeed.org/version/"


def sniff(document: Any) -> bool:
    """Return True for a JSON Feed document."""
    return isinstance(document, dict) and str(document.get("version", "")).startswith(
        VERSION_PREFIX
    )


def _authors(holder: dict) -> list[str]:
    # 1.1 has `authors` (a list); 1.0 had a single `author`.
    authors = holder.get("authors")
    if authors is None and isinstance(holder.get("author"), dict):
        authors = [holder["author"]]
    if not isinstance(authors, list):
        return []
    return [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _item(entry: Any, authors: list[str], language: str | None, base: str | None) -> WireItem:
    if not isinstance(entry, dict):
        raise ParseError("a JSON Feed item is not an object")
    item_id = entry.get("id")
    if isinstance(item_id, int | float) and not isinstance(item_id, bool):
        item_id = str(item_id)  # 1.0 feeds sometimes send numbers; 1.1 says string
    item_id = _string(item_id) or _string(entry.get("url"))
    if not item_id:
        raise ParseError("a JSON Feed item has no id, so it has no identity")
    body = _string(entry.get("content_html"))
    if body is not None:
        body = resolve_links(body, base)
    else:
        text = _string(entry.get("content_text")) or _string(entry.get("summary")) or ""
        body = text_to_html(text)
    tags: list[Any] = entry["tags"] if isinstance(entry.get("tags"), list) else []
    return WireItem(
        format="jsonfeed",
        item_id=item_id,
        first_created=parse_iso(_string(entry.get("date_published"))),
        version_created=parse_iso(_string(entry.get("date_modified"))),
        headline=plain_title(_string(entry.get("title"))),
        byline=", ".join(_authors(entry) or authors) or None,
        language=_string(entry.get("language")) or language,
        body_html=body,
        subjects=[{"name": t} for t in tags if isinstance(t, str) and t.strip()],
        # A relative `url` resolves against the feed's own addresses (RFC 3986).
        link=absolute_url(_string(entry.get("url")), base),
        pictures=_pictures(entry, base),
    )


def _pictures(entry: dict, base: str | None) -> list[PictureRef]:
    """Return an item's `image`, else its `banner_image`, else image `attachments`."""
    candidates = [entry.get("image"), entry.get("banner_image")]
    attachments: list[Any] = (
        entry["attachments"] if isinstance(entry.get("attachments"), list) else []
    )
    candidates += [
        a.get("url")
        for a in attachments
        if isinstance(a, dict) and str(a.get("mime_type", "")).startswith("image/")
    ]
    for candidate in candidates:
        href = absolute_url(_string(candidate), base)
        if href:
            return [PictureRef(href=href)]
    return []


def parse(document: dict) -> list[WireItem | ItemFailure]:
    """Return the items of a JSON Feed document."""
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON Feed has no `items` list")
    authors = _authors(document)
    language = _string(document.get("language"))
    base = _string(document.get("feed_url")) or _string(document.get("home_page_url"))
    return [
        guarded(_item, entry, n, _cut, _identify, authors, language, base)
        for n, entry in enumerate(items, 1)
    ]


def _cut(entry: Any) -> bytes:
    return json.dumps(entry, ensure_ascii=False).encode("utf-8", errors="replace")


def _identify(entry: Any) -> str:
    return str(entry.get("id") or entry.get("url") or "") if isinstance(entry, dict) else ""
