"""One way a story is made (issue 29, item 2): a story stored on its own (`store_item`) is a
run of one through the path a delivery's run of new stories takes (`store_items`). Both ask
the rules what each new item becomes, and both note the agency's stores for the band index,
so a near-duplicate groups with a story whichever path made either."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wiredesk.ingest.prepare import PrepareOptions, prepare
from wiredesk.stories import rules
from wiredesk.stories.models import KillNotice, Story
from wiredesk.stories.search import search_stories
from wiredesk.stories.services import get_or_create_delivery, store_item, store_items
from wiredesk.stories.signals import stories_changed

from .bands import indexed_story_ids
from .test_lifecycle import SAME_EVENT
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)  # on_commit receivers run (outbox)


@pytest.fixture
def announced():
    """Record each story announced to the surfaces, as (change, item id)."""
    heard: list[tuple[str, str]] = []

    def listen(sender, stories, change, **kwargs):
        heard.extend((change, story.item_id) for story in stories)

    stories_changed.connect(listen, dispatch_uid="test-one-creation-path")
    yield heard
    stories_changed.disconnect(dispatch_uid="test-one-creation-path")


def _items(*parts: bytes):
    return [item for part in parts for item in prepare(part, PrepareOptions()).items]


def _text(n: int) -> tuple[str, ...]:
    return (
        f"NEW DELHI, Oct 14 Story number {n} tells of the harvest in district {n} and "
        f"the rains that came late to village {n * 7} this year.",
    )


def _store(path: str, feed, items, now: datetime) -> list[str]:
    """Store `items` of `feed`'s agency by one path; return what each did."""
    delivery = get_or_create_delivery(repr(items).encode(), feed, "d.xml", now)
    if path == "one":
        return [store_item(feed.agency, item, delivery, now).action for item in items]
    return [outcome.action for outcome in store_items(feed.agency, items, delivery, now)]


@pytest.mark.parametrize("first", ["one", "bulk"])
@pytest.mark.parametrize("second", ["one", "bulk"])
def test_a_near_duplicate_groups_with_a_story_whichever_path_made_either(feeds, first, second):
    harbour = _items(g2_item("urn:hns:1", 1, T0, paragraphs=(SAME_EVENT,)))
    assert _store(first, feeds["harbour"], harbour, T0) == ["published"]
    later = T0 + timedelta(minutes=3)
    ians = _items(g2_item("urn:ians:1", 1, later, paragraphs=(SAME_EVENT,)))
    assert _store(second, feeds["ians"], ians, later) == ["published"]
    first_story = Story.objects.get(item_id="urn:hns:1")
    second_story = Story.objects.get(item_id="urn:ians:1")
    # The band index holds both, and the second found the first through it.
    assert indexed_story_ids([first_story.pk, second_story.pk]) == {first_story.pk, second_story.pk}
    assert first_story.group_id == second_story.group_id == first_story.pk


@pytest.fixture
def rules_refusing(monkeypatch):
    """The rules, with two new items refused by their version time: one makes no story, the
    other a story killed at once (as a kill that came before it does)."""
    refused, killed = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
    real = rules.decide_item

    def decide_item(known, item, now, **facts):
        if known is None and item.effective_at == refused:
            return rules.Decision(rules.Step.SKIP, reason="refused by the rule under test")
        if known is None and item.effective_at == killed:
            return rules.Decision(rules.Step.CREATE, rules.KILLED, "killed by the rule under test")
        return real(known, item, now, **facts)

    monkeypatch.setattr(rules, "decide_item", decide_item)
    return refused, killed


@pytest.mark.parametrize("path", ["one", "bulk"])
def test_both_paths_ask_the_rules_what_a_new_item_becomes(feeds, rules_refusing, announced, path):
    refused, killed = rules_refusing
    items = _items(
        g2_item("urn:ok:1", 1, T0, headline="Taken first", paragraphs=_text(1)),
        g2_item("urn:no", 1, refused, headline="Refused by the rules", paragraphs=_text(2)),
        g2_item("urn:dead", 1, killed, headline="Killed by the rules", paragraphs=_text(3)),
        g2_item("urn:ok:2", 1, T0, headline="Taken last", paragraphs=_text(4)),
    )
    now = T0 + timedelta(minutes=10)
    assert _store(path, feeds["ians"], items, now) == [
        "published",
        "skipped",
        "killed",
        "published",
    ]
    assert not Story.objects.filter(item_id="urn:no").exists()
    dead = Story.objects.get(item_id="urn:dead")
    assert dead.state == Story.State.KILLED and dead.published_at is None
    assert dead.minhash is None and indexed_story_ids([dead.pk]) == set()
    assert sorted(s.item_id for s in search_stories("harvest")) == ["urn:ok:1", "urn:ok:2"]
    assert sorted(announced) == [("published", "urn:ok:1"), ("published", "urn:ok:2")]


@pytest.mark.parametrize("path", ["one", "bulk"])
def test_a_story_named_by_an_earlier_kill_is_created_killed_by_either_path(feeds, announced, path):
    feed = feeds["ians"]
    notice = _items(g2_item("urn:ians:2", 2, T0, status="canceled"))
    assert _store("one", feed, notice, T0) == ["skipped"]  # kept for the story to come
    now = T0 + timedelta(minutes=5)
    items = _items(
        *(
            g2_item(f"urn:ians:{n}", 1, T0, headline=f"Story {n}", paragraphs=_text(n))
            for n in (1, 2, 3)
        )
    )
    assert _store(path, feed, items, now) == ["published", "killed", "published"]
    killed = Story.objects.get(item_id="urn:ians:2")
    assert killed.state == Story.State.KILLED and killed.published_at is None
    assert KillNotice.objects.get().item_id == "urn:ians:2"
    assert sorted(s.item_id for s in search_stories("harvest")) == ["urn:ians:1", "urn:ians:3"]
    assert sorted(announced) == [("published", "urn:ians:1"), ("published", "urn:ians:3")]
