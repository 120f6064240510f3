"""Migrations that move data: what was stored before them still works after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from .bands import indexed_story_ids
from .test_lifecycle import SAME_EVENT

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("stories", "0005_list_indexes_integer_bands")]
AFTER = [("stories", "0006_band_index")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_band_index_migration_indexes_recent_stories_and_clears_old_signatures():
    apps = _migrate(BEFORE)
    try:
        Agency = apps.get_model("sources", "Agency")
        Story = apps.get_model("stories", "Story")
        agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
        now = timezone.now()

        def story(item_id, created_at):
            made = Story.objects.create(
                agency=agency,
                item_id=item_id,
                slug=item_id,
                headline="Monsoon",
                body_html=f"<p>{SAME_EVENT}</p>",
                body_text=SAME_EVENT,
                first_published_at=now,
                modified_at=now,
                minhash=b"old signature",
            )
            # created_at is set on insert (auto_now_add): move it afterwards.
            Story.objects.filter(pk=made.pk).update(created_at=created_at)
            return made.pk

        recent = story("urn:recent", now - timedelta(hours=1))
        old = story("urn:old", now - timedelta(days=10))
        _migrate(AFTER)
    finally:
        _migrate(_latest())
    from wiredesk.stories.models import Story as CurrentStory

    stories = {s.pk: s for s in CurrentStory.objects.all()}
    assert stories[old].minhash is None
    assert bytes(stories[recent].minhash) != b"old signature"
    assert len(bytes(stories[recent].minhash)) == 128 * 8  # a new MinHash
    assert indexed_story_ids([recent, old]) == {recent}


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_agencies_learn_when_they_last_stored_a_story_from_the_stories_already_there():
    apps = _migrate([("sources", "0006_desk"), ("stories", "0013_pg_search_vector")])
    try:
        Agency = apps.get_model("sources", "Agency")
        Story = apps.get_model("stories", "Story")
        wire = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
        Agency.objects.create(slug="quiet", name="Quiet", byline="Quiet")
        now = timezone.now()
        for n, hours in enumerate((30, 2)):
            made = Story.objects.create(
                agency=wire,
                item_id=f"urn:{n}",
                slug="s",
                headline="Monsoon",
                body_html="<p>x</p>",
                body_text="x",
                first_published_at=now,
                modified_at=now,
            )
            Story.objects.filter(pk=made.pk).update(created_at=now - timedelta(hours=hours))
        _migrate([("sources", "0007_agency_last_stored")])
    finally:
        _migrate(_latest())
    from wiredesk.sources.models import Agency as CurrentAgency

    stored = dict(CurrentAgency.objects.values_list("slug", "last_stored_at"))
    assert stored["quiet"] is None
    assert abs(stored["wire"] - (now - timedelta(hours=2))) < timedelta(seconds=1)
