"""A story's labels (its topics, sections and language, in a list's order) follow its
columns whatever writes them: the lists of a topic, a section or a language read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from wiredesk.sources.models import Agency
from wiredesk.stories import editorial
from wiredesk.stories.models import Section, Story, StoryLabel

from .desk_users import staff

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BEFORE = [("stories", "0020_event_kind_translated")]
AFTER = [("stories", "0021_story_labels")]


def columns_say(story) -> set[tuple[str, str, datetime]]:
    """Return the labels a story's columns give it (the triggers' rules, written again)."""
    tag = story.language.replace("_", "-").split("-")[0].lower()
    return (
        {("t", slug, story.first_published_at) for slug in story.topics.split("|") if slug}
        | {("s", slug, story.first_published_at) for slug in story.sections.split("|") if slug}
        | ({("l", tag, story.first_published_at)} if tag else set())
    )


def labels_of(pk: int) -> set[tuple[str, str, datetime]]:
    rows = StoryLabel.objects.filter(story_id=pk).values_list("kind", "value", "first_published_at")
    return set(rows)


def story(agency, n: int, **fields) -> Story:
    at = T0 - timedelta(minutes=n)
    return Story.objects.create(
        agency=agency,
        item_id=f"urn:{n}",
        slug=f"story-{n}",
        headline=f"Story {n}",
        body_html="<p>Words.</p>",
        body_text="Words.",
        first_published_at=at,
        modified_at=at,
        **fields,
    )


@pytest.fixture
def agency(db):
    return Agency.objects.create(slug="wire", name="Wire", byline="Wire")


def test_a_story_is_labelled_by_its_topics_sections_and_languages_primary_subtag(agency):
    made = story(agency, 1, topics="|korea|world|", sections="|culture|", language="hi-IN")
    assert labels_of(made.pk) == {
        ("t", "korea", made.first_published_at),
        ("t", "world", made.first_published_at),
        ("s", "culture", made.first_published_at),
        ("l", "hi", made.first_published_at),
    }
    bare = story(agency, 2, topics="", sections="", language="")
    assert labels_of(bare.pk) == set()
    # A tag written with an underscore, in capitals, and a column no slug could hold.
    odd = story(agency, 3, topics='|a"b|c\\d|', language="HI_in")
    assert {(kind, value) for kind, value, _ in labels_of(odd.pk)} == {
        ("t", 'a"b'),
        ("t", "c\\d"),
        ("l", "hi"),
    }


def test_labels_follow_an_update_by_any_statement_and_go_with_the_story(agency):
    made = story(agency, 1, topics="|world|", language="en")
    later = T0 + timedelta(hours=1)
    # A queryset's UPDATE: no save(), no signal, only the database sees it.
    Story.objects.filter(pk=made.pk).update(
        topics="|sport|", sections="|world|", language="mr", first_published_at=later
    )
    assert labels_of(made.pk) == {("t", "sport", later), ("s", "world", later), ("l", "mr", later)}
    # A save of every column that changes none of the labelled ones leaves them be.
    made.refresh_from_db()
    made.headline = "Story one, again"
    made.save()
    assert labels_of(made.pk) == {("t", "sport", later), ("s", "world", later), ("l", "mr", later)}
    made.delete()
    assert not StoryLabel.objects.filter(story_id=made.pk).exists()


def test_an_editors_sections_are_the_stories_section_labels(agency):
    Section.objects.create(name="World", slug="world")
    Section.objects.create(name="Culture", slug="culture")
    made = story(agency, 1, sections="|world|")
    editorial.set_sections(made.pk, staff("editor"), ["culture"], "a culture story")
    assert {(k, v) for k, v, _ in labels_of(made.pk) if k == "s"} == {("s", "culture")}


def test_every_ingested_story_is_labelled_as_its_columns_say(all_bundled):
    stories = list(Story.objects.all())
    assert any(s.topics for s in stories) and any(s.language for s in stories)
    for made in stories:
        assert labels_of(made.pk) == columns_say(made), made.pk


def test_the_api_takes_a_language_tag_and_the_tags_it_is_a_prefix_of(client, agency):
    english = story(agency, 1, language="en")
    british = story(agency, 2, language="en-GB")
    story(agency, 3, language="eng")  # a language of its own, not English
    assert [item["id"] for item in client.get("/api/v1/stories?language=en").json()["items"]] == [
        english.pk,
        british.pk,
    ]
    assert [
        item["id"] for item in client.get("/api/v1/stories?language=EN-gb").json()["items"]
    ] == [british.pk]


@pytest.mark.django_db(transaction=True)
def test_the_stories_stored_before_the_labels_are_labelled_by_the_migration():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    try:
        OldAgency = apps.get_model("sources", "Agency")
        OldStory = apps.get_model("stories", "Story")
        wire = OldAgency.objects.create(slug="wire", name="Wire", byline="Wire")
        old = OldStory.objects.create(
            agency=wire,
            item_id="urn:old",
            slug="old",
            headline="Old",
            body_html="<p>Old.</p>",
            body_text="Old.",
            topics="|korea|world|",
            sections="|culture|",
            language="hi-IN",
            first_published_at=T0,
            modified_at=T0,
        )
        MigrationExecutor(connection).migrate(AFTER)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert labels_of(old.pk) == {
        ("t", "korea", T0),
        ("t", "world", T0),
        ("s", "culture", T0),
        ("l", "hi", T0),
    }
