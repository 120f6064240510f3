"""Text helpers: whitespace folding, safe HTML that keeps every word.

The rule (docs/design.md, "Verbatim"): sanitise markup, never text. Every helper here
may drop or rewrite tags and attributes, never a word of the agency's copy. Text
cut short (teasers, cuts between graphemes) is `cuts.py`'s.
"""

from __future__ import annotations

import html
import html.entities
import re
from typing import Any
from urllib.parse import urljoin

import lxml.html
import nh3

# Tags a story body may keep. Everything else is unwrapped (its text kept).
SAFE_TAGS = {
    "p",
    "br",
    "hr",
    "a",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "sub",
    "sup",
    "small",
    "span",
    "blockquote",
    "q",
    "cite",
    "abbr",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "figure",
    "figcaption",
}
# No <img>: an agency body's images point at the agency's servers (often behind
# its login) and need their own licence and renditions; their captions stay.
SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# Only these elements lose their content: it is code or styling, never copy.
DROPPED_CONTENT_TAGS = {"script", "style", "template", "noscript"}

BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "hr",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "figure",
    "figcaption",
    "section",
    "article",
    "header",
    "footer",
    "caption",
}

# "Is this HTML?", decided as mature feed readers decide it (feedparser's
# `_looks_like_html`, the Atom and ninjs content types): a declared type wins;
# text of no declared type is HTML only when it carries a closing tag, a void
# or self-closed tag, or a named or numeric character reference. So plain
# agency text such as "prices <fell> sharply", "a<b" or "Browsers block
# <script> tags" keeps its angle brackets as text, while `<img src=...>` or
# `<blink>x</blink>` are markup whatever their names.
#
# Every pattern over agency text here is linear: a tag's inside is
# `[^<>]*`, which stops at the next "<", so no start position rescans the text.
_WELL_FORMED_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:\-]*(?:\s[^<>]*)?/?>")
_CLOSING_TAG = re.compile(r"</[A-Za-z][A-Za-z0-9:\-]*\s*>")
_VOID_OR_SELF_CLOSED_TAG = re.compile(
    r"<(?:(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)"
    r"(?:\s[^<>]*)?|[A-Za-z][A-Za-z0-9:\-]*(?:\s[^<>]*)?/)>",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|([A-Za-z][A-Za-z0-9]{1,31}));")
_HTML_ENTITY_NAMES = frozenset(name[:-1] for name in html.entities.html5 if name.endswith(";"))
_BLANK_LINES = re.compile(r"\n\s*\n")
_BLOCK_EDGE = "\u2029"  # Unicode PARAGRAPH SEPARATOR
# What text cannot carry, dropped wherever agency or desk text comes in and
# wherever Wiredesk writes XML (docs/design.md, "Verbatim"): C0 controls other
# than tab and line ends, and DEL, which XML 1.0 (section 2.2) and HTML forbid;
# and the Unicode noncharacters, U+FDD0-U+FDEF and the last two code points of
# every plane (U+FFFE and U+FFFF among them), which XML 1.0 refuses or asks to
# avoid and no agency sends as words. One character class: linear, no backtracking.
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane | 0xFFFE) + chr(plane | 0xFFFF) for plane in range(0, 0x110000, 0x10000)
)
_UNCARRIED = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f" + NONCHARACTERS
_CONTROLS = re.compile(f"[{_UNCARRIED}]")
# What XML output drops: the same, and lone surrogates (no UTF-8 holds them).
_NOT_XML = re.compile(f"[{_UNCARRIED}\ud800-\udfff]")
_CONTROL_BYTES = bytes(c for c in range(0x80) if _CONTROLS.match(chr(c)))  # its ASCII part
# Every noncharacter's UTF-8 holds one of these; other text rarely does
# (U+FDC0-U+FDFF, and U+xFFE/U+xFFF of the other blocks, are read again).
_NONCHARACTER_BYTES = (b"\xef\xb7", b"\xbf\xbe", b"\xbf\xbf")


def _strip_encoded(text: str, data: bytes) -> str:
    """Return `text` without what it cannot carry, `data` being its UTF-8."""
    kept = data.translate(None, _CONTROL_BYTES)
    if len(data) != len(text) and any(b in kept for b in _NONCHARACTER_BYTES):
        return _CONTROLS.sub("", text)  # a noncharacter, perhaps: the expression decides
    return text if len(kept) == len(data) else kept.decode()


def strip_controls(text: str) -> str:
    """Return `text` without the characters text cannot carry: control characters
    (teletype leftovers, stray bytes) and Unicode noncharacters. Never a word.

    Deleted from its UTF-8 bytes, where a byte under 0x80 is always the
    character itself: a fifth of the regular expression's time. Text that may
    hold a noncharacter (a few bytes every one of them holds) goes through the
    expression.
    """
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate (from a lenient decoder)
        return _CONTROLS.sub("", text)
    return _strip_encoded(text, data)


def xml_text(text: str) -> str:
    """Return `text` as XML 1.0 carries it: what `strip_controls` drops, and lone
    surrogates, dropped. Every XML writer's text and attributes pass through here."""
    if not text:
        return text
    try:
        data = text.encode()
    except UnicodeEncodeError:
        return _NOT_XML.sub("", text)
    return _strip_encoded(text, data)


