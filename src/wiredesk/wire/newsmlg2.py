"""NewsML-G2 (IPTC): a newsItem, or a newsMessage carrying several items.

Text items become WireItems: `itemClass` ninat:text (and ninat:composite
with text). Picture and graphic items travelling with them in one newsMessage
become their pictures: those a packageItem groups with a text, else every one
of the message's. Pictures alone become picture items (an update or kill of
that picture wherever it is used). A package alone, or a video or audio item,
carries nothing to publish and is refused with that reason. Bodies come as `inlineXML` (NITF or XHTML)
or `inlineData` (plain text). Identity: `guid`; version: `version` (default 1,
NewsML-G2 spec 4.2). An update or kill is a new document with the same guid and
a higher version.
"""

from __future__ import annotations

import re

from lxml import etree

from . import nitf
from .errors import ItemFailure, ParseError, guarded
from .item import PubStatus, Signal, WireItem
from .numbers import is_number
from .pictures import PictureRef, Rendition, as_int, choose, clean
from .text import plain_title, text_to_html
from .times import parse_iso
from .xmlpaths import namespace_of, qcode_value, qualify, strip_namespaces
from .xmlsafe import inner_xml, leaf_text, local_name

G2_NS = "http://iptc.org/std/nar/2006-10-01/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ROOTS = {"newsItem", "newsMessage", "packageItem"}
TEXT_CLASSES = {"text", "composite", None}
PICTURE_CLASSES = {"picture", "graphic"}
STATUS: dict[str, PubStatus] = {"usable": "usable", "withheld": "withheld", "canceled": "canceled"}


def sniff(root: etree._Element) -> bool:
    """Return True for a NewsML-G2 item or message, with or without its namespace."""
    return local_name(root) in ROOTS and namespace_of(root) in (G2_NS, "")


def _signal(qcodes: list[str]) -> Signal | None:
    # sig:update and sig:correction are IPTC's; some agencies add a kill signal.
    codes = {qcode_value(q) for q in qcodes}
    signals: tuple[Signal, ...] = ("kill", "correction", "update")  # the strongest wins
    return next((signal for signal in signals if signal in codes), None)


# A tag with a namespace prefix (`<h:p>`): HTML has no prefixes, so such XHTML
# is rewritten without them. XHTML in a default namespace is serialised as it
# is: HTML reads `<html xmlns="...">` as `<html>` (and the sanitiser drops the
# attribute), and rewriting every tag costs more than the rest of the item.
_PREFIXED_TAG = re.compile(r"</?[A-Za-z][\w.\-]*:")


def _xhtml_body(container: etree._Element) -> str:
    """Return the XHTML/HTML of an inlineXML; `normalize` keeps the article part."""
    html = inner_xml(container)
    if _PREFIXED_TAG.search(html):
        strip_namespaces(container)
        etree.cleanup_namespaces(container)
        html = inner_xml(container)
    return html


_leaf_text = leaf_text


def _children(element: etree._Element | None, prefix: int):
    """Yield (local name, child) for the element children of `element`."""
    if element is None:
        return
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            yield tag[prefix:], child


def _body(content_set: etree._Element | None) -> str:
    if content_set is None:
        return ""
    for rendition in content_set:
        kind = local_name(rendition)
        content_type = (rendition.get("contenttype") or "").lower()
        if kind == "inlineXML":
            first = next(iter(rendition), None)
            if first is not None and (local_name(first) == "nitf" or "nitf" in content_type):
                content = next(
                    (el for el in first.iter() if local_name(el) == "body.content"), None
                )
                return nitf.body_html(content) if content is not None else ""
            return _xhtml_body(rendition)
        if kind == "inlineData":
            text = rendition.text or ""
            return text if "html" in content_type else text_to_html(text)
    return ""


