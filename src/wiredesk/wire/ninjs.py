"""ninjs (IPTC's JSON news format) 1.x, 2.x and 3.x: one document, or a list.

Only `uri` is required. 3.x is camelCase (`versionCreated`, `pubStatus`,
`embargoedUntil`), 2.x lower case (`versioncreated`, `pubstatus`, `embargoed`),
1.x names bodies and headlines by role (`body_html`, `headline_main`). Text
items (`type` text or composite, or untyped with a body) become WireItems,
with the pictures of their `associations` (1.x an object by name, 2.x and
3.x a list); a picture or graphic document alone becomes a picture item (an
update or kill of that picture wherever it is used); video, audio, events and
planning carry nothing to publish.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import ItemFailure, ParseError, guarded
from .item import PubStatus, WireItem
from .pictures import PictureRef, Rendition, as_int, choose, clean, is_image
from .text import fold, plain_title, text_to_html
from .times import parse_iso

TEXT_TYPES = {"text", "composite", None}
PICTURE_TYPES = {"picture", "graphic"}
HTML_TYPES = ("html", "xhtml", "xml")
STATUS: dict[str, PubStatus] = {"usable": "usable", "withheld": "withheld", "canceled": "canceled"}


# Fields only ninjs documents carry together with a `guid`: real 1.x producers
# identify items by `guid` and leave out `uri`, which the schema requires.
NINJS_FIELDS = frozenset(
    {
        "type",
        "headline",
        "headlines",
        "body_text",
        "body_html",
        "bodies",
        "versioncreated",
        "versionCreated",
        "firstcreated",
        "firstCreated",
        "pubstatus",
        "pubStatus",
        "byline",
        "description_text",
        "description_html",
        "renditions",
        "associations",
    }
)
RULE = "an object (or list of objects) with a `uri`, or a `guid` beside ninjs fields"


def _is_document(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    if isinstance(document.get("uri"), str):
        return True
    return isinstance(document.get("guid"), str) and not NINJS_FIELDS.isdisjoint(document)


def sniff(document: Any) -> bool:
    """Return True for a ninjs document or a list of them."""
    if isinstance(document, list):
        return bool(document) and all(map(_is_document, document))
    return _is_document(document)


def _get(doc: dict, *names: str) -> Any:
    for name in names:
        value = doc.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _string(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _by_role(entries: Any, preferred: tuple[str, ...] = ("main",)) -> list[dict]:
    """Return the entries of a 2.x/3.x list (`headlines`, `bodies`), preferred roles first."""
    if not isinstance(entries, list):
        return []
    entries = [e for e in entries if isinstance(e, dict) and isinstance(e.get("value"), str)]
    return sorted(entries, key=lambda e: e.get("role") not in preferred)


def _is_html(entry: dict) -> bool:
    content_type = str(entry.get("contentType") or entry.get("contenttype") or "").lower()
    return any(kind in content_type for kind in HTML_TYPES)


def _headline(doc: dict) -> str | None:
    for entry in _by_role(doc.get("headlines")):
        return entry["value"]
    if isinstance(doc.get("headline"), str):
        return doc["headline"]
    named = sorted(k for k in doc if k.startswith("headline_") and isinstance(doc[k], str))
    named.sort(key=lambda k: k != "headline_main")
    return doc[named[0]] if named else None


def _body(doc: dict) -> str:
    """Return the body as HTML: an HTML body if sent, else the text one."""
    entries = _by_role(doc.get("bodies"))
    for entry in entries:
        if _is_html(entry):
            return entry["value"]
    if entries:
        return text_to_html(entries[0]["value"])
    # 1.x: body_html / body_richtext / body_xhtml, else body_text / body_main.
    for key in ("body_html", "body_richtext", "body_xhtml"):
        if isinstance(doc.get(key), str) and doc[key].strip():
            return doc[key]
    for key in ("body_text", "body_main"):
        if isinstance(doc.get(key), str) and doc[key].strip():
            return text_to_html(doc[key])
    # An item with only a description (NTB sends short items so): that is its text.
    descriptions = _by_role(doc.get("descriptions"), ("text", "summary", "main"))
    for entry in descriptions:
        return entry["value"] if _is_html(entry) else text_to_html(entry["value"])
    for key in ("description_html", "description_text"):
        if isinstance(doc.get(key), str) and doc[key].strip():
            return doc[key] if key.endswith("html") else text_to_html(doc[key])
    return ""


def _subjects(doc: dict) -> list[dict[str, str]]:
    raw = doc.get("subjects") if isinstance(doc.get("subjects"), list) else doc.get("subject")
    subjects = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        name = _string(entry.get("name"))
        code = (
            _string(entry.get("uri")) or _string(entry.get("code")) or _string(entry.get("literal"))
        )
        if name or code:
            subject: dict[str, str] = {"name": name or code or ""}
            if code:
                subject["code"] = code
            if _string(entry.get("scheme")):
                subject["scheme"] = entry["scheme"]
            subjects.append(subject)
    return subjects


def _byline(doc: dict) -> str | None:
    by = _get(doc, "by", "byline")
    if isinstance(by, str):
        return by
    if isinstance(by, list):  # some 3.x producers send a list of names
        return ", ".join(str(b.get("name") if isinstance(b, dict) else b) for b in by) or None
    return None


def _item(doc: dict) -> WireItem:
    uri = _string(doc.get("uri")) or _string(doc.get("guid"))
    if not uri:
        raise ParseError("a ninjs document has neither uri nor guid, so it has no identity")
    urgency = doc.get("urgency")
    keywords: list[Any] = doc["keywords"] if isinstance(doc.get("keywords"), list) else []
    version = doc.get("version")
    return WireItem(
        format="ninjs",
        item_id=uri,
        version=str(version) if isinstance(version, str | int) and str(version).strip() else None,
        pub_status=STATUS.get(
            str(_get(doc, "pubStatus", "pubstatus") or "usable").lower(), "usable"
        ),
        first_created=parse_iso(_string(_get(doc, "firstCreated", "firstcreated"))),
        version_created=parse_iso(_string(_get(doc, "versionCreated", "versioncreated"))),
        embargoed_until=parse_iso(_string(_get(doc, "embargoedUntil", "embargoed"))),
        urgency=urgency if isinstance(urgency, int) and not isinstance(urgency, bool) else None,
        headline=plain_title(_headline(doc)),
        slugline=_string(doc.get("slugline")),
        byline=_byline(doc),
        located=_string(doc.get("located")),
        language=_string(doc.get("language")),
        body_html=_body(doc),
        subjects=_subjects(doc),
        keywords=[fold(k) for k in keywords if isinstance(k, str) and k.strip()],
        creditline=_string(_get(doc, "copyrightHolder", "copyrightholder")),
        ednote=_string(_get(doc, "edNote", "ednote")),
        pictures=_associated_pictures(doc),
        alt_ids=_alt_ids(doc),
    )


def _alt_ids(doc: dict) -> list[str]:
    # ninjs 2.x `altids`, 3.x `altIds`: a list of {role, value}; 1.x an object role: value.
    raw = _get(doc, "altIds", "altids")
    pairs = (
        raw.items()
        if isinstance(raw, dict)
        else ((e.get("role"), e.get("value")) for e in raw if isinstance(e, dict))
        if isinstance(raw, list)
        else ()
    )
    return [
        f"{role.strip() if isinstance(role, str) else ''}:{value.strip()}"
        for role, value in pairs
        if isinstance(value, str) and value.strip()
    ]


def _renditions(doc: dict) -> list[Rendition]:
    raw = doc.get("renditions")
    entries = (
        raw.items()
        if isinstance(raw, dict)
        else ((r.get("name", ""), r) for r in raw if isinstance(r, dict))
        if isinstance(raw, list)
        else ()
    )
    found = []
    for name, entry in entries:
        href = _string(entry.get("href")) if isinstance(entry, dict) else None
        if href:
            mime = _string(_get(entry, "contentType", "contenttype", "mimetype"))
            found.append(
                Rendition(
                    href=href,
                    width=as_int(entry.get("width")),
                    height=as_int(entry.get("height")),
                    mime=mime,
                    name=str(name or entry.get("title") or ""),
                )
            )
    return found


def _description(doc: dict, roles: tuple[str | None, ...]) -> str | None:
    """Return the first of a 2.x/3.x picture's `descriptions` with one of `roles`."""
    for entry in _by_role(doc.get("descriptions"), ()):
        if entry.get("role") in roles:
            return clean(entry["value"])
    return None


