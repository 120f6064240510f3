"""A search's results and a list's stories as their pages show them: a few columns a story,
never a model instance.

A card shows a story's headline, address, agency, time, teaser and language,
and on a list its lead picture (a search has none). Reading those columns
only, and giving the page each card's words made beforehand, makes a search's
work a row the same small amount however many stories match (docs/design.md,
Bounded cost per request). `cards_markup` writes the cards, the one markup of
both pages, in Python: the template engine's loop over twenty cards of eight
words each cost a search page more than its query (docs/benchmarks.md).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from wiredesk.pictures.selectors import ShownPicture
from wiredesk.stories.storage.search_ranking import CANDIDATES
from wiredesk.wire import rfc3339

from .languages import direction, reader_time
from .story_paths import StoryPaths

# The columns a result shows, as values() names them.
FIELDS = ("id", "slug", "headline", "language", "teaser", "first_published_at", "agency__name")
RESULTS_A_PAGE = 20
# A search's pages are the best of its newest CANDIDATES matches, each a read of its own.
PAGES = CANDIDATES // RESULTS_A_PAGE
_PAGE_NUMBERS = {str(n): n for n in range(1, PAGES + 1)}


def page_number(asked: str | None) -> int:
    """Return the results page `?page=` asks for (1 when it asks for none); 404 for one
    that is not a number of PAGES."""
    if asked is None:
        return 1
    if asked not in _PAGE_NUMBERS:  # never int() of what was asked: it may be any length
        raise Http404("No such page of results")
    return _PAGE_NUMBERS[asked]


def pages(q: str, number: int, more: bool) -> dict[str, Any] | None:
    """Return the pager of results page `number` (`more`: a later page has results), or
    None where the results are one page."""
    if number == 1 and not more:
        return None

    def address(n: int) -> str:
        return "?" + urlencode({"q": q, "page": n} if n > 1 else {"q": q})

    return {
        "number": number,
        "previous": address(number - 1) if number > 1 else "",
        "previous_number": number - 1,
        "next": address(number + 1) if more and number < PAGES else "",
        "next_number": number + 1,
    }


def cards(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return rows (FIELDS, and on a list "lead_picture") as `cards_markup` writes them:
    the card's every word made.

    The times as the filters `rfc3339` and `local_time` write them, each
    story's made local once; every address the story's `get_absolute_url`,
    made from one reversed address rather than the resolver asked again for
    each row; a picture's thumbnail and its size as `{% widthratio %}` gives it.
    """
    path = StoryPaths()
    language = translation.get_language() or ""
    zone = timezone.get_current_timezone()
    cards = []
    for row in rows:
        local = timezone.localtime(row["first_published_at"], zone)
        card = {
            "url": path(row["id"], row["slug"]),
            "headline": row["headline"],
            "language": row["language"],
            "agency": row["agency__name"],
            "datetime": rfc3339(local),
            "time": reader_time(local, language),
            "teaser": row["teaser"],
            "thumb": "",  # none: a key the template finds (a missing one costs it a dir())
        }
        picture = row.get("lead_picture")
        if picture is not None:
            card.update(thumbnail(picture))
        cards.append(card)
    return cards


def thumbnail(picture: ShownPicture) -> dict[str, str]:
    """Return a list card's picture: its smallest WebP and the size it is shown at."""
    shown = picture.widths[0]
    try:  # as `{% widthratio height width shown %}` writes it
        height = str(round(float(picture.height) / float(picture.width) * shown))
    except ZeroDivisionError:
        height = "0"
    return {"thumb": picture.thumbnail, "thumb_width": str(shown), "thumb_height": height}


def cards_markup(cards: list[dict[str, Any]], page_language: str) -> SafeString:
    """Return `cards` as a list's or a results page's `<li>` items, in a page in `page_language`.

    Each word escaped as the template engine's autoescape would; a story in
    another language than the page's is marked with its `lang` (and its `dir`
    where that differs), as the `lang_if_other` filter marks it.
    """
    parts = []
    page_direction = direction(page_language) if page_language else ""
    for card in cards:
        language = card["language"]
        lang = ""
        if language and page_language and language != page_language:
            ours = direction(language)
            lang = f' lang="{escape(language)}"'
            if ours != page_direction:
                lang += f' dir="{escape(ours)}"'
        picture = ""
        if card["thumb"]:
            lang = ' class="with-picture"' + lang
            picture = (
                f'<img class="thumb" src="{escape(card["thumb"])}" '
                f'width="{escape(card["thumb_width"])}" height="{escape(card["thumb_height"])}" '
                'alt="" loading="lazy" decoding="async">'
            )
        parts.append(
            f"\n  <li{lang}>\n    {picture}\n"
            f'    <h2><a href="{escape(card["url"])}">{escape(card["headline"])}</a></h2>\n'
            f'    <div class="meta">{escape(card["agency"])} · '
            f'<time datetime="{escape(card["datetime"])}">{escape(card["time"])}</time></div>\n'
            f"    <p>{escape(card['teaser'])}</p>\n  </li>\n\n"
        )
    return SafeString("".join(parts))
