"""Test helpers: read HTML the way a reader sees it."""

from __future__ import annotations

import copy

import lxml.html

from wiredesk.wire.text import fold

# Elements a browser lays out as blocks: their text never runs into the next.
BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "article",
    "header",
    "footer",
    "nav",
    "main",
    "section",
    "table",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "pre",
    "hr",
}


def visible_text(element: lxml.html.HtmlElement) -> str:
    """Return the text of `element` as a reader sees it, whitespace folded."""
    element = copy.deepcopy(element)
    for hidden in element.xpath(".//script|.//style|.//template"):
        hidden.drop_tree()
    for child in element.iter():
        if isinstance(child.tag, str) and child.tag in BLOCKS:
            child.tail = " " + (child.tail or "")
            child.text = " " + (child.text or "")
    return fold(element.text_content())


def html_fragment_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment."""
    return visible_text(lxml.html.fragment_fromstring(fragment, create_parent="div"))