def _picture(doc: dict) -> PictureRef | None:
    """Return a picture association (or picture document) as a PictureRef, else None."""
    best = choose(_renditions(doc))
    uri = _string(doc.get("uri"))
    if best is None and uri and is_image(None, uri):  # 1.x associations name the file itself
        best = Rendition(href=uri)
    if best is None:
        return None
    version = doc.get("version")
    return PictureRef(
        href=best.href,
        ref=_string(doc.get("uri")) or _string(doc.get("guid")),
        caption=_description(doc, ("caption", "text", "summary", None))
        or clean(_get(doc, "description_text"))
        or clean(_get(doc, "body_text"))
        or clean(_headline(doc)),
        alt=_description(doc, ("alternativeText", "alttext", "alt")),
        credit=_description(doc, ("creditline",)) or clean(_get(doc, "creditline")),
        copyright=clean(
            _get(doc, "copyrightNotice", "copyrightnotice", "copyrightHolder", "copyrightholder")
        ),
        byline=clean(_byline(doc)),
        usage_terms=clean(_get(doc, "usageTerms", "usageterms")),
        width=best.width,
        height=best.height,
        mime=best.mime,
        version=str(version) if isinstance(version, str | int) else None,
    )


def _associated_pictures(doc: dict) -> list[PictureRef]:
    raw = doc.get("associations")
    entries = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else ()
    pictures = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type", "picture") not in PICTURE_TYPES:
            continue
        status = str(_get(entry, "pubStatus", "pubstatus") or "usable").lower()
        picture = _picture(entry) if status == "usable" else None
        if picture is not None:
            pictures.append(picture)
    return pictures


def _picture_item(doc: dict) -> WireItem:
    item = _item(doc)
    picture = _picture(doc)
    return item.replace(kind="picture", body_html="", pictures=[picture] if picture else [])


def _cut(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", errors="replace")


def _identify(doc: dict) -> str:
    return str(doc.get("uri") or doc.get("guid") or "")


def parse(document: Any) -> list[WireItem | ItemFailure]:
    """Return the text items of a ninjs document or list of documents."""
    documents = document if isinstance(document, list) else [document]
    items: list[WireItem | ItemFailure] = []
    refused = []
    for position, doc in enumerate(documents, 1):
        kind = doc.get("type")
        if isinstance(kind, str) and kind in PICTURE_TYPES:
            items.append(guarded(_picture_item, doc, position, _cut, _identify))
            continue
        if not isinstance(kind, str | None) or kind not in TEXT_TYPES:
            refused.append(str(kind))
            continue
        item = guarded(_item, doc, position, _cut, _identify)
        if isinstance(item, WireItem) and kind is None and not item.headline and not item.body_html:
            refused.append("untyped, empty")
            continue
        items.append(item)
    if not items:
        raise ParseError(
            f"ninjs has no text item ({', '.join(sorted(set(refused)))} items carry no text to publish)"
        )
    return items
