"""A story page's chrome (base.html around the story), rendered once and kept.

Everything of a story page that is not the story's (the head's styles, the
header with its navigation, the footer) is the same on every story in one
language of one edition, and rendering it was most of the page's template
(docs/benchmarks.md, "One uncached story page"). It is rendered from
base.html itself (site/story_chrome.html, with a cut where each of the
story's blocks goes) and kept for the content generation (site/per_generation.py),
checked against the options and navigation lists it was rendered from: so
the chrome is base.html's, byte for byte, on every page.
"""

from __future__ import annotations

import secrets
from typing import NamedTuple

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from .context import nav_agencies, nav_sections, site
from .per_generation import PerGeneration
from .templatetags.site_words import words_lang

# Where each of the story's blocks goes (title, description, head, content):
# random, so no site name or word of a catalogue can hold it.
CUT = f"wiredesk-cut-{secrets.token_hex(16)}"
PIECES = 5


class StoryChrome(NamedTuple):
    """base.html's pieces around a story page's blocks, and the `lang` of the site's words."""

    top: SafeString  # to the title
    after_title: SafeString  # to the description
    after_description: SafeString  # to the rest of the head
    after_head: SafeString  # the styles and the header, to the story
    bottom: SafeString  # the footer
    words_lang: str  # `{% words_lang story.language %}`: the same on every part of the page


_kept: PerGeneration[tuple[object, object, object, StoryChrome]] = PerGeneration()


def story_chrome(request: HttpRequest, story_language: str) -> StoryChrome:
    """Return base.html around a story page's blocks (title, description, head, content),
    for a story in `story_language` in the request's edition and language."""
    edition = getattr(request, "edition", "")
    key = (get_script_prefix(), translation.get_language(), edition, story_language)
    config, agencies, sections = settings.WIREDESK, nav_agencies(), nav_sections()

    def render() -> tuple[object, object, object, StoryChrome]:
        context = {"story_language": story_language, "cut": CUT}
        page = render_to_string("site/story_chrome.html", context, request)
        pieces = page.split(CUT)
        if len(pieces) != PIECES:
            raise ValueError(f"site/story_chrome.html gave {len(pieces)} pieces, not {PIECES}")
        top, after_title, after_description, after_head, bottom = map(mark_safe, pieces)
        words = mark_safe(words_lang(site(request), story_language))
        chrome = StoryChrome(top, after_title, after_description, after_head, bottom, words)
        return config, agencies, sections, chrome

    kept = _kept.get(key, render)
    # Rendered from other options or another navigation (kept anew every so
    # often, or changed in this process): rendered again.
    if kept[0] is not config or kept[1] is not agencies or kept[2] is not sections:
        _kept.forget()
        kept = _kept.get(key, render)
    return kept[3]