def clean_line(text: str) -> str:
    """Return a one-line field (a headline, a byline) as it is stored: folded, and
    without what text cannot carry."""
    return fold(strip_controls(text))


# A numeric character reference in HTML, with or without its ";" (as HTML reads it).
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));?")


def _reference_carried(match: re.Match[str]) -> str:
    hexadecimal, decimal = match.groups()
    digits = hexadecimal or decimal
    if len(digits) > 8:
        return match.group(0)
    code = int(digits, 16 if hexadecimal else 10)
    return "" if code < 0x110000 and _CONTROLS.match(chr(code)) else match.group(0)


def strip_html_controls(fragment: str) -> str:
    """Return HTML without what text cannot carry, written as it is or as a numeric
    character reference (`&#11;`, `&#xFFFE;`: a parser would decode it into the text)."""
    return _without_uncarried_references(strip_controls(fragment))


def _without_uncarried_references(fragment: str) -> str:
    return _NUMERIC_REFERENCE.sub(_reference_carried, fragment) if "&#" in fragment else fragment


def fold(text: str) -> str:
    """Return `text` with every run of whitespace folded to one space, ends trimmed."""
    return " ".join(text.split())


def has_reference(text: str) -> bool:
    """Return True when `text` holds a numeric or known named character reference."""
    if "&" not in text:
        return False
    for match in _REFERENCE.finditer(text):
        name = match.group(1)
        if name is None or name in _HTML_ENTITY_NAMES:
            return True
    return False


def looks_like_html(text: str) -> bool:
    """Return True when text of no declared type carries markup rather than plain lines."""
    if "<" in text and (_CLOSING_TAG.search(text) or _VOID_OR_SELF_CLOSED_TAG.search(text)):
        return True
    return has_reference(text)


def has_markup(text: str) -> bool:
    """Return True when text declared HTML holds any well-formed tag or character reference."""
    return ("<" in text and _WELL_FORMED_TAG.search(text) is not None) or has_reference(text)


SANITIZER_OPTIONS: dict[str, Any] = {
    "tags": SAFE_TAGS,
    "clean_content_tags": DROPPED_CONTENT_TAGS,
    "attributes": SAFE_ATTRIBUTES,
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": "noopener nofollow",
    "strip_comments": True,
}
# Built once: nh3.clean() turns every option into its Rust form again at each
# call, which took longer than the cleaning of a story (docs/benchmarks.md).
_SANITIZER = nh3.Cleaner(**SANITIZER_OPTIONS)


def sanitize_html(fragment: str) -> str:
    """Return `fragment` with unsafe markup removed and every word of text kept."""
    return _SANITIZER.clean(fragment).strip()


def text_to_html(text: str) -> str:
    """Return plain agency text as paragraphs: blank lines split them, else lines do."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    parts = _BLANK_LINES.split(text) if _BLANK_LINES.search(text) else text.split("\n")
    paragraphs = [fold(part) for part in parts if part.strip()]
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def article_html(fragment: str, headline: str = "") -> str:
    """Return the article part of an agency HTML body, markup only trimmed.

    Some agencies send a whole page: `<html><body>`, a repeated `<h1>` headline
    and, like TT's richhtml5, the copy inside `<div class="bodytext">` beside a
    box of labels. Keep the copy; drop the page around it and the headline
    repeated above it (it is shown as the headline).
    """
    fragment = strip_html_controls(fragment)
    lowered = fragment.lower()
    if "<body" not in lowered and "bodytext" not in lowered and "<h1" not in lowered:
        return fragment
    if "bodytext" not in lowered and "<h1" not in lowered:
        inside = _body_of(fragment, lowered)
        if inside is not None:
            return inside
    document = lxml.html.document_fromstring(fragment)
    container = document.find("body")
    if container is None:
        return fragment
    for div in container.iter("div"):
        if "bodytext" in (div.get("class") or "").split():
            container = div
            break
    else:
        first = next(container.iter("h1"), None)
        if first is not None and headline and fold(first.text_content()) == fold(headline):
            first.drop_tree()
    parts = [html.escape(container.text or "", quote=False)]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in container)
    return "".join(parts)


_ANY_TAG = re.compile(r"<[^<>]*>")


def _body_of(fragment: str, lowered: str) -> str | None:
    """Return what is inside a page's one <body>, when nothing but tags is outside it."""
    start = lowered.find("<body")
    opened = lowered.find(">", start)
    closed = lowered.rfind("</body")
    if start < 0 or opened < 0 or closed < opened or lowered.count("<body") != 1:
        return None
    outside = fragment[:start] + fragment[lowered.find(">", closed) + 1 :]
    if _ANY_TAG.sub("", outside).strip():
        return None  # text outside the body (a <title>, stray copy): let the parser place it
    return fragment[opened + 1 : closed]


def body_html_from(text: str) -> str:
    """Return safe body HTML for an agency body of no declared type (HTML or plain text)."""
    text = strip_controls(text)
    if looks_like_html(text):
        return sanitize_html(_without_uncarried_references(text))
    return text_to_html(text)


