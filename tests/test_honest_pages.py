"""Honest and safe hand actions: a kill asks first, showing the headline and where the story
will disappear; its 410 page says who withdrew it (the agency, or the publisher with the
words the editor chose to show); the 404 and 410 pages are the site's own; a correction's
versions page shows the old and the new headline side by side."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest
from django.contrib.auth import get_user_model

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories import editorial
from wiredesk.stories.models import Story

from .wire_builder import g2_item

pytestmark = pytest.mark.django_db

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)


@pytest.fixture
def story(ingest) -> Story:
    from .conftest import SEED_V1

    ingest(SEED_V1)
    return Story.objects.get()


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("alice", "alice@news.example")
    client.force_login(user)
    return user


def html(reply) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(reply.content)


def test_the_story_page_asks_before_a_kill_and_the_confirmation_names_the_headline_and_surfaces(
    client, story, editor
):
    page = html(client.get(f"/desk/story/{story.pk}/"))
    assert not page.xpath("//button[@value='kill']")  # no kill in one click
    [link] = page.xpath("//a[contains(@class, 'a-kill')]/@href")
    confirm = client.get(link)
    assert confirm.status_code == 200
    page = html(confirm)
    assert page.xpath("string(//p[@class='headline']/strong)") == story.headline
    surfaces = " ".join(page.xpath("//ul[@class='surfaces']/li/text()"))
    for surface in ("410 Gone", "home page", "feeds", "sitemaps", "search", "API", "webhook"):
        assert surface in surfaces
    [form] = page.xpath("//form[@method='post']")
    assert form.get("action") == f"/desk/story/{story.pk}/act"
    assert form.xpath("input[@name='action']/@value") == ["kill"]
    assert form.xpath("textarea[@name='reason'][@required]")  # refused before it is sent
    assert form.xpath(".//a/@href") == [f"/desk/story/{story.pk}/"]  # cancel: back, nothing done
    story.refresh_from_db()
    assert story.state == Story.State.PUBLISHED


def test_the_server_still_refuses_a_kill_without_a_reason(client, story, editor):
    reply = client.post(
        f"/desk/story/{story.pk}/act", {"action": "kill", "reason": " "}, follow=True
    )
    assert "reason" in html(reply).xpath("string(//ul[@class='messages'])").lower()
    story.refresh_from_db()
    assert story.state == Story.State.PUBLISHED


def test_a_confirmation_for_a_story_no_kill_applies_to_goes_back_to_the_story(
    client, story, editor
):
    editorial.kill([story.pk], editor, "Court order")
    reply = client.get(f"/desk/story/{story.pk}/kill")
    assert reply.status_code == 302 and reply["Location"] == f"/desk/story/{story.pk}/"


def test_the_410_page_of_a_desk_kill_names_the_publisher_and_the_note_never_the_reason(
    client, story, editor
):
    client.post(
        f"/desk/story/{story.pk}/act",
        {"action": "kill", "reason": "Court order 1234/2026", "note": "It named a minor."},
    )
    client.logout()
    reply = client.get(story.get_absolute_url())
    assert reply.status_code == 410
    page = html(reply)
    said = page.xpath("string(//main)")
    assert page.xpath("string(//p[@class='withdrawn-by'])").startswith("Wiredesk Test withdrew")
    assert page.xpath("string(//p[@class='withdrawn-note'])") == "It named a minor."
    assert "IANS" not in said and "Court order" not in said


def test_the_410_page_of_an_agency_kill_names_the_agency(client, feeds):
    ingest_bytes(feeds["ians"], g2_item("urn:k", 1, T0), "v1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:k", 2, T0, status="canceled"), "v2.xml")
    story = Story.objects.get()
    assert story.state == Story.State.KILLED
    page = html(client.get(story.get_absolute_url()))
    assert page.xpath("string(//p[@class='withdrawn-by'])").startswith("IANS")
    assert not page.xpath("//p[@class='withdrawn-note']")


def site_chrome(reply) -> None:
    page = html(reply)
    assert page.xpath("//meta[@name='viewport']/@content")
    assert page.xpath("//header[@class='site']//a[@class='brand']/text()") == ["Wiredesk Test"]
    assert page.xpath("//header[@class='site']//nav")
    assert len(page.xpath("//main")) == 1 and page.xpath("string(//main/h1)")


@pytest.mark.parametrize("address", ["/no/such/page", "/story/999999/x/", "/agency/nobody/"])
def test_an_unknown_address_answers_the_site_s_404(client, feeds, address):
    reply = client.get(address)
    assert reply.status_code == 404
    site_chrome(reply)


def test_a_withheld_story_answers_the_site_s_404(client, story, editor):
    editorial.withhold([story.pk], editor, "Legal review")
    client.logout()
    reply = client.get(story.get_absolute_url())
    assert reply.status_code == 404
    site_chrome(reply)
    assert story.headline not in reply.content.decode()


def test_the_410_page_is_the_site_s(client, story, editor):
    editorial.kill([story.pk], editor, "Court order")
    reply = client.get(story.get_absolute_url())
    assert reply.status_code == 410
    site_chrome(reply)


def test_a_correction_s_versions_page_shows_the_old_and_new_headline_side_by_side(
    client, story, editor
):
    editorial.correct(story.pk, editor, "Name misspelt", headline="Seoul and US talk")
    story.refresh_from_db()
    page = html(client.get(story.get_absolute_url() + "versions/"))
    [table] = page.xpath("//table[@class='headlines']")
    agency_headline = story.versions.get(delivery__isnull=False).headline
    assert [c.text_content() for c in table.xpath(".//tbody/tr/td")] == [
        agency_headline,
        "Seoul and US talk",
    ]
    assert table.xpath(".//thead//th/text()") == ["Before", "As our editors corrected it"]


@pytest.mark.django_db(transaction=True)
def test_stories_the_desk_killed_before_the_field_was_there_still_name_the_publisher():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = migrate([("stories", "0015_delivery_repairs")])
        Agency = apps.get_model("sources", "Agency")
        OldStory = apps.get_model("stories", "Story")
        Event = apps.get_model("stories", "LifecycleEvent")
        agency = Agency.objects.create(slug="ians", name="IANS", byline="IANS")
        killed = {}
        for actor in ("editor alice", "agency IANS (feed ians-inbox)"):
            killed[actor] = OldStory.objects.create(
                agency=agency,
                item_id=actor,
                slug="s",
                headline="Monsoon",
                body_html="<p>Rain.</p>",
                body_text="Rain.",
                first_published_at=T0,
                modified_at=T0,
                state="killed",
                killed_at=T0,
            ).pk
            Event.objects.create(at=T0, kind="killed", story_id=killed[actor], actor=actor)
        migrate([("stories", "0016_withdrawn_by")])
    finally:
        migrate(latest)
    by_desk = dict(Story.objects.values_list("item_id", "killed_by_desk"))
    assert by_desk == {"editor alice": True, "agency IANS (feed ians-inbox)": False}
