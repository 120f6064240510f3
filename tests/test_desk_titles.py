"""The desk titles what the agency sent as an editor reads it: a kill notice is called one,
with the killed story's headline and the agency's reason, and a version the agency did not
number is named by when it arrived, not by a hash of its words."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

from .conftest import SEED_V1
from .desk_users import DESK_PERMISSIONS, staff
from .wire_builder import g2_item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(client):
    client.force_login(staff("alice", *DESK_PERMISSIONS))


def page(client, url: str) -> lxml.html.HtmlElement:
    reply = client.get(url)
    assert reply.status_code == 200, (url, reply.status_code)
    return lxml.html.fromstring(reply.content)


def test_an_agency_kill_notice_is_titled_a_kill_notice_of_the_story_it_kills(client, feeds, editor):
    now = datetime.now(UTC)
    ingest_bytes(feeds["ians"], g2_item("urn:floods", 1, now, "Floods cut off Assam"), "a.xml")
    kill = g2_item(
        "urn:floods",
        2,
        now,
        headline="KILL",
        status="canceled",
        signal="kill",
        ednote="KILL: withdrawn on legal advice. Do not use.",
    )
    ingest_bytes(feeds["ians"], kill, "b.xml")
    story = Story.objects.get(item_id="urn:floods")
    assert story.state == Story.State.KILLED

    notice, first = page(client, "/desk/").xpath("//tbody/tr[starts-with(@id, 'item-')]")
    cell = notice.xpath("td[@class='headline']")[0]
    assert cell.xpath("string(a)") == "Kill notice: Floods cut off Assam"
    assert cell.xpath("string(small[@class='kill-reason'])") == (
        "KILL: withdrawn on legal advice. Do not use."
    )
    assert not cell.xpath("span[@class='signal']")  # not "KILL kill"
    assert first.xpath("string(td[@class='headline']/a)") == "Floods cut off Assam"

    titles = page(client, f"/desk/story/{story.pk}/").xpath("//article[@class='version']/h3")
    assert [h3.text_content() for h3 in titles] == ["Version 1", "Kill notice: Version 2"]


def test_a_version_the_agency_did_not_number_is_titled_by_when_it_arrived(
    client, ingest, editor, settings
):
    settings.TIME_ZONE = "Asia/Kolkata"
    ingest(SEED_V1)  # RSS with neither a version nor a version time
    story = Story.objects.get()
    [version] = story.versions.all()
    assert version.version.startswith("sha256:")

    [title] = page(client, f"/desk/story/{story.pk}/").xpath("//article[@class='version']/h3")
    [arrived] = title.xpath("time")
    received = version.received_at.astimezone(UTC)
    assert datetime.fromisoformat(arrived.get("datetime")) == received
    shown = received.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M:%S IST")
    assert title.text_content() == f"Version received {shown}"
    assert "sha256" not in title.text_content()
