"""Kill notices are told from stories by their words: the quick check before the patterns."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.wire.notices import (
    _KILL_WORDS,
    DEFAULT_KILL_PATTERNS,
    _compile,
    classify,
    names_a_kill_word,
)

from .wire_builder import g2_item

# Words of the default kill patterns, in every case agencies write them, and others.
WORDS = [
    "please",
    "kill",
    "KILL",
    "Kill",
    "mandatory",
    "MANDATORY",
    "is",
    "the",
    "this",
    "story",
    "item",
    "report",
    "article",
    "has",
    "been",
    "was",
    "withdrawn",
    "WITHDRAWN",
    "WITHDRAWAL",
    "ELIMINATION",
    "delete",
    "withdraw",
    "remove",
    "killing",
    "harvest",
    "Story",
    "Please",
    "NEW",
    "DELHI,",
    "please delete",
    "Please remove",
    "kill the story",
    "item was withdrawn",
    "MANDATORY KILL",
    "kill is mandatory",
    "mandatory kill",
]
T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
SEPARATORS = [" ", "  ", "\n", "\n\n", " - ", ": ", "-", ""]


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=12))
def test_text_without_a_kill_word_matches_no_default_kill_pattern(parts):
    text = "".join(word + separator for word, separator in parts)
    matched = any(pattern.search(text) for pattern in _compile(DEFAULT_KILL_PATTERNS))
    assert not matched or _KILL_WORDS.search(text)


# Letters whose case-blind matching differs from str.lower(): the Kelvin sign
# matches "k", dotted capital I matches "i", in regular expressions only.
ODD_LETTERS = ["\u212a", "\u0130", "\u0131", "\u017f", "é", "न", "KİLL", "\u212aill"]


@settings(max_examples=500)
@given(
    st.lists(st.sampled_from(WORDS + ODD_LETTERS + SEPARATORS) | st.text(max_size=4), max_size=12)
)
def test_quick_kill_word_check_finds_what_the_expression_finds(parts):
    text = "".join(parts)
    assert names_a_kill_word(text) == bool(_KILL_WORDS.search(text))


def test_kill_word_in_odd_capitals_is_still_found():
    assert names_a_kill_word("\u212aILL the story")  # KELVIN SIGN, as the expression reads it
    assert names_a_kill_word("K\u0130LL")  # dotted capital I
    assert not names_a_kill_word("A killing-free day".replace("kill", "k ill"))


def test_every_default_kill_pattern_is_found_behind_the_quick_check():
    from wiredesk.ingest.prepare import PrepareOptions, prepare

    notices = [
        "KILL: story sent in error",
        "MANDATORY KILL",
        "ELIMINATION of item 12",
        "WITHDRAWN",
        "A kill is mandatory for this item",
        "Please delete the item",
        "The story has been withdrawn",
        "Editors, kill the story on the budget",
    ]
    for headline in notices:
        delivery = g2_item("urn:k", 1, T0, headline=headline, paragraphs=("Sent in error.",))
        item = prepare(delivery, PrepareOptions()).items[0]
        assert classify(item).signal == "kill", headline
    story = prepare(
        g2_item(
            "urn:s",
            1,
            T0,
            headline="A killing in the hills",
            paragraphs=("Police said two men died.",),
        ),
        PrepareOptions(),
    )
    assert classify(story.items[0]).signal != "kill"