def _item(
    item: etree._Element, prefix: int, fmt: str, inherited_lang: str | None
) -> WireItem | str:
    """Return the WireItem of a text newsItem, or the item class of any other item.

    One pass over the children of itemMeta and contentMeta: for a format read
    by the thousand a second, a find() per field costs more than the parse.
    """
    guid = item.get("guid")
    if not guid:
        raise ParseError("a NewsML-G2 item has no guid, so it has no identity")
    fields: dict = {"subjects": [], "keywords": []}
    meta = content_meta = content_set = rights = None
    for name, child in _children(item, prefix):
        if name == "itemMeta":
            meta = child
        elif name == "contentMeta":
            content_meta = child
        elif name == "contentSet":
            content_set = child
        elif name == "rightsInfo" and rights is None:
            rights = child
    item_class = None
    notes, signals = [], []
    for name, child in _children(meta, prefix):
        if name == "itemClass":
            item_class = qcode_value(child.get("qcode"))
        elif name == "versionCreated":
            fields["version_created"] = parse_iso(child.text)
        elif name == "firstCreated":
            fields["first_created"] = parse_iso(child.text)
        elif name == "embargoed":
            fields["embargoed_until"] = parse_iso(child.text)
        elif name == "pubStatus":
            fields["pub_status"] = STATUS.get(qcode_value(child.get("qcode")) or "", "usable")
        elif name == "edNote":
            notes.append(_leaf_text(child))
        elif name == "signal":
            signals.append(child.get("qcode", ""))
    if item_class in PICTURE_CLASSES:
        return _picture(item, guid, fields, content_meta, content_set, rights, prefix, fmt)
    if item_class not in TEXT_CLASSES:
        return item_class or "unknown"
    for name, child in _children(content_meta, prefix):
        if name == "headline":
            fields.setdefault("headline", _leaf_text(child))
        elif name == "urgency":
            value = (child.text or "").strip()
            fields["urgency"] = int(value) if is_number(value) else None
        elif name in ("slugline", "dateline", "creditline"):
            fields.setdefault(name, _leaf_text(child))
        elif name == "by":
            fields["byline"] = _leaf_text(child)
        elif name == "creator" and "byline" not in fields:
            creator = next((c for n, c in _children(child, prefix) if n == "name"), None)
            fields["creator"] = _leaf_text(creator) if creator is not None else None
        elif name == "located":
            place = next((c for n, c in _children(child, prefix) if n == "name"), None)
            fields["located"] = _leaf_text(place) if place is not None else None
        elif name == "language":
            fields["language"] = child.get("tag")
        elif name == "contentCreated":
            fields["content_created"] = parse_iso(child.text)
        elif name == "subject":
            code = child.get("qcode")
            label = next((c for n, c in _children(child, prefix) if n == "name"), None)
            label = _leaf_text(label) if label is not None else None
            if code or label:
                fields["subjects"].append(
                    {k: v for k, v in (("code", code), ("name", label or code)) if v}
                )
        elif name == "keyword":
            keyword = _leaf_text(child)
            if keyword:
                fields["keywords"].append(keyword)
    creator = fields.pop("creator", None)
    content_created = fields.pop("content_created", None)
    headline = fields.pop("headline", None)
    return WireItem(
        format=fmt,
        item_id=guid,
        version=item.get("version") or "1",
        signal=_signal(signals),
        headline=plain_title(headline),
        byline=fields.pop("byline", None) or creator,
        language=fields.pop("language", None) or item.get(XML_LANG) or inherited_lang,
        body_html=_body(content_set),
        ednote=" ".join(n for n in notes if n) or None,
        first_created=fields.pop("first_created", None) or content_created,
        **fields,
    )


