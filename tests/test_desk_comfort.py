"""The desk's small honesties: a paused feed says why, a retry is not another quarantine,
a quarantined delivery's bytes are read on the page, and every time names its zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from django.utils import timezone

from wiredesk.ingest import control
from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.sources.models import Feed
from wiredesk.stories import editorial
from wiredesk.stories.models import Story

from .desk_users import DESK_PERMISSIONS, staff
from .wire_builder import g2_item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(client):
    user = staff("alice", *DESK_PERMISSIONS)
    client.force_login(user)
    return user


def page(client, url: str, **params):
    reply = client.get(url, params)
    assert reply.status_code == 200, (url, reply.status_code)
    return lxml.html.fromstring(reply.content)


def health_of(client, slug: str) -> tuple[str, list[str]]:
    """Return a feed's colour on the feeds board, and its reasons."""
    cell = page(client, "/desk/feeds/").cssselect(f"#feed-{slug} td.hl")[0]
    return cell.cssselect(".health")[0].text_content(), [
        small.text_content() for small in cell.cssselect("small")
    ]


def test_a_paused_feed_shows_who_paused_it_and_why(client, feeds, editor):
    client.post(
        f"/desk/feeds/{feeds['ians'].pk}/act", {"action": "pause", "reason": "Rights dispute"}
    )
    assert health_of(client, "ians-inbox") == (
        "paused",
        ["paused by editor alice: Rights dispute"],
    )
    # Paused in the admin, with no reason logged: said so plainly.
    Feed.objects.filter(pk=feeds["harbour"].pk).update(enabled=False)
    assert health_of(client, "harbour-inbox") == ("paused", ["paused by an editor"])


BROKEN = b'<?xml version="1.0"?>\n<rss version="2.0">\n<channel>\n<item><title>a</descr>\n'


def test_a_retried_delivery_refused_again_is_not_counted_as_another_quarantine(
    client, feeds, editor
):
    ingest_bytes(feeds["ians"], BROKEN, "broken.xml")
    [entry] = Quarantine.objects.all()
    control.retry(entry, editor)
    control.retry(entry, editor)
    assert Quarantine.objects.get().repeats == 1
    assert health_of(client, "ians-inbox") == (
        "amber",
        ["1 of 1 deliveries quarantined in 24 hours"],
    )
    # The agency sending the same bytes again is another refusal.
    ingest_bytes(feeds["ians"], BROKEN, "broken.xml")
    assert Quarantine.objects.get().repeats == 2
    assert "2 of 2 deliveries quarantined in 24 hours" in health_of(client, "ians-inbox")[1]


def test_a_delivery_stored_by_a_retry_is_one_delivery_not_two(client, feeds, editor):
    data = g2_item("urn:cafe", 1, datetime.now(UTC), headline="Café owners protest")
    Feed.objects.filter(pk=feeds["ians"].pk).update(encoding="ascii")  # wrong: it is UTF-8
    ingest_bytes(Feed.objects.get(pk=feeds["ians"].pk), data, "cafe.xml")
    [entry] = Quarantine.objects.all()
    Feed.objects.filter(pk=feeds["ians"].pk).update(encoding="")
    assert control.retry(entry, editor).ok
    assert health_of(client, "ians-inbox") == (
        "amber",
        ["1 of 1 deliveries quarantined in 24 hours"],
    )


def test_a_quarantined_delivery_s_bytes_are_shown_escaped_with_the_failing_line_marked(
    client, feeds, editor
):
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        b"<title><![CDATA[<script>alert(1)</script>]]></title>\n"
        b"<item><guid>1</guid><title>Caf\xc3\xa9</title>\n<description>x</descr></item>\n"
        b"</channel></rss>\n"
    )
    ingest_bytes(feeds["ians"], data, "bad.xml")
    [entry] = Quarantine.objects.all()
    assert "line 6" in entry.reason
    listed = page(client, "/desk/quarantine/")
    link = listed.cssselect(f"#quarantine-{entry.pk} a")
    assert f"/desk/quarantine/{entry.pk}/" in [a.get("href") for a in link]
    html = page(client, f"/desk/quarantine/{entry.pk}/")
    assert html.cssselect("script:not([src])") == []  # the bytes' script is text, not a script
    lines = html.cssselect("ol.raw-lines > li")
    assert [li.text_content() for li in lines] == data.decode().splitlines()
    assert [li.get("id") for li in lines if li.cssselect("mark")] == ["line-6"]
    assert html.cssselect('a[href="#line-6"]')


def test_only_the_first_64_kb_of_a_large_delivery_are_shown_and_it_says_so(client, feeds, editor):
    body = b"".join(b"<p>line %d</p>\n" % n for n in range(20_000))
    data = b"<?xml version='1.0'?>\n<rss><channel>\n" + body  # never closed
    ingest_bytes(feeds["ians"], data, "big.xml")
    entry = Quarantine.objects.get()
    html = page(client, f"/desk/quarantine/{entry.pk}/")
    shown = "\n".join(li.text_content() for li in html.cssselect("ol.raw-lines > li"))
    assert len(shown.encode()) <= 64 * 1024
    assert data.decode().startswith(shown)
    note = " ".join(html.cssselect("main p")[1].text_content().split())
    assert note.startswith("The first 64.0 KB of 340.7 KB are shown")
    assert note.endswith("The parser stopped at line 20003, past what is shown.")
    assert html.cssselect("mark") == []
    assert html.cssselect(f'a[href="/desk/quarantine/{entry.pk}/raw"]')


CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


def test_every_time_on_the_desk_names_its_zone(client, feeds, editor, settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    now = datetime.now(UTC)
    ingest_bytes(feeds["ians"], g2_item("urn:pub", 1, now, headline="Out now"), "a.xml")
    ingest_bytes(
        feeds["ians"],
        g2_item("urn:emb", 1, now, headline="Later", embargo=now + timedelta(hours=3)),
        "b.xml",
    )
    Feed.objects.filter(pk=feeds["harbour"].pk).update(
        publishing="delay", publish_delay_minutes=30, last_polled_at=timezone.now()
    )
    ingest_bytes(
        Feed.objects.get(pk=feeds["harbour"].pk), g2_item("urn:wait", 1, now, "Wait"), "c.xml"
    )
    ingest_bytes(feeds["ians"], BROKEN, "broken.xml")
    control.dismiss(Quarantine.objects.all(), editor, "junk")
    ingest_bytes(feeds["ians"], BROKEN + b"\n", "broken2.xml")
    held = Story.objects.get(item_id="urn:wait")
    assert held.state == "held" and held.release_at is not None
    editorial.withhold([Story.objects.get(item_id="urn:pub").pk], editor, "check")
    entry = Quarantine.objects.filter(resolved_at=None).get()
    pages = [
        "/desk/",
        f"/desk/story/{held.pk}/",
        f"/desk/story/{Story.objects.get(item_id='urn:pub').pk}/",
        "/desk/feeds/",
        "/desk/quarantine/?show=all",
        f"/desk/quarantine/{entry.pk}/",
        "/desk/audit/",
    ]
    seen = 0
    for url in pages:
        html = page(client, url)
        for time in html.cssselect("main time"):
            assert time.text_content().endswith(" IST"), (url, time.text_content())
            seen += 1
            time.drop_tree()
        for raw in html.cssselect("ol.raw-lines"):
            raw.drop_tree()  # the agency's bytes, as sent
        assert CLOCK.findall(html.cssselect("main")[0].text_content()) == [], url
    assert seen >= 15
