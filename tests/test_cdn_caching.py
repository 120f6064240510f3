"""HTTP caching for a CDN: Cache-Control and surrogate keys on every public answer, and purges
on every story change, tested against a real Varnish on 127.0.0.1 (Debian's varnish; .ci/run
installs it)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from wiredesk.config.options import PurgeBackendOptions
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

from .options import with_options
from .wire_builder import g2_item

VARNISHD = shutil.which("varnishd") or (
    "/usr/sbin/varnishd" if os.path.exists("/usr/sbin/varnishd") else None
)
T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)

VCL = """vcl 4.1;
backend default {{ .host = "127.0.0.1"; .port = "{port}"; }}
sub vcl_recv {{
  if (req.method == "PURGE") {{
    if (req.http.Surrogate-Key) {{
      ban("obj.http.Surrogate-Key ~ (^|\\s)" + req.http.Surrogate-Key + "($|\\s)");
      return (synth(200, "Banned"));
    }}
    return (purge);
  }}
}}
sub vcl_deliver {{ if (obj.hits > 0) {{ set resp.http.X-Cache = "HIT"; }} else {{ set resp.http.X-Cache = "MISS"; }} }}
"""


def test_public_answers_carry_cache_control_and_surrogate_keys(client, ingest):
    from .conftest import SEED_V1

    ingest(SEED_V1)
    story = Story.objects.get()
    page = client.get(story.get_absolute_url())
    assert page["Cache-Control"] == "public, max-age=0, s-maxage=60, stale-while-revalidate=30"
    assert page["Surrogate-Key"] == f"story-{story.pk}" and page["Cache-Tag"] == f"story-{story.pk}"
    assert client.get(f"/api/v1/stories/{story.pk}")["Surrogate-Key"] == f"story-{story.pk}"
    # Search answers list stories too: kept by a CDN and purged with every list.
    lists = (
        "/",
        "/feeds/rss.xml",
        "/sitemap-news.xml",
        "/api/v1/stories",
        "/agency/ians/",
        "/search?q=korea",
    )
    for url in lists:
        response = client.get(url)
        assert response["Surrogate-Key"] == "lists", url
        assert "s-maxage=60" in response["Cache-Control"], url
    authorized = client.get("/api/v1/stories", HTTP_AUTHORIZATION="Bearer x")
    assert "public" not in authorized.get("Cache-Control", "")
    assert "s-maxage" not in client.get("/admin/login/").get("Cache-Control", "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def varnish(live_server, tmp_path, settings):
    if VARNISHD is None:
        if os.environ.get("CI"):
            pytest.fail("varnishd is not installed: apt-get install varnish")
        pytest.skip("Debian's varnish is not installed")
    port = free_port()
    # varnishd's worker runs as its own user: its folder must be reachable (pytest's are 0700).
    workdir = Path(tempfile.mkdtemp(prefix="wiredesk-varnish-"))
    workdir.chmod(0o755)
    vcl = workdir / "wiredesk.vcl"
    vcl.write_text(VCL.format(port=live_server.url.rsplit(":", 1)[1]))
    process = subprocess.Popen(
        [
            VARNISHD,
            "-F",
            "-a",
            f"127.0.0.1:{port}",
            "-f",
            str(vcl),
            "-n",
            str(workdir / "varnish"),
            "-s",
            "malloc,32m",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    purge = PurgeBackendOptions("wiredesk.site.purge.HttpPurgeBackend", {"url": base})
    with_options(settings, purge=(purge,))
    for _ in range(100):
        try:
            httpx.get(base + "/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_varnish_never_serves_a_killed_story_after_its_purge(varnish, feeds):
    feed = feeds["ians"]
    ingest_bytes(feed, g2_item("urn:cdn", 1, T0), "a.xml")
    story = Story.objects.get()
    url = varnish + story.get_absolute_url()
    assert httpx.get(url).headers["X-Cache"] == "MISS"
    cached = httpx.get(url)
    assert cached.status_code == 200 and cached.headers["X-Cache"] == "HIT"
    assert httpx.get(varnish + "/").headers["X-Cache"] == "MISS"
    assert httpx.get(varnish + "/").headers["X-Cache"] == "HIT"
    ingest_bytes(feed, g2_item("urn:cdn", 2, T0 + timedelta(minutes=1), status="canceled"), "b.xml")
    gone = httpx.get(url)
    assert gone.status_code == 410 and gone.headers["X-Cache"] == "MISS"
    home = httpx.get(varnish + "/")
    assert home.headers["X-Cache"] == "MISS" and story.get_absolute_url() not in home.text


@pytest.mark.django_db(transaction=True)
def test_varnish_shows_an_update_at_once(varnish, feeds):
    feed = feeds["ians"]
    ingest_bytes(feed, g2_item("urn:cdn", 1, T0, paragraphs=("NEW DELHI, Oct 14 First.",)), "a.xml")
    url = varnish + Story.objects.get().get_absolute_url()
    httpx.get(url)
    assert "First." in httpx.get(url).text
    ingest_bytes(
        feed,
        g2_item("urn:cdn", 2, T0 + timedelta(minutes=1), paragraphs=("NEW DELHI, Oct 14 Second.",)),
        "b.xml",
    )
    assert "Second." in httpx.get(url).text
