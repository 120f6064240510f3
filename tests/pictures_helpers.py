"""Pictures for the tests: small real JPEG, PNG and WebP files made with Pillow."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from wiredesk.config.options import PicturesOptions
from wiredesk.config.storage import picture_storages
from wiredesk.pictures.models import Picture
from wiredesk.pictures.services import due, process

from .wire_server import AgencyServer


def photo(width: int = 1800, height: int = 1200, kind: str = "JPEG", **save) -> bytes:
    """Return a picture with some detail in it (flat colour compresses to nothing)."""
    image = Image.new("RGB", (width, height), (40, 90, 150))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, max(1, width // 30)):
        draw.line([(x, 0), (width - x, height)], fill=(220, (x * 7) % 255, 60), width=4)
    out = io.BytesIO()
    image.save(out, kind, **save)
    return out.getvalue()


def fetch_all() -> int:
    """Process every due picture here, in the test's own transaction; return how many are ready."""
    return sum(process(Picture.objects.select_related("feed").get(pk=pk)) for pk in due())


@pytest.fixture
def picture_files(settings, tmp_path):
    """Keep renditions and originals in the test's own folders."""
    # The settings' own shape, with the default [pictures]: files in the data folder.
    renditions, originals = picture_storages(PicturesOptions(), tmp_path, "/media/")
    settings.STORAGES = {
        **settings.STORAGES,
        "pictures": renditions,
        "picture_originals": originals,
    }
    return tmp_path / "media" / "pictures"


@pytest.fixture
def photo_server():
    """A real HTTP server on 127.0.0.1 serving pictures by path."""
    server = AgencyServer().start()

    def serve(path: str, data: bytes, content_type: str = "image/jpeg") -> str:
        server.routes[path] = lambda h: h.reply(200, data, {"Content-Type": content_type})
        return server.base_url + path

    server.serve = serve  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture
def picture_feed(feeds, picture_files):
    """The IANS feed, allowed to fetch from this machine (the test's picture server)."""
    feed = feeds["ians"]
    feed.fetch_allowed_hosts = "127.0.0.1"
    feed.save()
    return feed
