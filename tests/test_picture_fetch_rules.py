"""The fetch rules for agency pictures, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.pictures import images
from wiredesk.pictures.models import Picture
from wiredesk.pictures.serving import serve_pictures
from wiredesk.stories import editorial
from wiredesk.stories.models import Story

from .options import with_options
from .pictures_helpers import fetch_all, photo
from .test_pictures import g2_package, rss_enclosure


def _refused_with(feed, server, reason: str) -> None:
    report = ingest_bytes(feed, rss_enclosure(server.base_url), origin="x")
    assert report.ok
    assert fetch_all() == 0
    assert Story.objects.get().state == Story.State.PUBLISHED  # published without it
    picture = Picture.objects.get()
    assert picture.state == Picture.State.FAILED and reason in picture.last_error
    assert picture.next_attempt_at is not None  # retried later
    entry = Quarantine.objects.get()
    assert entry.item_id == f"picture:{picture.identity}" and reason in entry.reason


def test_a_loopback_picture_is_refused_unless_the_feed_allows_the_host(
    feeds, picture_files, photo_server
):
    photo_server.serve("/big.jpg", photo())
    _refused_with(feeds["ians"], photo_server, "not a public address")


def test_a_redirect_to_a_refused_address_is_refused(picture_feed, photo_server):
    picture_feed.fetch_allowed_hosts = "localhost"
    picture_feed.save()
    target = photo_server.serve("/real.jpg", photo())
    photo_server.routes["/big.jpg"] = lambda h: h.reply(
        302, b"", {"Location": target.replace("localhost", "127.0.0.1")}
    )
    ingest_bytes(
        picture_feed,
        rss_enclosure(photo_server.base_url.replace("127.0.0.1", "localhost")),
        origin="x",
    )
    assert fetch_all() == 0
    assert "not a public address" in Picture.objects.get().last_error


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body>Not found</body></html>", "not a picture"),
        (photo()[:4000], "truncated"),
        (b"\0" * 100, "not a picture"),
    ],
    ids=["html served as image/jpeg", "truncated jpeg", "zeros"],
)
def test_a_wrongly_typed_or_truncated_picture_is_refused_with_its_reason(
    picture_feed, photo_server, body, reason
):
    photo_server.serve("/big.jpg", body, "image/jpeg")
    _refused_with(picture_feed, photo_server, reason)


def test_an_oversized_picture_is_refused(picture_feed, photo_server, settings):
    with_options(settings, pictures={"max_bytes": 50_000})
    photo_server.serve("/big.jpg", photo(2400, 1600, quality=95))
    _refused_with(picture_feed, photo_server, "limit")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(picture_feed, photo_server):
    # A PNG that says 20,000 x 20,000 pixels (400 MP) in a few hundred kilobytes.
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    assert len(out.getvalue()) < 2_000_000
    photo_server.serve("/big.jpg", out.getvalue(), "image/png")
    _refused_with(picture_feed, photo_server, "pixel")
    assert images.MAX_PIXELS < 20_000 * 20_000


def _get(app, path: str) -> int:
    environ: dict = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    status = []
    body = app(environ, lambda s, h, exc_info=None: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


@pytest.mark.django_db(transaction=True)
def test_after_a_kill_every_rendition_url_answers_410_within_a_second(
    feeds, picture_files, photo_server
):
    from django.core.wsgi import get_wsgi_application

    feed = feeds["ians"]
    feed.fetch_allowed_hosts = "127.0.0.1"
    feed.save()
    photo_server.serve("/big.jpg", photo())
    ingest_bytes(feed, g2_package(photo_server.base_url), origin="x")
    assert fetch_all() == 1
    digest = Picture.objects.get().sha256
    app = serve_pictures(get_wsgi_application())
    names = [f"{w}.{k}" for w in (320, 640, 1024, 1600) for k in ("avif", "webp", "jpg")]
    names += ["16x9.jpg", "4x3.jpg", "1x1.jpg"]
    urls = [f"/media/pictures/{digest[:2]}/{digest}/{name}" for name in names]
    assert {_get(app, url) for url in urls} == {200}
    editor = get_user_model().objects.create_user("desk", password="x" * 12)
    killed_at = time.monotonic()
    editorial.kill([Story.objects.get().pk], editor, "legal takedown")
    assert {_get(app, url) for url in urls} == {410}
    assert time.monotonic() - killed_at < 1.0


def test_retries_wait_longer_each_time_and_stop_after_ten(picture_feed, photo_server):
    from wiredesk.pictures.services import MAX_ATTEMPTS, retry_delay

    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 10, 20)] == [
        30,
        60,
        120,
        15360,
        21600,
    ]
    ingest_bytes(picture_feed, rss_enclosure(photo_server.base_url), origin="x")
    for _ in range(MAX_ATTEMPTS):
        Picture.objects.update(next_attempt_at=timezone.now())
        fetch_all()
    picture = Picture.objects.get()
    assert picture.attempts == MAX_ATTEMPTS and picture.next_attempt_at is None
    assert Quarantine.objects.get().repeats == MAX_ATTEMPTS  # one entry, each failure counted


@pytest.mark.django_db(transaction=True)
def test_one_agency_s_pictures_are_fetched_at_most_two_at_once(feeds, picture_files):
    import threading

    from wiredesk.pictures.services import process_due

    from .wire_server import AgencyServer

    busy, most = [0], [0]
    lock = threading.Lock()
    body = photo(400, 300)

    def slow(handler):
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        time.sleep(0.3)
        with lock:
            busy[0] -= 1
        handler.reply(200, body, {"Content-Type": "image/jpeg"})

    server = AgencyServer().start()
    try:
        feed = feeds["ians"]
        feed.fetch_allowed_hosts = "127.0.0.1"
        feed.save()
        for n in range(6):
            server.routes[f"/p{n}.jpg"] = slow
            item = rss_enclosure(server.base_url).replace(b"/big.jpg", f"/p{n}.jpg".encode())
            ingest_bytes(
                feed, item.replace(b"ians-rss-2", f"ians-rss-p{n}".encode()), origin=str(n)
            )
        assert process_due(workers=4) == 6
    finally:
        server.stop()
    assert most[0] == 2
