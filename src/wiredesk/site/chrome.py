"""A page's chrome (base.html around its own blocks), rendered once and kept.

Everything of a reader page that is not the page's own (the head's styles,
the header with its navigation, the footer) is the same on every page of a
kind in one language of one edition, and rendering it was most of the page's
template (docs/benchmarks.md, "One uncached story page"). It is rendered from
base.html itself (a template extending it with a cut where each of the page's
blocks goes: site/page_chrome.html, site/story_chrome.html) and kept for the
content generation (site/per_generation.py), checked against the options and
navigation lists it was rendered from: so the chrome is base.html's, byte
for byte, on every page.
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

# Where each of the page's blocks goes (title, description, head, content):
# random, so no site name or word of a catalogue can hold it.
CUT = f"wiredesk-cut-{secrets.token_hex(16)}"
PIECES = 5
# Where a search's words go in the header's search box (`search_chrome`).
QUERY_CUT = f"wiredesk-query-{secrets.token_hex(16)}"


class PageChrome(NamedTuple):
    """base.html's pieces around a page's blocks, and the `lang` of the site's words."""

    top: SafeString  # to the title
    after_title: SafeString  # to the description
    after_description: SafeString  # to the rest of the head
    after_head: SafeString  # the styles and the header, to the page's content
    bottom: SafeString  # the footer
    words_lang: str  # `{% words_lang language %}`: the same on every part of the page


_kept: PerGeneration[tuple[object, object, object, PageChrome]] = PerGeneration()


def page_chrome(
    request: HttpRequest,
    template: str = "site/page_chrome.html",
    language: str = "",
    query: str = "",
) -> PageChrome:
    """Return base.html around a page's blocks (title, description, head, content), as
    `template` (extending base.html, a cut in each of those blocks) renders it for a page
    in `language` (the site's when "") in the request's edition and language.

    The header's search box holds `query` as base.html's `q` (empty on every
    page but a search's, `search_chrome`).
    """
    edition = getattr(request, "edition", "")
    key = (get_script_prefix(), translation.get_language(), edition, template, language, query)
    config, agencies, sections = settings.WIREDESK, nav_agencies(), nav_sections()

    def render() -> tuple[object, object, object, PageChrome]:
        context = {"story_language": language, "cut": CUT, "q": query}
        page = render_to_string(template, context, request)
        pieces = page.split(CUT)
        if len(pieces) != PIECES:
            raise ValueError(f"{template} gave {len(pieces)} pieces, not {PIECES}")
        top, after_title, after_description, after_head, bottom = map(mark_safe, pieces)
        words = mark_safe(words_lang(site(request), language))
        chrome = PageChrome(top, after_title, after_description, after_head, bottom, words)
        return config, agencies, sections, chrome

    kept = _kept.get(key, render)
    # Rendered from other options or another navigation (kept anew every so
    # often, or changed in this process): rendered again.
    if kept[0] is not config or kept[1] is not agencies or kept[2] is not sections:
        _kept.forget()
        kept = _kept.get(key, render)
    return kept[3]


def story_chrome(request: HttpRequest, story_language: str) -> PageChrome:
    """Return base.html around a story page's blocks, for a story in `story_language`
    (site/story_chrome.html: the page's language is the story's)."""
    return page_chrome(request, "site/story_chrome.html", story_language)


class SearchChrome(NamedTuple):
    """A search page's chrome: the page's, its header's search box cut where the words go."""

    chrome: PageChrome
    before_query: SafeString  # `chrome.after_head` to the search box's value
    after_query: SafeString  # the rest of it


def search_chrome(request: HttpRequest) -> SearchChrome:
    """Return base.html around a search page's blocks, with the search box's value cut out
    (the page puts the words, escaped, between `before_query` and `after_query`)."""
    chrome = page_chrome(request, query=QUERY_CUT)
    before, after = chrome.after_head.split(QUERY_CUT)
    return SearchChrome(chrome, mark_safe(before), mark_safe(after))
