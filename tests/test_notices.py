"""Kill notices are told from stories by their words: the quick check before the patterns."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.wire.notices import _KILL_WORDS, DEFAULT_KILL_PATTERNS, _compile, classify

from .wire_builder import g2_item

# Words of the default kill patterns, in every case agencies write them, and others.
WORDS = ["please", "kill", "KILL", "Kill", "mandatory", "MANDATORY", "is", "the", "this",
         "story", "item", "report", "article", "has", "been", "was", "withdrawn", "WITHDRAWN",
         "WITHDRAWAL", "ELIMINATION", "delete", "withdraw", "remove", "killing", "harvest",
         "Story", "Please", "NEW", "DELHI,", "please delete", "Please remove", "kill the story",
         "item was withdrawn", "MANDATORY KILL", "kill is mandatory", "mandatory kill"]  # fmt: skip
T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
SEPARATORS = [" ", "  ", "\n", "\n\n", " - ", ": ", "-", ""]


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=12))
def test_text_without_a_kill_word_matches_no_default_kill_pattern(parts):
    text = "".join(word + separator for word, separator in parts)
    matched = any(pattern.search(text) for pattern in _compile(DEFAULT_KILL_PATTERNS))
    assert not matched or _KILL_WORDS.search(text)


def test_every_default_kill_pattern_is_found_behind_the_quick_check():
    from wiredesk.ingest.prepare import PrepareOptions, prepare

    notices = ["KILL: story sent in error", "MANDATORY KILL", "ELIMINATION of item 12",
               "WITHDRAWN", "A kill is mandatory for this item", "Please delete the item",
               "The story has been withdrawn", "Editors, kill the story on the budget"]  # fmt: skip
    for headline in notices:
        delivery = g2_item("urn:k", 1, T0, headline=headline, paragraphs=("Sent in error.",))
        item = prepare(delivery, PrepareOptions()).items[0]
        assert classify(item).signal == "kill", headline
    story = prepare(g2_item("urn:s", 1, T0, headline="A killing in the hills",
                            paragraphs=("Police said two men died.",)), PrepareOptions())  # fmt: skip
    assert classify(story.items[0]).signal != "kill"
