"""Every time a reader sees on the site names its zone (issue 31's walk: "09:39 AM" said
nothing of where): story, versions, list, search and edition pages, English and Hindi."""

from __future__ import annotations

import re

import pytest
from lxml import html

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

from .conftest import SEED_V1, SEED_V2
from .options import with_options
from .test_indian_scripts import ninjs

# A clock standing alone: not part of an agency's version stamp ("2021-10-14T09:50:13+05:30").
CLOCK = re.compile(r"(?<![\w:+-])\d{1,2}:\d{2}(?![\d:])")


def times_of(client, address: str) -> list[str]:
    """Return the text of every <time> on a page, after checking no clock stands outside one."""
    response = client.get(address)
    assert response.status_code == 200, (address, response.status_code)
    page = html.fromstring(response.content)
    for needless in page.xpath("//script | //style | //time"):
        needless.drop_tree()
    loose = CLOCK.findall(page.text_content())
    assert not loose, f"{address}: a time outside <time>: {loose}"
    page = html.fromstring(response.content)
    return [" ".join(t.text_content().split()) for t in page.iter("time")]


@pytest.mark.parametrize("language", ["en", "hi"])
def test_every_time_on_the_site_names_the_site_s_zone(client, feeds, ingest, settings, language):
    with_options(
        settings, site={"language": language, "editions": ("hi",) if language == "en" else ()}
    )
    ingest(SEED_V1)
    ingest(SEED_V2)  # a correction: the versions page lists two times each
    seed = Story.objects.get()
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:times", "hi"), "hi.json")
    hindi = Story.objects.get(item_id="urn:ians:hi:times")
    word = seed.headline.split()[0]
    pages = [
        "/",
        seed.get_absolute_url(),
        seed.get_absolute_url() + "versions/",
        hindi.get_absolute_url(),
        f"/agency/{seed.agency.slug}/",
        f"/search?q={word}",
    ]
    if language == "en":
        pages.append("/hi/")
    seen = 0
    for address in pages:
        for text in times_of(client, address):
            assert text.endswith(" IST"), (address, text)
            seen += 1
    # the story pages' published and updated, the versions page's, the lists' cards
    assert seen >= 10
