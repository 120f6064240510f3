"""Normalize helpers: datelines as agencies write them, teasers, sanitising that keeps every word."""

from __future__ import annotations

import re

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.wire.cuts import make_teaser
from wiredesk.wire.datelines import find_dateline
from wiredesk.wire.text import (
    _CONTROLS,
    article_html,
    body_html_from,
    html_to_text,
    sanitize_html,
    sanitized_html_to_text,
    strip_controls,
)


@pytest.mark.parametrize(
    ("text", "dateline", "place"),
    [
        ("Seoul, Oct 14 South Korea and the US", "Seoul, Oct 14", "Seoul"),
        ("SEOUL, Oct 14 (Reuters) - South Korea", "SEOUL, Oct 14 (Reuters)", "Seoul"),
        (
            "NEW DELHI, October 14 (IANS) The government",
            "NEW DELHI, October 14 (IANS)",
            "New Delhi",
        ),
        ("PARIS, Oct 14, 2021 (AFP) - France", "PARIS, Oct 14, 2021 (AFP)", "Paris"),
        ("Berlin, 14 Oct: Germany", "Berlin, 14 Oct", "Berlin"),
        ("WASHINGTON, Sept. 3 (AP) — The", "WASHINGTON, Sept. 3 (AP)", "Washington"),
    ],
)
def test_dateline_styles_of_the_agencies(text, dateline, place):
    assert find_dateline(text) == (dateline, place)


@pytest.mark.parametrize(
    "text", ["The US said on Oct 14", "In Seoul, officials", "May, 14 people", ""]
)
def test_text_without_a_dateline_has_none(text):
    assert find_dateline(text) is None


def test_teaser_is_cut_at_a_word_then_ellipsis_like_the_reference_page():
    text = (
        "Seoul, Oct 14 South Korea and the US are working closely together to restart dialogue "
        "with North Korea, Seoul's Ambassador to Washington Lee Soo-hyuck said."
    )
    assert make_teaser(text) == (
        "Seoul, Oct 14 South Korea and the US are working closely together to restart "
        "dialogue with North Korea, ..."
    )
    assert make_teaser("Short story.") == "Short story."


def test_sanitising_drops_scripts_and_attributes_but_never_a_word():
    dirty = (
        '<div onclick="x()"><p style="color:red">Hello <font face="x">dear</font> '
        "<o:p>reader</o:p><script>alert(1)</script></p>"
        '<p><a href="javascript:evil()">click</a> <a href="https://ok.example">ok</a></p></div>'
    )
    clean = sanitize_html(dirty)
    assert "script" not in clean and "onclick" not in clean and "style" not in clean
    assert "javascript" not in clean
    assert html_to_text(clean) == "Hello dear reader\n\nclick ok"


def test_plain_text_with_angle_brackets_is_text_not_markup():
    assert body_html_from("Shares <fell> 3% as a<b") == "<p>Shares &lt;fell&gt; 3% as a&lt;b</p>"


def test_plain_text_body_becomes_paragraphs():
    assert (
        body_html_from("One & two.\n\nThree <four>?")
        == "<p>One &amp; two.</p><p>Three &lt;four&gt;?</p>"
    )


WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
).filter(lambda w: not set(w) & set("<>&"))
TAGS = st.sampled_from(
    ["p", "div", "span", "b", "font", "o:p", "em", "section", "td", "li", "h1", "center"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TAGS, st.lists(WORDS, min_size=1, max_size=6)), min_size=1, max_size=8))
def test_sanitising_keeps_every_word_of_any_markup(blocks):
    fragment = "".join(f"<{tag}>{' '.join(words)}</{tag}>" for tag, words in blocks)
    # Every character of the copy survives, in order (spacing between inline
    # elements is the sender's: "<b>a</b><b>b</b>" has no space to keep).
    # Noncharacters (U+FFFE and kin) are not words and are dropped on the way in.
    expected = _CONTROLS.sub("", "".join(w for _, words in blocks for w in words))
    assert "".join(html_to_text(sanitize_html(fragment)).split()) == "".join(expected.split())


INLINE_OR_BLOCK = st.sampled_from(
    [
        "p",
        "div",
        "span",
        "b",
        'a href="x>y"',
        "em",
        "figure",
        "figcaption",
        "td",
        "li",
        "h2",
        "blockquote",
        "br",
        "hr",
        "table",
        "tr",
        "script",
        "i title='t'",
    ]
)
TEXT = st.text(alphabet=st.sampled_from(list("ab \n\t&<>;\u00a0é\"'")), max_size=12)


