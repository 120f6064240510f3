"""`/metrics` of real commands: what every process of `wiredesk run` and `wiredesk serve` counted,
summed, read with the command docs/deploy.md gives (`curl -s http://127.0.0.1:8000/metrics`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from wiredesk.ingest import tasks
from wiredesk.sources.models import Feed

from .conftest import SEED_V1
from .test_celery_workers import broker, workers  # noqa: F401
from .test_commands_live import clean_env, free_port, start, wait_for  # noqa: F401
from .wire_builder import g2_item
from .wire_server import AgencyServer

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)

# Prometheus beside the node: this machine may scrape without a token.
METRICS_CONFIG = '[metrics]\nallow_from = ["127.0.0.1", "::1"]\n\n'
FEED_CONFIG = METRICS_CONFIG + (
    '[site]\nname = "Daily Example"\n\n[[agencies]]\nslug = "ians"\nname = "IANS"\n\n'
    '  [[agencies.feeds]]\n  slug = "ians-ftp"\n  transport = "folder"\n'
    '  location = "inbox"\n  poll_interval = 0.5\n'
)


def curl_metrics(port: int) -> dict[tuple[str, frozenset], float]:
    """Run the documented command; return every sample by (name, labels)."""
    answer = subprocess.run(
        ["curl", "-s", "--fail", f"http://127.0.0.1:{port}/metrics"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.stdout)
        for sample in family.samples
    }


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_run_answers_what_its_ingest_process_counted(start, tmp_path):  # noqa: F811
    port = free_port()
    (tmp_path / "wiredesk.toml").write_text(FEED_CONFIG)
    start("run", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/healthz", lambda r: r.status_code == 200, timeout=30)
    inbox = tmp_path / "inbox"
    for _ in range(300):
        if inbox.exists():
            break
        time.sleep(0.1)
    shutil.copy(SEED_V1, inbox / ".upload.part")
    os.replace(inbox / ".upload.part", inbox / SEED_V1.name)
    published = {"feed": "ians-ftp", "outcome": "published"}
    for _ in range(150):  # stored by the ingest process, answered by the web server
        samples = curl_metrics(port)
        if sample(samples, "wiredesk_deliveries_total", **published):
            break
        time.sleep(0.2)
    assert sample(samples, "wiredesk_deliveries_total", **published) == 1
    assert sample(samples, "wiredesk_stories_total", **published) == 1
    assert sample(samples, "wiredesk_publication_seconds_count", feed="ians-ftp") == 1
    assert sample(samples, "wiredesk_poll_seconds_count", feed="ians-ftp") >= 1
    assert sample(samples, "wiredesk_feed_red", feed="ians-ftp") == 0
    assert (tmp_path / "var" / "metrics" / socket.gethostname() / "run").is_dir()


def status_of(url: str, *headers: str) -> str:
    """Return the HTTP status curl gets for `url` sent with `headers`."""
    sent = [part for header in headers for part in ("-H", header)]
    answer = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", *sent, url],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return answer.stdout


def test_serve_sums_the_counts_of_its_workers(start, tmp_path):  # noqa: F811
    (tmp_path / "wiredesk.toml").write_text(METRICS_CONFIG)
    subprocess.run(
        [sys.executable, "-m", "wiredesk.cli", "migrate", "--verbosity", "0"],
        cwd=tmp_path,
        env=clean_env(),
        check=True,
        timeout=300,
    )
    port = free_port()
    start("serve", "--port", str(port), "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/healthz", lambda r: r.status_code == 200, timeout=60)
    before = sample(curl_metrics(port), "wiredesk_request_seconds_count", surface="search")
    # Each a new address: none is answered before Django, whichever worker takes it.
    for number in range(12):  # once each: a request retried would be counted twice
        assert httpx.get(f"{base}/search?q=word{number}", timeout=60).status_code == 200
    after = curl_metrics(port)
    assert sample(after, "wiredesk_request_seconds_count", surface="search") - before == 12
    assert (tmp_path / "var" / "metrics" / socket.gethostname() / "serve").is_dir()
    # Both workers wrote their own file: the answer is their sum.
    files = list(
        (tmp_path / "var" / "metrics" / socket.gethostname() / "serve").glob("histogram_*.db")
    )
    assert len(files) >= 2
    # Through a proxy on this machine, or from elsewhere: nothing to see.
    assert status_of(base + "/metrics", "X-Forwarded-For: 203.0.113.9") == "404"
    assert status_of(base + "/metrics") == "200"


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_answers_what_its_pool_counted(feeds, workers, tmp_path):  # noqa: F811
    port = free_port()
    config = tmp_path / "worker.toml"
    config.write_text(f'[metrics]\nworker_port = {port}\nallow_from = ["127.0.0.1"]\n')
    server = AgencyServer().start()
    server.routes["/wire.xml"] = lambda h: h.reply(200, g2_item("urn:worker", 1, T0))
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-worker",
        transport="http",
        location=server.base_url + "/wire.xml",
        poll_interval=600,
    )
    try:
        workers("counting", WIREDESK_CONFIG=str(config))
        tasks.poll_feed.delay(feed.pk)
        published = {"feed": "ians-worker", "outcome": "published"}
        for _ in range(300):  # counted in the pool's process, answered by the main one
            try:
                samples = curl_metrics(port)
            except subprocess.CalledProcessError:  # not listening yet
                samples = {}
            if sample(samples, "wiredesk_deliveries_total", **published):
                break
            time.sleep(0.2)
    finally:
        server.stop()
    assert sample(samples, "wiredesk_deliveries_total", **published) == 1
    assert sample(samples, "wiredesk_poll_seconds_count", feed="ians-worker") == 1
    assert (tmp_path / "metrics" / socket.gethostname() / "worker").is_dir()
    assert status_of(f"http://127.0.0.1:{port}/metrics", "X-Forwarded-For: 203.0.113.9") == "404"
    assert status_of(f"http://127.0.0.1:{port}/other") == "404"
