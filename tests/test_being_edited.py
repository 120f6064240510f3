""" "Being edited by" (docs/desk.md, Shortcuts, bulk actions and saved filters): while an editor
has a story's actions open, their page says so every 15 s; another editor opening the same
story sees who, and since when, until the first's page has been silent for 45 s or is left."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from django.test import Client
from django.utils import timezone

from wiredesk.desk.models import StoryPresence

from .comfort_helpers import person, stories
from .desk_users import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(feeds):
    return stories(feeds["ians"], 1)[0]


def editor(name: str) -> Client:
    client = Client()
    client.force_login(person("duty editor", name))
    return client


def notice_on_page(client: Client, story) -> str:
    page = lxml.html.document_fromstring(client.get(f"/desk/story/{story.pk}/").content)
    [notice] = page.xpath("//section[@class='actions']//p[@id='presence']")
    assert notice.get("data-presence") == f"/desk/story/{story.pk}/presence"
    assert notice.get("role") == "status"
    return notice.text_content()


def beat(client: Client, story, **post) -> dict:
    reply = client.post(f"/desk/story/{story.pk}/presence", post)
    assert reply.status_code == 200
    return reply.json()


def hh_mm(row: StoryPresence) -> str:
    return timezone.localtime(row.since).strftime("%H:%M")


def test_a_second_editor_sees_who_has_the_story_open_and_since_when(story):
    alice, bob = editor("alice"), editor("bob")
    assert notice_on_page(alice, story) == ""
    assert beat(alice, story) == {"editing": [], "notice": "", "beat": 15}
    since = StoryPresence.objects.get()
    zone = timezone.localtime(since.since).strftime("%Z")  # the time zone is named
    expected = f"Being edited by alice (since {hh_mm(since)} {zone})"
    assert notice_on_page(bob, story) == expected
    answer = beat(bob, story)
    assert answer["notice"] == expected
    assert [e["user"] for e in answer["editing"]] == ["alice"]
    assert [e["user"] for e in beat(alice, story)["editing"]] == ["bob"]  # and the other way


def test_the_notice_goes_45_seconds_after_the_last_heartbeat(story):
    alice, bob = editor("alice"), editor("bob")
    beat(alice, story)
    StoryPresence.objects.update(last_seen=timezone.now() - timedelta(seconds=40))
    assert beat(bob, story)["notice"].startswith("Being edited by alice")  # not yet
    StoryPresence.objects.filter(user__username="alice").update(
        last_seen=timezone.now() - timedelta(seconds=46)
    )
    assert notice_on_page(bob, story) == ""
    assert beat(bob, story)["editing"] == []
    assert list(StoryPresence.objects.values_list("user__username", flat=True)) == ["bob"]


def test_heartbeats_keep_the_first_time_and_a_return_starts_anew(story):
    alice = editor("alice")
    beat(alice, story)
    first = StoryPresence.objects.get()
    StoryPresence.objects.update(since=first.since - timedelta(minutes=5))
    beat(alice, story)
    assert StoryPresence.objects.get().since == first.since - timedelta(minutes=5)
    StoryPresence.objects.update(last_seen=timezone.now() - timedelta(minutes=2))
    beat(alice, story)  # back after a break: since now
    assert StoryPresence.objects.get().since > first.since - timedelta(seconds=1)


def test_leaving_the_page_clears_the_notice_at_once(story):
    alice, bob = editor("alice"), editor("bob")
    beat(alice, story)
    beat(alice, story, gone="1")
    assert notice_on_page(bob, story) == ""


def test_a_viewer_neither_shows_as_editing_nor_sees_the_notice(story):
    viewer = Client()
    viewer.force_login(person("viewer"))
    page = lxml.html.document_fromstring(viewer.get(f"/desk/story/{story.pk}/").content)
    assert page.xpath("//*[@id='presence']") == []
    assert viewer.post(f"/desk/story/{story.pk}/presence").status_code == 403
    assert not StoryPresence.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "not staff", "staff without change_story"])
def test_no_one_but_an_editor_may_say_they_are_editing(story, who):
    client = Client()
    if who == "not staff":
        client.force_login(person("not staff"))
    elif who != "anonymous":
        client.force_login(staff("bob", "stories.view_story"))
    reply = client.post(f"/desk/story/{story.pk}/presence")
    if who == "staff without change_story":
        assert reply.status_code == 403
    else:
        assert reply.status_code == 302 and reply["Location"].startswith("/admin/login/")
    assert not StoryPresence.objects.exists()
    assert editor("alice").get(f"/desk/story/{story.pk}/presence").status_code == 405
