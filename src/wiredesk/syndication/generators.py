"""Feed writers on Django's feedgenerator: RSS 2.0 and Atom 1.0 with full text, hub and
self links, Atom tombstones (RFC 6721), and JSON Feed 1.1."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from typing import Any, NamedTuple
from xml.sax.xmlreader import AttributesImpl

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed, rfc3339_date
from django.utils.xmlutils import SimplerXMLGenerator

from wiredesk.wire.text import xml_text

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"
DC_NS = "http://purl.org/dc/elements/1.1/"


class XmlWriter(SimplerXMLGenerator):
    """Django's XML writer, dropping what XML cannot carry instead of failing.

    What XML 1.0 cannot carry (section 2.2: C0 controls but tab and line ends,
    lone surrogates, U+FFFE, U+FFFF) and the other noncharacters it asks to
    avoid, in `wire.text.xml_text`: Django's writer raises on some (a 500 for
    the whole feed, for one story's stray byte) and writes others, which a
    strict reader refuses. Every text and attribute value is written through it.
    """

    def characters(self, content: str) -> None:
        super().characters(xml_text(content))

    def startElement(self, name: str, attrs: AttributesImpl[str]) -> None:
        # Django's writers pass plain dicts, read like AttributesImpl (by `items()`).
        cleaned = AttributesImpl({k: xml_text(v) for k, v in attrs.items()}) if attrs else attrs
        super().startElement(name, cleaned)


# Stands for the items while the frame is written: no text holds a NUL (every
# writer drops it, `xml_text`), so the written frame splits at it alone.
FRAME_MARK = "\x00"


class Frame(NamedTuple):
    """What a feed writes around its items (kept in syndication/fragments.py's `frames`)."""

    head: str
    tail: str


class KeptItems(SyndicationFeed):
    """Write items rendered one at a time (syndication/fragments.py) as they were kept.

    `fragments`, set by the feed view, holds every item's text in order (the
    feed view renders each item alone with `render_item`).
    """

    content_type: str  # each format's own
    item_element = "item"
    item_separator = ""
    fragments: list[str] | tuple[str, ...] = ()

    def render_item(self, item: dict) -> str:
        """Return one item's XML, written as the whole feed would write it."""
        out = StringIO()
        handler = XmlWriter(out, "utf-8", short_empty_elements=True)
        handler.startElement(self.item_element, AttributesImpl(self.item_attributes(item)))
        self.add_item_elements(handler, item)
        handler.endElement(self.item_element)
        return out.getvalue()

    def write_items(self, handler: SimplerXMLGenerator) -> None:
        for text in self.fragments:
            handler.ignorableWhitespace(text)  # written as is: already XML

    def latest_post_date(self) -> datetime:
        # The newest change of every listed story, not only of those rendered now.
        return self.feed.get("latest") or super().latest_post_date()

    def frame(self) -> Frame:
        """Return what the feed writes before its items and after them."""
        self.fragments = [FRAME_MARK]
        head, tail = self.writeString("utf-8").split(FRAME_MARK)
        return Frame(head, tail)


def _hub_links(handler: SimplerXMLGenerator, feed: dict, element: str) -> None:
    # WebSub: one rel=self and, when configured, rel=hub (W3C WebSub 4).
    if feed.get("hub"):
        handler.addQuickElement(element, attrs={"rel": "hub", "href": feed["hub"]})


class RssFeed(KeptItems, Rss201rev2Feed):
    """RSS 2.0 with `content:encoded` full text and atom:link self and hub."""

    def write(self, outfile: Any, encoding: str) -> None:
        # Django's own RssFeed.write, with the writer that drops what XML cannot carry.
        handler = XmlWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        self.add_stylesheets(handler)
        handler.startElement("rss", AttributesImpl(self.rss_attributes()))
        handler.startElement("channel", AttributesImpl(self.root_attributes()))
        self.add_root_elements(handler)
        self.write_items(handler)
        self.endChannelElement(handler)
        handler.endElement("rss")

    def root_attributes(self) -> dict[str, str]:
        return {
            **super().root_attributes(),
            "xmlns:atom": ATOM_NS,
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
            "xmlns:dc": DC_NS,
            "xmlns:media": MEDIA_NS,
        }

    def add_root_elements(self, handler: SimplerXMLGenerator) -> None:
        super().add_root_elements(handler)  # writes atom:link rel=self from feed_url
        _hub_links(handler, self.feed, "atom:link")

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])
        if item.get("language"):  # RSS 2.0 has a channel's language only: Dublin Core's
            handler.addQuickElement("dc:language", item["language"])
        picture = item.get("picture")
        if picture:  # Media RSS: the picture with its size, caption and credit
            handler.startElement(
                "media:content",
                AttributesImpl(
                    {
                        "url": picture["url"],
                        "type": "image/jpeg",
                        "medium": "image",
                        "width": str(picture["width"]),
                        "height": str(picture["height"]),
                    }
                ),
            )
            if picture["caption"]:
                handler.addQuickElement("media:description", picture["caption"], {"type": "plain"})
            if picture["credit"]:
                handler.addQuickElement("media:credit", picture["credit"])
            handler.endElement("media:content")


