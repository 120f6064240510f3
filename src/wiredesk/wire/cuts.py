"""Text cut short without breaking a letter: teasers, and cuts between graphemes.

A teaser ends at a word; a run of text with no space to cut at, a headline
cut for a card or for structured data, ends between grapheme clusters
(Unicode UAX #29), never inside a conjunct or before a vowel sign
(docs/languages.md). Every cut is a start of the text: no word is changed.
"""

from __future__ import annotations

import regex

from .text import fold


def make_teaser(text: str, limit: int = 110) -> str:
    """Return the first words of `text`, cut at a word boundary, then ` ...`.

    Like the reference page: "Seoul, Oct 14 South Korea ... with North Korea, ...".
    """
    # The folded start of a text is the start of the folded text (a word cut at
    # the end is the start of that word): fold a few times `limit` characters,
    # not a whole story, unless that start folds shorter than `limit`.
    start = fold(text[: 4 * limit + 8])
    text = start if len(start) > limit else fold(text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    if cut <= 0:
        return cut_graphemes(text, limit).rstrip() + " ..."
    return text[:cut].rstrip() + " ..."


_GRAPHEME = regex.compile(r"\X")


def cut_graphemes(text: str, limit: int) -> str:
    """Return the longest start of `text` of at most `limit` characters that ends between graphemes.

    A conjunct or a letter with its vowel sign is one grapheme cluster (Unicode
    UAX #29): "क्षि" is four code points, and a cut inside it shows a stray sign.
    """
    if len(text) <= limit:
        return text
    end = 0
    for match in _GRAPHEME.finditer(text, 0, limit + 1):
        if match.end() > limit:
            break
        end = match.end()
    return text[:end]
