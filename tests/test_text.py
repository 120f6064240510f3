"""Normalize helpers: datelines as agencies write them, teasers, sanitising that keeps every word."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.wire.text import (
    body_html_from,
    find_dateline,
    html_to_text,
    make_teaser,
    sanitize_html,
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
    text = ("Seoul, Oct 14 South Korea and the US are working closely together to restart dialogue "
            "with North Korea, Seoul's Ambassador to Washington Lee Soo-hyuck said.")  # fmt: skip
    assert make_teaser(text) == (
        "Seoul, Oct 14 South Korea and the US are working closely together to restart "
        "dialogue with North Korea, ..."
    )
    assert make_teaser("Short story.") == "Short story."


def test_sanitising_drops_scripts_and_attributes_but_never_a_word():
    dirty = ('<div onclick="x()"><p style="color:red">Hello <font face="x">dear</font> '
             '<o:p>reader</o:p><script>alert(1)</script></p>'
             '<p><a href="javascript:evil()">click</a> <a href="https://ok.example">ok</a></p></div>')  # fmt: skip
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


WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                min_size=1, max_size=12).filter(lambda w: not set(w) & set("<>&"))  # fmt: skip
TAGS = st.sampled_from(
    ["p", "div", "span", "b", "font", "o:p", "em", "section", "td", "li", "h1", "center"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TAGS, st.lists(WORDS, min_size=1, max_size=6)), min_size=1, max_size=8))
def test_sanitising_keeps_every_word_of_any_markup(blocks):
    fragment = "".join(f"<{tag}>{' '.join(words)}</{tag}>" for tag, words in blocks)
    # Every character of the copy survives, in order (spacing between inline
    # elements is the sender's: "<b>a</b><b>b</b>" has no space to keep).
    expected = "".join(w for _, words in blocks for w in words)
    assert "".join(html_to_text(sanitize_html(fragment)).split()) == "".join(expected.split())