class AtomFeed(KeptItems, Atom1Feed):
    """Atom 1.0 with HTML content, a hub link and tombstones for killed stories."""

    item_element = "entry"

    def write(self, outfile: Any, encoding: str) -> None:
        # Django's own Atom1Feed.write, with the writer that drops what XML cannot carry.
        handler = XmlWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", AttributesImpl(self.root_attributes()))
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def root_attributes(self) -> dict[str, str]:
        return {**super().root_attributes(), "xmlns:at": TOMBSTONE_NS}

    def item_attributes(self, item: dict[str, Any]) -> dict[str, str]:
        # RFC 4287 section 2: xml:lang on any element; an entry's own language.
        return {"xml:lang": item["language"]} if item.get("language") else {}

    def add_root_elements(self, handler: SimplerXMLGenerator) -> None:
        super().add_root_elements(handler)
        _hub_links(handler, self.feed, "link")

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})

    def write_items(self, handler: SimplerXMLGenerator) -> None:
        super().write_items(handler)
        # RFC 6721: tell readers an entry they may hold is gone.
        for gone in self.feed.get("tombstones", ()):
            handler.startElement(
                "at:deleted-entry",
                AttributesImpl({"ref": gone["id"], "when": rfc3339_date(gone["when"])}),
            )
            handler.addQuickElement("link", attrs={"href": gone["link"]})
            handler.endElement("at:deleted-entry")


def json_text(value: Any) -> Any:
    """Return `value` (JSON's strings, lists and objects) with every string as XML
    carries it (`xml_text`): a JSON Feed holds what the XML feeds hold, and is read
    into them by aggregators."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {key: json_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_text(item) for item in value]
    return value


class JsonFeed(KeptItems):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

    content_type = "application/feed+json; charset=utf-8"
    item_separator = ", "

    def render_item(self, item: dict) -> str:
        return json.dumps(json_text(self._item(item)), ensure_ascii=False)

    def write(self, outfile: Any, encoding: str) -> None:
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.feed["title"],
            "home_page_url": self.feed["link"],
            "feed_url": self.feed["feed_url"],
            "description": self.feed["description"],
            "language": self.feed["language"],
        }
        if self.feed.get("hub"):
            feed["hubs"] = [{"type": "WebSub", "url": self.feed["hub"]}]
        head = json.dumps(
            json_text({k: v for k, v in feed.items() if v is not None}), ensure_ascii=False
        )
        # The kept items are JSON already: joined into the array, not encoded again.
        items = self.item_separator.join(self.fragments)
        outfile.write(f'{head[:-1]}, "items": [{items}]}}')

    @staticmethod
    def _item(item: dict) -> dict:
        out = {
            "id": item["unique_id"],
            "url": item["link"],
            "title": item["title"],
            "content_html": item.get("content_html") or "",
            "summary": item.get("summary_text", item["description"]),  # plain text in JSON Feed
            "date_published": rfc3339_date(item["pubdate"]),
            "date_modified": rfc3339_date(item["updateddate"]),
            "authors": [{"name": item["author_name"]}] if item["author_name"] else None,
            "tags": list(item["categories"]) or None,
            "image": item["picture"]["url"] if item.get("picture") else None,
            "language": item.get("language") or None,  # JSON Feed 1.1: an item's own
        }
        return {k: v for k, v in out.items() if v is not None}