def html_body(fragment: str) -> str:
    """Return safe body HTML for a body declared HTML.

    Declared HTML with no tag at all is text with its paragraphs in line
    breaks, perhaps with character references (`don&#146;t`): decoded, then
    made paragraphs, as `text_to_html` makes them.
    """
    fragment = strip_html_controls(fragment)
    if "<" in fragment and _WELL_FORMED_TAG.search(fragment):
        return sanitize_html(fragment)
    return text_to_html(html.unescape(fragment) if "&" in fragment else fragment)


# A link attribute in raw HTML, its value quoted either way or not at all.
_LINK_ATTRIBUTE = re.compile(
    r"""(\s(?:href|src)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""", re.IGNORECASE
)
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_relative(url: str) -> bool:
    """Return True for a URL reference with no scheme (`entry1`, `/a/b`, `//host/x`)."""
    return not _ABSOLUTE.match(url.strip())


def absolute_url(url: str | None, base: str | None) -> str | None:
    """Return `url` resolved against `base` (RFC 3986 section 5), or as it is without a base."""
    if not url or not base or not is_relative(url):
        return url
    return urljoin(base, url.strip())


def resolve_links(fragment: str, base: str | None) -> str:
    """Return raw HTML with relative `href` and `src` values resolved against `base`."""
    if not base or ("href" not in fragment and "src" not in fragment):
        return fragment

    def resolve(match: re.Match[str]) -> str:
        value = next(v for v in match.group(2, 3, 4) if v is not None)
        url = html.unescape(value)
        if not is_relative(url):
            return match.group(0)
        return f'{match.group(1)}"{html.escape(urljoin(base, url.strip()))}"'

    return _LINK_ATTRIBUTE.sub(resolve, fragment)


def html_to_text(fragment: str, skip: frozenset[str] = frozenset()) -> str:
    """Return the visible text of an HTML fragment, one paragraph a line.

    Elements named in `skip` are left out (the lead text of a story leaves
    out picture captions: `skip=frozenset({"figure"})`).
    """
    fragment = strip_html_controls(fragment)
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.tag in DROPPED_CONTENT_TAGS or element.tag in skip:
            element.drop_tree()
        elif element.tag in BLOCK_TAGS:
            # Mark block edges; line breaks inside a block's source are only spacing.
            element.tail = _BLOCK_EDGE + (element.tail or "")
            if element.tag != "br":
                element.text = _BLOCK_EDGE + (element.text or "")
    blocks = (fold(block) for block in root.text_content().split(_BLOCK_EDGE))
    return "\n\n".join(block for block in blocks if block)


# A tag as html5ever (nh3) and `text_to_html` write them: a name, then
# name="value" attributes with double quotes (a ">" may sit inside a value).
_SERIALIZED_TAG = re.compile(r'<(/?)([A-Za-z][A-Za-z0-9]*)(?:\s+[^\s"=>/]+(?:="[^"]*")?)*\s*/?>')
_VOID_TAGS = {"br", "hr", "wbr", "img"}


def sanitized_html_to_text(fragment: str, skip: frozenset[str] = frozenset()) -> str:
    """Return what `html_to_text` returns, for HTML written by `body_html_from`.

    That HTML is well formed (serialized by html5ever, or our own paragraphs),
    has no comments, scripts or styles, and escapes text, so a scan of its tags
    finds the text without building a tree: five times quicker, and the same
    (tests/test_text.py compares the two on generated markup).
    """
    if "<" not in fragment:
        return fold(html.unescape(fragment))
    parts: list[str] = []
    skipping: list[str] = []  # open elements left out, innermost last
    position = 0
    for tag in _SERIALIZED_TAG.finditer(fragment):
        if not skipping:
            parts.append(fragment[position : tag.start()])
        position = tag.end()
        closing, name = tag.group(1), tag.group(2).lower()
        if name in skip or name in DROPPED_CONTENT_TAGS:
            if closing:
                if skipping and skipping[-1] == name:
                    skipping.pop()
            elif name not in _VOID_TAGS and not tag.group(0).endswith("/>"):
                skipping.append(name)
            continue
        if not skipping and name in BLOCK_TAGS:
            parts.append(_BLOCK_EDGE)
    if not skipping:
        parts.append(fragment[position:])
    text = html.unescape("".join(parts))
    # `fold` written in place, and empty blocks dropped by filter(): two
    # Python frames fewer for each of a story's dozen blocks.
    blocks = [" ".join(block.split()) for block in text.split(_BLOCK_EDGE)]
    return "\n\n".join(filter(None, blocks))


def plain_title(text: str | None, declared: str | None = None) -> str:
    """Return a title as plain text.

    `declared` is the title's declared type: "text" is taken as it is, "html"
    (and XHTML, serialised) is read as markup; a title of no declared type is
    markup only when it looks like it (some feeds put escaped HTML in titles).
    """
    if not text:
        return ""
    if declared == "html" or (declared is None and looks_like_html(text)):
        return fold(html_to_text(text))
    return fold(strip_controls(text))