@st.composite
def markup(draw, depth=0):
    """Markup as agencies send it: nested tags, entities, stray brackets, any spacing."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 2)) if depth < 3 else 0
        if kind == 0:
            parts.append(draw(TEXT))
        elif kind == 1:
            parts.append(draw(st.sampled_from(["&amp;", "&nbsp;", "&lt;", "&#8212;", "&hellip;"])))
        else:
            tag = draw(INLINE_OR_BLOCK)
            parts.append(f"<{tag}>{draw(markup(depth + 1))}</{tag.split()[0]}>")
    return "".join(parts)


def _tags(markup: str) -> list[str]:
    return re.findall(r"</?[a-z0-9]+", markup)


@settings(max_examples=1000, deadline=None)
@given(markup(), st.sampled_from([frozenset(), frozenset({"figure"})]))
def test_the_quick_text_of_sanitised_html_is_what_lxml_reads(fragment, skip):
    safe = body_html_from(fragment)
    quick, read = sanitized_html_to_text(safe, skip), html_to_text(safe, skip)
    # Every character, in order, always.
    assert "".join(quick.split()) == "".join(read.split())
    # The same paragraphs, wherever lxml keeps the tree html5ever wrote. (Its
    # HTML 4 parser moves some HTML5 nesting: "<h2><p></p>x</h2>" loses the
    # h2 around "x", and the paragraph break after it; the quick scan keeps it.)
    parsed = lxml.html.fragment_fromstring(safe, create_parent="div")
    if _tags(lxml.html.tostring(parsed, encoding="unicode"))[1:-1] == _tags(safe):
        assert quick == read


def test_the_quick_text_keeps_the_paragraphs_html5_nests():
    assert sanitized_html_to_text("<h2><p></p>x</h2>y") == "x\n\ny"


@pytest.mark.parametrize(
    ("page", "text"),
    [
        (
            '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>One &amp; two</p><p>Three</p>'
            "</body></html>",
            "One & two\n\nThree",
        ),
        ('<html>\n<body class="story">\n<p>Copy</p>\n</body>\n</html>\n', "Copy"),
        ("<html><head><title>Page</title></head><body><p>Copy</p></body></html>", "Copy"),
        ("<html><body><h1>Headline</h1><p>Copy</p></body></html>", "Copy"),
    ],
)
def test_a_whole_page_is_trimmed_to_the_copy_of_its_body(page, text):
    assert sanitized_html_to_text(body_html_from(article_html(page, "Headline"))) == text


CONTROL_AND_TEXT = st.text(
    st.characters(codec="utf-8")
    | st.sampled_from(["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\t", "\n", "\r", "\x85", "न", "é"])
)


@settings(max_examples=500)
@given(CONTROL_AND_TEXT)
def test_controls_are_stripped_as_the_expression_strips_them(text):
    assert strip_controls(text) == _CONTROLS.sub("", text)


def test_controls_are_stripped_from_text_with_a_lone_surrogate():
    # A lenient decoder (surrogateescape) leaves these; they cannot be UTF-8 encoded.
    assert strip_controls("a\x07b\udcff") == "ab\udcff"
    assert strip_controls("पाठ\x1b[0m") == "पाठ[0m"


def _teaser_of_the_whole_text(text: str, limit: int) -> str:
    """The teaser's definition: the first words of the whole folded text."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit].rstrip() + " ..."


@settings(max_examples=300)
@given(
    st.text(alphabet=st.sampled_from("ab \n\t\u00a0\u2003xé"), max_size=900),
    st.integers(min_value=1, max_value=200),
)
def test_teaser_folds_only_the_start_and_is_the_teaser_of_the_whole_text(text, limit):
    assert make_teaser(text, limit) == _teaser_of_the_whole_text(text, limit)


# Pieces of hostile and ordinary agency markup, joined at random.
MARKUP_PIECES = (
    "<p>",
    "</p>",
    "<script>alert(1)</script>",
    "<a href='javascript:x'>",
    "</a>",
    '<a href="https://example.com/" onclick="x">',
    "<img src=x onerror=y>",
    "<!-- note -->",
    "<td colspan=2 style=x>",
    "<style>p{}</style>",
    "Words & more ",
    "<h1>",
    "<figure><figcaption>",
    "<b>",
    "<table><tr><td>",
    "Text ",
)


@settings(max_examples=200)
@given(st.lists(st.sampled_from(MARKUP_PIECES), max_size=12).map("".join))
def test_sanitizer_built_once_cleans_as_nh3_clean_with_the_same_options(fragment):
    import nh3

    from wiredesk.wire.text import SANITIZER_OPTIONS, sanitize_html

    assert sanitize_html(fragment) == nh3.clean(fragment, **SANITIZER_OPTIONS).strip()