def _picture(item, guid, fields, content_meta, content_set, rights, prefix, fmt) -> WireItem:
    """Return a picture item: its best `remoteContent` with what contentMeta says of it."""
    renditions = [
        Rendition(href=(c.get("href") or "").strip(), width=as_int(c.get("width")),
                  height=as_int(c.get("height")), mime=c.get("contenttype"),
                  name=c.get("rendition") or "")
        for name, c in _children(content_set, prefix) if name == "remoteContent"
    ]  # fmt: skip
    best = choose(renditions)
    meta: dict[str, str | None] = {}
    for name, child in _children(content_meta, prefix):
        if name == "description":
            role = qcode_value(child.get("role")) or "caption"
            key = "alt" if role.lower() in ("alternativetext", "alttext") else "caption"
            meta.setdefault(key, clean(_leaf_text(child)))
        elif name == "headline":
            meta.setdefault("headline", clean(_leaf_text(child)))
        elif name == "creditline":
            meta.setdefault("credit", clean(_leaf_text(child)))
        elif name == "by":
            meta.setdefault("byline", clean(_leaf_text(child)))
        elif name == "creator" and "byline" not in meta:
            creator = next((c for n, c in _children(child, prefix) if n == "name"), None)
            meta["byline"] = clean(_leaf_text(creator)) if creator is not None else None
    for name, child in _children(rights, prefix):
        if name == "copyrightNotice":
            meta["copyright"] = clean(_leaf_text(child))
        elif name == "usageTerms":
            meta["usage_terms"] = clean(_leaf_text(child))
        elif name == "copyrightHolder" and "copyright" not in meta:
            holder = next((c for n, c in _children(child, prefix) if n == "name"), None)
            meta["copyright"] = clean(_leaf_text(holder)) if holder is not None else None
    version = item.get("version") or "1"
    pictures = []
    if best is not None:
        pictures.append(PictureRef(
            href=best.href, ref=guid, caption=meta.get("caption") or meta.get("headline"),
            alt=meta.get("alt"), credit=meta.get("credit"), copyright=meta.get("copyright"),
            byline=meta.get("byline"), usage_terms=meta.get("usage_terms"), width=best.width,
            height=best.height, mime=best.mime, version=version,
        ))  # fmt: skip
    return WireItem(
        format=fmt, item_id=guid, version=version, kind="picture",
        pub_status=fields.get("pub_status", "usable"),
        version_created=fields.get("version_created"), headline=meta.get("headline") or "",
        pictures=pictures,
    )  # fmt: skip


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


def _cut(item: etree._Element) -> bytes:
    return etree.tostring(item, encoding="utf-8")


def _identify(item: etree._Element) -> str:
    return item.get("guid") or ""


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


def parse(root: etree._Element) -> list[WireItem | ItemFailure]:
    """Return the text items of a NewsML-G2 newsItem or newsMessage."""
    ns = namespace_of(root)
    prefix = len(ns) + 2 if ns else 0
    kind = local_name(root)
    if kind == "packageItem":
        raise ParseError(
            "NewsML-G2 packageItem alone: its text items are delivered separately; nothing to publish"
        )
    item_set = root.find(qualify("itemSet", ns))
    candidates = [root] if kind == "newsItem" else (list(item_set) if item_set is not None else [])
    language = root.get(XML_LANG)
    items: list[WireItem | ItemFailure] = []
    pictures: list[WireItem] = []
    groups: list[set[str]] = []
    refused = []
    position = 0
    for candidate in candidates:
        if local_name(candidate) == "packageItem":
            groups.extend(_package_groups(candidate, prefix))
        if local_name(candidate) != "newsItem":
            continue  # packages: their text items are read where they stand
        position += 1
        result = guarded(_item, candidate, position, _cut, _identify, prefix, "newsmlg2", language)
        if isinstance(result, str):
            refused.append(result)
        elif isinstance(result, WireItem) and result.kind == "picture":
            pictures.append(result)
        else:
            items.append(result)
    if pictures and not any(isinstance(i, WireItem) for i in items):
        return [*items, *pictures]  # pictures alone: updates or kills of those pictures
    if pictures:
        items = [_with_pictures(i, pictures, groups) for i in items]
    if not items:
        what = ", ".join(sorted({c or "unknown" for c in refused})) or "no"
        raise ParseError(
            f"NewsML-G2 {kind} has no text item ({what} items carry no text to publish)"
        )
    return items
