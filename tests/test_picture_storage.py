"""Picture files through Django's storage API: the data folder, and an S3-compatible bucket.

The bucket is moto's S3 server, started by the test as its own process on a
free port and spoken to over HTTP by django-storages and boto3, as a web
node speaks to S3, MinIO or R2. (No MinIO or Ceph package is in this
machine's registries; moto's server answers the same S3 REST calls.)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import httpx
import pytest
from django.core.files.storage import storages

from wiredesk.config.options import PicturesOptions
from wiredesk.config.storage import picture_storages
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.pictures import files
from wiredesk.pictures.models import Picture
from wiredesk.pictures.selectors import pictures_of
from wiredesk.stories import editorial
from wiredesk.stories.models import Story

from .pictures_helpers import fetch_all, photo
from .test_pictures import g2_package

BUCKET = "news-pictures"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_feed(feeds):
    """The IANS feed, allowed to fetch from this machine (not `picture_feed`: its storages are files)."""
    feed = feeds["ians"]
    feed.fetch_allowed_hosts = "127.0.0.1"
    feed.save()
    return feed


@pytest.fixture
def s3_pictures(settings, s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    renditions, originals = picture_storages(
        PicturesOptions(storage="s3", bucket=BUCKET, endpoint_url=s3_server, region="us-east-1"),
        Path("unused"),
        "/media/",
    )  # the production settings' own shape
    settings.STORAGES = {
        **settings.STORAGES,
        "pictures": renditions,
        "picture_originals": originals,
    }
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for entry in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=entry["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_renditions_and_originals_go_to_the_bucket_and_readers_get_its_addresses(
    s3_pictures, s3_server, s3_feed, photo_server
):
    photo_server.serve("/big.jpg", photo())
    ingest_bytes(s3_feed, g2_package(photo_server.base_url), origin="x")
    assert fetch_all() == 1
    digest = Picture.objects.get().sha256
    keys = {o["Key"] for o in s3_pictures.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert f"picture-originals/{digest[:2]}/{digest}.jpg" in keys
    assert f"pictures/{digest[:2]}/{digest}/1600.avif" in keys and len(keys) == 16
    head = s3_pictures.head_object(Bucket=BUCKET, Key=f"pictures/{digest[:2]}/{digest}/1x1.jpg")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    [shown] = pictures_of(Story.objects.get().pk)
    assert shown.large == f"{s3_server}/{BUCKET}/pictures/{digest[:2]}/{digest}/1600.jpg"
    assert httpx.get(shown.large).content[:3] == b"\xff\xd8\xff"  # a JPEG, from the bucket


def test_a_kill_deletes_the_bucket_s_renditions_and_keeps_the_original(
    s3_pictures, s3_feed, photo_server, django_capture_on_commit_callbacks, django_user_model
):
    photo_server.serve("/big.jpg", photo())
    ingest_bytes(s3_feed, g2_package(photo_server.base_url), origin="x")
    assert fetch_all() == 1
    digest = Picture.objects.get().sha256
    editor = django_user_model.objects.create_user("desk", password="x" * 12)
    with django_capture_on_commit_callbacks(execute=True):
        editorial.kill([Story.objects.get().pk], editor, "legal takedown")
    keys = {o["Key"] for o in s3_pictures.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert keys == {f"picture-originals/{digest[:2]}/{digest}.jpg"}
    assert files.rendition_names(digest) == []


@pytest.mark.parametrize("where", ["filesystem", "s3"])
def test_the_storage_contract_the_pictures_rely_on(where, request):
    if where == "s3":
        request.getfixturevalue("s3_pictures")
    else:
        request.getfixturevalue("picture_files")
    digest = "ab" * 32
    assert not files.has_renditions(digest)
    files.save_renditions(digest, {"320.webp": b"w", files.LAST_RENDITION: b"j"})
    files.save_renditions(digest, {"320.webp": b"w2", files.LAST_RENDITION: b"j"})  # again: no copy
    assert files.has_renditions(digest)
    assert sorted(n.rsplit("/", 1)[1] for n in files.rendition_names(digest)) == [
        "1x1.jpg",
        "320.webp",
    ]
    with storages[files.RENDITIONS].open(f"{files.folder(digest)}/320.webp") as handle:
        assert handle.read() == b"w2"
    assert files.save_original(digest, "jpg", b"o") == files.save_original(digest, "jpg", b"o")
    assert files.load_original(digest, "jpg") == b"o"
    assert files.delete_renditions(digest) and files.rendition_names(digest) == []
