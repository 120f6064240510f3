"""The visibility rule has two forms, one for queries and one for a loaded story: they agree."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from wiredesk.stories.models import Story
from wiredesk.stories.selectors import is_visible, visible_filter

NOW = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)


def test_is_visible_agrees_with_visible_filter_for_every_state(feeds):
    agency = feeds["ians"].agency
    embargoes = (None, NOW - timedelta(seconds=1), NOW, NOW + timedelta(seconds=1))
    for n, (state, lead, embargo) in enumerate(
        itertools.product(Story.State.values, (True, False), embargoes)
    ):
        Story.objects.create(
            agency=agency,
            item_id=f"urn:{n}",
            state=state,
            slug="s",
            headline="h",
            body_html="<p>b</p>",
            body_text="b",
            is_lead=lead,
            embargoed_until=embargo,
            first_published_at=NOW,
            modified_at=NOW,
        )
    by_query = set(Story.objects.filter(visible_filter(NOW)).values_list("pk", flat=True))
    by_row = {story.pk for story in Story.objects.all() if is_visible(story, NOW)}
    assert by_query == by_row
    assert len(by_query) == 6  # leads: published (4 embargo values) and embargoes ended (2)
