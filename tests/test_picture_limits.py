"""Pictures at the edges: shapes a format cannot hold whole, renders that fail, claims left behind.

Real files made with Pillow, fetched from a real HTTP server on 127.0.0.1,
rendered by the real renderer; the claim tests write the claim a worker that
died would have left behind, and run the real pass over it.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connection
from django.utils import timezone
from lxml import html
from PIL import Image, ImageDraw

from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.pictures import files, images, services
from wiredesk.pictures.models import Picture
from wiredesk.pictures.selectors import pictures_of
from wiredesk.pictures.serving import serve_pictures
from wiredesk.stories.models import Story

from .pictures_helpers import fetch_all, photo
from .test_pictures import rss_enclosure

# The longest side each rendition format holds: libwebp's 16,383; libavif
# decodes no side over 32,768 (its encoder writes larger ones nobody reads);
# libjpeg's 65,500 (not the header's 65,535).
LIMITS = {"webp": 16_383, "avif": 32_768, "jpg": 65_500}
PILLOW_FORMAT = {"webp": "WEBP", "avif": "AVIF", "jpg": "JPEG"}


def infographic(width: int, height: int) -> bytes:
    """A PNG like an agency's infographic: a red title band on top, then rows of detail."""
    image = Image.new("RGB", (width, height), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width - 1, 399], fill=(200, 20, 30))
    for y in range(420, height, 40):
        draw.line([(0, y), (width, y + 20)], fill=(30, 60, 90), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def odd_exif_jpeg() -> bytes:
    """A JPEG whose EXIF says the camera maker's name is a fraction (a real camera quirk).

    The checks pass (they read IPTC and XMP, not EXIF); Pillow reads the tag,
    but cannot write it back when the renderer applies the orientation.
    """
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the renderer applies it
    exif[0x010F] = "Canon EOS"  # Make: ASCII, 10 bytes ...
    raw = exif.tobytes()
    as_text = b"\x01\x0f\x00\x02\x00\x00\x00\x0a"  # tag, type 2 (ASCII), count 10
    assert raw.count(as_text) == 1
    raw = raw.replace(as_text, b"\x01\x0f\x00\x05\x00\x00\x00\x01")  # ... one RATIONAL
    return photo(900, 600, exif=raw)


def _publish(feed, server, data: bytes, n: int = 1, content_type: str = "image/png") -> Picture:
    """Ingest a story whose picture the server has at /pN.png; return the picture."""
    server.serve(f"/p{n}.png", data, content_type)
    item = rss_enclosure(server.base_url).replace(b"/big.jpg", f"/p{n}.png".encode())
    report = ingest_bytes(
        feed, item.replace(b"ians-rss-2", f"ians-rss-p{n}".encode()), origin=str(n)
    )
    assert report.ok, report
    return Picture.objects.get(href=f"{server.base_url}/p{n}.png")


def _rendition(folder, digest: str, name: str) -> tuple[str, tuple[int, int]]:
    with Image.open(folder / digest[:2] / digest / name) as image:
        image.load()
        return image.format or "", image.size


def _status(path: str) -> int:
    """Ask the web process's picture server (WhiteNoise, in front of Django) for `path`."""

    def django(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b""]

    environ: dict = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    status: list[str] = []
    body = serve_pictures(django)(environ, lambda s, h, exc_info=None: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


def _every_rendition_fits_and_is_served(picture: Picture, folder) -> None:
    names = {name.rsplit("/", 1)[1] for name in files.rendition_names(picture.sha256)}
    assert names == {f"{w}.{k}" for w in picture.widths for k in LIMITS} | {
        "16x9.jpg",
        "4x3.jpg",
        "1x1.jpg",
    }
    for name in sorted(names):
        kind = name.rsplit(".", 1)[1]
        made, size = _rendition(folder, picture.sha256, name)
        assert made == PILLOW_FORMAT[kind], name
        assert max(size) <= LIMITS[kind], (name, size)
        if name[0].isdigit() and "x" not in name:  # a width: the picture's shape, kept
            width = int(name.split(".")[0])
            assert size == (width, max(1, round(picture.height * width / picture.width))), name
        assert _status(files.url(picture.sha256, name)) == 200, name


def test_a_tall_infographic_renders_within_every_format_s_limit_and_is_served(
    client, picture_feed, photo_server, picture_files
):
    picture = _publish(picture_feed, photo_server, infographic(300, 17_000))
    assert fetch_all() == 1
    picture.refresh_from_db()
    assert picture.state == Picture.State.READY and (picture.width, picture.height) == (300, 17_000)
    # 300 wide would be 17,000 tall, over WebP's 16,383: every format is made
    # 289 wide (16,377 tall), so the page's srcsets offer the same widths.
    assert picture.widths == [289]
    _every_rendition_fits_and_is_served(picture, picture_files)
    assert _rendition(picture_files, picture.sha256, "289.webp")[1] == (289, 16_377)
    # Google's crops: as large as the picture allows, and from its top (the
    # infographic's title), not a slice from its middle.
    crops = {
        name: _rendition(picture_files, picture.sha256, name)[1]
        for name in ("16x9.jpg", "4x3.jpg", "1x1.jpg")
    }
    assert crops == {"16x9.jpg": (300, 169), "4x3.jpg": (300, 225), "1x1.jpg": (300, 300)}
    for name in crops:
        with Image.open(picture_files / picture.sha256[:2] / picture.sha256 / name) as image:
            r, g, b = image.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
        assert r > 150 and g < 80 and b < 80, (name, (r, g, b))  # the red title band
    page = html.fromstring(client.get(Story.objects.get().get_absolute_url()).content)
    img = page.cssselect("figure.lead-picture img")[0]
    assert img.get("srcset").endswith("289.jpg 289w")
    assert (img.get("width"), img.get("height")) == ("289", "16377")
    [shown] = pictures_of(Story.objects.get().pk)
    assert shown.large_size == (289, 16_377)


def test_a_wide_panorama_renders_within_every_format_s_limit_and_is_served(
    picture_feed, photo_server, picture_files
):
    picture = _publish(picture_feed, photo_server, photo(17_000, 300, "PNG"))
    assert fetch_all() == 1
    picture.refresh_from_db()
    assert picture.state == Picture.State.READY and picture.widths == [320, 640, 1024, 1600]
    _every_rendition_fits_and_is_served(picture, picture_files)
    crops = {
        name: _rendition(picture_files, picture.sha256, name)[1]
        for name in ("16x9.jpg", "4x3.jpg", "1x1.jpg")
    }
    assert crops == {"16x9.jpg": (533, 300), "4x3.jpg": (400, 300), "1x1.jpg": (300, 300)}


def _assert_waits(picture: Picture, attempts: int) -> None:
    """The picture failed `attempts` times and waits the backoff, not less, not 5 minutes."""
    expected = services.retry_delay(attempts).total_seconds()
    waits = (picture.next_attempt_at - timezone.now()).total_seconds()
    assert picture.attempts == attempts and expected - 10 < waits <= expected, (attempts, waits)
    assert picture.pk not in services.due()


def test_a_picture_no_rendition_can_hold_is_quarantined_and_retried_with_the_backoff(
    picture_feed, photo_server
):
    # 1 x 20,000 pixels: no rendition keeps that shape within WebP's 16,383.
    picture = _publish(picture_feed, photo_server, photo(1, 20_000, "PNG"))
    assert images.check(photo(1, 20_000, "PNG")).height == 20_000  # the fetch checks pass it
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        Picture.objects.filter(pk=picture.pk).update(next_attempt_at=timezone.now())
        assert fetch_all() == 0  # the failure stays with the picture: nothing escapes
        picture.refresh_from_db()
        assert picture.state == Picture.State.FAILED
        assert "cannot keep its shape" in picture.last_error and "16,383" in picture.last_error
        if attempt < 3:
            _assert_waits(picture, attempt)
    assert picture.next_attempt_at is None  # given up after ten: not every 5 minutes for ever
    entry = Quarantine.objects.get()  # the desk's quarantine: one entry, each failure counted
    assert (
        entry.item_id == f"picture:{picture.identity}" and "cannot keep its shape" in entry.reason
    )
    assert entry.repeats == services.MAX_ATTEMPTS
    assert Story.objects.get().state == Story.State.PUBLISHED  # published without it


@pytest.mark.django_db(transaction=True)
def test_an_error_while_rendering_stays_with_its_picture_and_the_pass_goes_on(
    feeds, picture_files, photo_server
):
    data = odd_exif_jpeg()
    images.check(data)  # passes the fetch checks ...
    with pytest.raises(Exception, match="encode"):
        images.render(
            data
        )  # ... and fails in the renderer (choose another cause if it learns this)
    feed = feeds["ians"]
    feed.fetch_allowed_hosts = "127.0.0.1"
    feed.save()
    bad = _publish(feed, photo_server, data, 1, "image/jpeg")
    good = _publish(feed, photo_server, photo(900, 600), 2, "image/jpeg")
    assert services.process_due(workers=2) == 1  # the real pass, in its threads: nothing escapes
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.state == Picture.State.READY
    assert bad.state == Picture.State.FAILED and "could not be rendered" in bad.last_error
    assert "encode" in bad.last_error
    _assert_waits(bad, 1)
    assert (bad.claimed_by, bad.claimed_at) == ("", None)
    entry = Quarantine.objects.get()
    assert entry.item_id == f"picture:{bad.identity}" and "could not be rendered" in entry.reason
    Picture.objects.filter(pk=bad.pk).update(next_attempt_at=timezone.now())
    assert services.process_due() == 0
    bad.refresh_from_db()
    _assert_waits(bad, 2)  # twice as long the second time
    assert Quarantine.objects.get().repeats == 2


def _claimed(picture: Picture, by: str, seconds_ago: float) -> None:
    Picture.objects.filter(pk=picture.pk).update(
        claimed_by=by, claimed_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


@pytest.mark.django_db(transaction=True)
def test_an_abandoned_claim_is_retaken_within_a_minute_and_a_fresh_one_is_not(
    feeds, picture_files, photo_server
):
    feed = feeds["ians"]
    feed.fetch_allowed_hosts = "127.0.0.1"
    feed.save()
    abandoned = _publish(feed, photo_server, photo(900, 600, "PNG"), 1)
    fresh = _publish(feed, photo_server, photo(800, 600, "PNG"), 2)
    _claimed(abandoned, "a worker killed mid-render", seconds_ago=61)
    _claimed(fresh, "a worker still rendering", seconds_ago=5)
    assert services.CLAIM_SECONDS < 60
    assert services.process_due() == 1
    abandoned.refresh_from_db()
    fresh.refresh_from_db()
    assert abandoned.state == Picture.State.READY and abandoned.claimed_by == ""
    assert fresh.state == Picture.State.PENDING and fresh.claimed_by == "a worker still rendering"
    assert [r.path for r in photo_server.requests] == ["/p1.png"]


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_s_claim_is_renewed_so_no_other_worker_takes_its_picture(
    feeds, picture_files, photo_server, monkeypatch
):
    monkeypatch.setattr(services, "CLAIM_SECONDS", 2)
    monkeypatch.setattr(services, "HEARTBEAT_SECONDS", 0.25)
    feed = feeds["ians"]
    feed.fetch_allowed_hosts = "127.0.0.1"
    feed.save()
    picture = _publish(feed, photo_server, photo(900, 600), 1, "image/jpeg")
    body = photo(900, 600)
    started = threading.Event()

    def slow(handler):  # the picture takes 4 s to come: twice the claim
        started.set()
        time.sleep(4)
        handler.reply(200, body, {"Content-Type": "image/jpeg"})

    photo_server.routes["/p1.png"] = slow
    done: list[int] = []

    def worker() -> None:
        try:
            done.append(services.process_due())
        finally:
            connection.close()

    first = threading.Thread(target=worker)
    first.start()
    assert started.wait(10)
    time.sleep(3)  # past the claim's length: only its renewal keeps it
    assert services.due() == [] and services.process_due() == 0  # a second worker finds nothing
    first.join(20)
    assert done == [1] and len(photo_server.requests) == 1
    picture.refresh_from_db()
    assert picture.state == Picture.State.READY and (picture.claimed_by, picture.claimed_at) == (
        "",
        None,
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_share_a_picture(feeds, picture_files, photo_server):
    feed = feeds["ians"]
    for n in range(8):
        _publish(feed, photo_server, b"unused", n)
    barrier = threading.Barrier(2)
    taken: dict[str, list[int]] = {}

    def worker(token: str) -> None:
        try:
            barrier.wait(5)
            taken[token] = services.claim(8, token)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not set(taken["one"]) & set(taken["two"])
    assert sorted(taken["one"] + taken["two"]) == sorted(
        Picture.objects.values_list("pk", flat=True)
    )
    by = {pk: who for pk, who in Picture.objects.values_list("pk", "claimed_by")}
    assert {by[pk] for pk in taken["one"]} <= {"one"} and {by[pk] for pk in taken["two"]} <= {"two"}
