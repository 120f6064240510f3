"""Text helpers: whitespace folding, safe HTML that keeps every word, teasers, datelines.

The rule (DESIGN.md, "Verbatim"): sanitise markup, never text. Every helper here
may drop or rewrite tags and attributes, never a word of the agency's copy.
"""

from __future__ import annotations

import html
import re

import lxml.html
import nh3

# Tags a story body may keep. Everything else is unwrapped (its text kept).
SAFE_TAGS = {
    "p", "br", "hr", "a", "b", "strong", "i", "em", "u", "s", "sub", "sup", "small",
    "span", "blockquote", "q", "cite", "abbr", "code", "pre",
    "ul", "ol", "li", "dl", "dt", "dd",
    "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "figure", "figcaption", "img",
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# Only these elements lose their content: it is code or styling, never copy.
DROPPED_CONTENT_TAGS = {"script", "style", "template", "noscript"}

BLOCK_TAGS = {
    "p", "div", "br", "hr", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "figure", "figcaption",
    "section", "article", "header", "footer", "caption",
}  # fmt: skip

# Markup is recognised by real HTML element names only, so plain agency text
# such as "prices <fell> sharply" or "a<b" keeps its angle brackets as text.
HTML_NAMES = SAFE_TAGS | BLOCK_TAGS | DROPPED_CONTENT_TAGS | {
    "html", "body", "head", "font", "center", "big", "tt", "strike", "del", "ins", "mark",
    "time", "wbr", "nobr", "iframe", "object", "embed", "form", "input", "label", "button",
}  # fmt: skip
_TAG = re.compile(
    r"<\s*/?\s*(?:" + "|".join(sorted(HTML_NAMES, key=len, reverse=True)) + r")(?:\s[^>]*)?/?\s*>",
    re.IGNORECASE,
)
_BLANK_LINES = re.compile(r"\n\s*\n")


def fold(text: str) -> str:
    """Return `text` with every run of whitespace folded to one space, ends trimmed."""
    return " ".join(text.split())


def looks_like_html(text: str) -> bool:
    """Return True when `text` carries markup rather than plain lines."""
    return bool(_TAG.search(text))


def sanitize_html(fragment: str) -> str:
    """Return `fragment` with unsafe markup removed and every word of text kept."""
    return nh3.clean(
        fragment,
        tags=SAFE_TAGS,
        clean_content_tags=DROPPED_CONTENT_TAGS,
        attributes=SAFE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
        strip_comments=True,
    ).strip()


def text_to_html(text: str) -> str:
    """Return plain agency text as paragraphs: blank lines split them, else lines do."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    parts = _BLANK_LINES.split(text) if _BLANK_LINES.search(text) else text.split("\n")
    paragraphs = [fold(part) for part in parts if part.strip()]
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def body_html_from(text: str) -> str:
    """Return safe body HTML for an agency body that may be HTML or plain text."""
    if looks_like_html(text):
        return sanitize_html(text)
    return text_to_html(text)


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, one paragraph a line."""
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in DROPPED_CONTENT_TAGS:
            element.drop_tree()
        elif element.tag in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            if element.tag != "br":
                element.text = "\n" + (element.text or "")
    lines = (fold(line) for line in root.text_content().split("\n"))
    return "\n\n".join(line for line in lines if line)


def plain_title(text: str | None) -> str:
    """Return a title as plain text: some feeds put escaped markup in titles."""
    if not text:
        return ""
    if looks_like_html(text):
        text = html_to_text(text)
    return fold(html.unescape(text))


def paragraphs(text: str) -> list[str]:
    """Return the paragraphs of a `body_text`."""
    return [p for p in text.split("\n\n") if p]


def make_teaser(text: str, limit: int = 110) -> str:
    """Return the first words of `text`, cut at a word boundary, then ` ...`.

    Like the reference page: "Seoul, Oct 14 South Korea ... with North Korea, ...".
    """
    text = fold(text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    if cut <= 0:
        cut = limit
    return text[:cut].rstrip() + " ..."


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# "Seoul, Oct 14", "SEOUL, Oct 14 (Reuters) -", "NEW DELHI, October 14 (IANS)",
# "PARIS, Oct 14, 2021 (AFP) -", "Berlin, 14 Oct". The place is one to four
# capitalised words; the date is a month and a day (agency datelines carry no
# year or zone as a rule: the item's own times supply them).
DATELINE = re.compile(
    r"^(?P<dateline>(?P<place>[A-Z][\w.'\-]*(?:[ \-][A-Z][\w.'\-]*){0,3}"
    r"(?:,\s[A-Z][\w.'\-]*(?:\s[A-Z][\w.'\-]*){0,2})?),\s+"
    r"(?:" + _MONTH + r"\s+\d{1,2}|\d{1,2}\s+" + _MONTH + r")(?:,\s+\d{4})?"
    r"(?:\s+\((?P<agency>[^)]{1,40})\))?)"
    r"(?=\s|:|$)"
)


def find_dateline(text: str) -> tuple[str, str] | None:
    """Return (dateline, place) opening `text`, or None when it has none.

    `place` is given in title case when the agency set it in capitals
    ("SEOUL" becomes "Seoul"); the dateline itself is returned as written.
    """
    match = DATELINE.match(fold(text[:200]))
    if not match:
        return None
    place = match.group("place")
    if place.isupper():
        place = place.title()
    return match.group("dateline"), place
