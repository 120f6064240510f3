"""What every reader-facing surface shows of a story: one place to extend as surfaces are added."""

from __future__ import annotations

import lxml.html

from wiredesk.stories.models import Story


def listed_ids(client, url: str) -> set[int]:
    """Return the story ids a list page links to (every page of it)."""
    ids, page = set(), 1
    while True:
        response = client.get(url, {"page": page})
        tree = lxml.html.fromstring(response.content)
        for href in tree.xpath('//ul[@class="cards"]//h2/a/@href'):
            ids.add(int(href.split("/")[2]))
        if not tree.xpath('//a[@rel="next"]'):
            return ids
        page += 1


def surfaces(client, story: Story) -> dict[str, object]:
    """Return how each surface shows `story`: page and provenance status, and list presence."""
    story.refresh_from_db()
    url = f"/story/{story.pk}/{story.slug}/"
    return {
        "page": client.get(url).status_code,
        "versions": client.get(url + "versions/").status_code,
        "home": story.pk in listed_ids(client, "/"),
        "agency": story.pk in listed_ids(client, f"/agency/{story.agency.slug}/"),
    }


VISIBLE = {"page": 200, "versions": 200, "home": True, "agency": True}
HIDDEN = {"page": 404, "versions": 404, "home": False, "agency": False}
GONE = {"page": 410, "versions": 410, "home": False, "agency": False}
