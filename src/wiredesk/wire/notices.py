"""Tell kill notices and advisories from stories, by the words agencies use.

Agencies send kills and advisories as ordinary text items ("Please kill the
story ... A kill is mandatory."): they must kill, and never appear as a story.
Each source may add its own patterns; these defaults cover the common wording.
Only the headline, the editor's note and the first paragraph are looked at, so
a story that reports a killing is not a kill notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .item import WireItem

DEFAULT_KILL_PATTERNS = (
    # In capitals at the start of a headline: "KILL", "MANDATORY KILL", "ELIMINATION".
    r"^\s*(?:MANDATORY\s+)?(?:KILL|ELIMINATION|WITHDRAWAL|WITHDRAWN)\b",
    r"(?i)\bmandatory kill\b",
    r"(?i)\bkill is mandatory\b",
    r"(?i)\bplease (?:kill|delete|withdraw|remove)\b",
    r"(?i)\b(?:story|item|report|article) (?:has been |is |was )?withdrawn\b",
    r"(?i)\bkill (?:the|this) (?:story|item|report)\b",
)
# Every default kill pattern needs one of these words (in any case): a text
# without any of them matches none (tests/test_notices.py checks).
KILL_WORDS = ("kill", "elimination", "withdraw", "delete", "remove")
_KILL_WORDS = re.compile("|".join(KILL_WORDS), re.IGNORECASE)
DEFAULT_ADVISORY_PATTERNS = (
    r"^\s*(?:ADVISORY|EDITORS?'? NOTE|NOTE TO EDITORS|EDS:|BUDGET|DAYBOOK)\b",
    r"(?i)^\s*(?:advisory|note to editors)\s*[:\-]",
)


@lru_cache(maxsize=256)
def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.MULTILINE) for p in patterns)


def _searched_text(item: WireItem) -> str:
    first = item.body_text.split("\n\n", 1)[0] if item.body_text else ""
    return "\n".join(part for part in (item.headline, item.ednote or "", first) if part)


def names_a_kill_word(text: str) -> bool:
    """Return True when `text` holds a kill word in any case (what `_KILL_WORDS` finds).

    ASCII text is lowered and searched for each word: a tenth of the regular
    expression's time (a case-blind alternation has no literal to skip to).
    Other text goes to the expression, whose case-blind matching of letters
    outside ASCII (the Kelvin sign for "k", dotted capital I) `lower` does not share.
    """
    if text.isascii():
        lowered = text.lower()
        return any(word in lowered for word in KILL_WORDS)
    return _KILL_WORDS.search(text) is not None


def classify(
    item: WireItem, kill_patterns: Iterable[str] = (), advisory_patterns: Iterable[str] = ()
) -> WireItem:
    """Return `item` marked as a kill notice (signal kill, an advisory) or an advisory."""
    text = _searched_text(item)
    # Most items name no kill word: the default patterns (a scan each) are
    # skipped for them; an agency's own patterns are always searched.
    defaults = DEFAULT_KILL_PATTERNS if names_a_kill_word(text) else ()
    kills = _compile(defaults + tuple(kill_patterns))
    if any(p.search(text) for p in kills):
        return item.replace(signal="kill", is_advisory=True)
    advisories = _compile(DEFAULT_ADVISORY_PATTERNS + tuple(advisory_patterns))
    if any(p.search(item.headline) for p in advisories):
        return item.replace(is_advisory=True)
    return item


def notice_text(item: WireItem) -> str:
    """Return the words of a kill notice that may name the stories it kills."""
    return "\n".join(
        p for p in (item.headline, item.slugline or "", item.ednote or "", item.body_text) if p
    )
