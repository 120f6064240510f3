"""`/metrics`: its names and types, the values a real delivery, kill, poll and request move,
who may read it, and the sum of several processes' counts (docs/deploy.md, Metrics)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from wiredesk.config.options import ConfigError, Options
from wiredesk.desk.exposition import exposition
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.ingest.polling import FeedPoller
from wiredesk.metrics.folder import VARIABLE, use_folder
from wiredesk.sources.models import Feed
from wiredesk.syndication.models import OutboundMessage

from .conftest import SEED_V1
from .options import with_options
from .wire_builder import g2_item
from .wire_server import AgencyServer

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
COUNTERS = (
    "wiredesk_deliveries",
    "wiredesk_items",
    "wiredesk_stories",
    "wiredesk_poll_failures",
    "wiredesk_cache_requests",
)
HISTOGRAMS = (
    "wiredesk_publication_seconds",
    "wiredesk_kill_seconds",
    "wiredesk_poll_seconds",
    "wiredesk_request_seconds",
)
GAUGES = (
    "wiredesk_outbox_pending",
    "wiredesk_outbox_oldest_seconds",
    "wiredesk_outbox_failed",
    "wiredesk_quarantine_open",
    "wiredesk_quarantine_open_refusals",
    "wiredesk_feed_red",
    "wiredesk_feed_failures",
    "wiredesk_feed_enabled",
)


@pytest.fixture(autouse=True)
def _scraped_from_this_machine(settings):
    """Let this machine's test client scrape, as Prometheus beside a node would."""
    with_options(settings, metrics={"allow_from": ("127.0.0.1",)})


def scrape(client, **extra) -> dict:
    """Return the metric families /metrics answers, by name."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def value(families: dict, name: str, sample: str | None = None, **labels: str) -> float:
    """Return one sample's value (0 when the series is not there yet)."""
    wanted = sample or name
    for found in families[name].samples:
        if found.name == wanted and all(found.labels.get(k) == v for k, v in labels.items()):
            return found.value
    return 0.0


def test_the_endpoint_names_each_metric_with_its_type(client, feeds, settings):
    families = scrape(client)
    types = {name: family.type for name, family in families.items()}
    assert {name: types.get(name) for name in COUNTERS} == dict.fromkeys(COUNTERS, "counter")
    assert {name: types.get(name) for name in HISTOGRAMS} == dict.fromkeys(HISTOGRAMS, "histogram")
    assert {name: types.get(name) for name in GAUGES} == dict.fromkeys(GAUGES, "gauge")
    assert {s.labels["feed"] for s in families["wiredesk_feed_enabled"].samples} == {
        feed.slug for feed in feeds.values()
    }
    kinds = {s.labels["kind"] for s in families["wiredesk_outbox_oldest_seconds"].samples}
    assert kinds == set(OutboundMessage.Kind.values)
    if settings.CELERY_BROKER_URL.startswith("memory://"):  # no Celery: no queue to measure
        assert "wiredesk_celery_queue_length" not in families
    else:  # the test Redis is the broker
        assert value(families, "wiredesk_celery_broker_up") == 1
        assert types["wiredesk_celery_queue_length"] == "gauge"


@pytest.mark.django_db(transaction=True)
def test_a_published_delivery_moves_deliveries_items_stories_and_its_publication_time(
    client, feeds
):
    before = scrape(client)
    ingest_bytes(feeds["ians"], SEED_V1.read_bytes(), origin=SEED_V1.name)
    after = scrape(client)
    labels = {"feed": "ians-inbox", "outcome": "published"}
    for name in ("wiredesk_deliveries", "wiredesk_items", "wiredesk_stories"):
        total = f"{name}_total"
        assert value(after, name, total, **labels) - value(before, name, total, **labels) == 1
    count = "wiredesk_publication_seconds_count"
    timed = value(after, "wiredesk_publication_seconds", count, feed="ians-inbox")
    assert timed - value(before, "wiredesk_publication_seconds", count, feed="ians-inbox") == 1


def test_a_quarantined_delivery_is_counted_and_shows_in_the_quarantine_gauge(client, feeds):
    before = scrape(client)
    ingest_bytes(feeds["meridian"], b"\x00 not a wire format", origin="broken.bin")
    after = scrape(client)
    labels = {"feed": "meridian-inbox", "outcome": "quarantined"}
    moved = value(after, "wiredesk_deliveries", "wiredesk_deliveries_total", **labels)
    assert moved - value(before, "wiredesk_deliveries", "wiredesk_deliveries_total", **labels) == 1
    assert value(after, "wiredesk_quarantine_open", feed="meridian-inbox") == 1
    assert value(after, "wiredesk_quarantine_open", feed="ians-inbox") == 0


@pytest.mark.django_db(transaction=True)
def test_a_kill_is_timed_from_the_kill_to_the_story_gone(client, feeds):
    count = "wiredesk_kill_seconds_count"
    ingest_bytes(feeds["ians"], g2_item("urn:k", 1, T0), "k1.xml")
    before = value(scrape(client), "wiredesk_kill_seconds", count)
    ingest_bytes(feeds["ians"], g2_item("urn:k", 2, T0, status="canceled"), "k2.xml")
    after = scrape(client)
    assert value(after, "wiredesk_kill_seconds", count) - before == 1
    # A real kill in this process takes well under the second the alert allows.
    within = value(after, "wiredesk_kill_seconds", "wiredesk_kill_seconds_bucket", le="1.0")
    assert within >= 1


def test_polls_are_timed_and_failed_polls_counted_by_feed(client, feeds):
    server = AgencyServer().start()
    server.routes["/down"] = lambda h: h.reply(503, b"")
    down = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-down",
        transport="http",
        location=server.base_url + "/down",
        poll_interval=60,
    )
    before = scrape(client)
    poller = FeedPoller(settle_seconds=0)
    try:
        poller.poll(feeds["ians"])
        poller.poll(down)
    finally:
        poller.close()
        server.stop()
    after = scrape(client)
    count = "wiredesk_poll_seconds_count"
    for slug in ("ians-inbox", "ians-down"):
        polls = value(after, "wiredesk_poll_seconds", count, feed=slug)
        assert polls - value(before, "wiredesk_poll_seconds", count, feed=slug) == 1
    # Counted from `before`: the process's counters outlive each test's database.
    failed = ("wiredesk_poll_failures", "wiredesk_poll_failures_total")
    for slug, failures in (("ians-down", 1), ("ians-inbox", 0)):
        assert value(after, *failed, feed=slug) - value(before, *failed, feed=slug) == failures


def test_cache_layers_count_hits_and_misses_and_requests_are_timed_by_surface(
    client, ingest, settings
):
    with_options(settings, site={"page_cache_seconds": 60})
    ingest(SEED_V1)
    before = scrape(client)
    for feed in ("/feeds/rss.xml", "/agency/ians/rss.xml"):  # the same item in both
        client.get("/")
        client.get("/search", {"q": "monsoon"})
        client.get("/api/v1/stories")
        client.get(feed)
    after = scrape(client)

    def moved(name: str, sample: str, **labels: str) -> float:
        return value(after, name, sample, **labels) - value(before, name, sample, **labels)

    cache = ("wiredesk_cache_requests", "wiredesk_cache_requests_total")
    for layer in ("page", "search", "api", "fragments"):
        assert moved(*cache, layer=layer, result="miss") >= 1, layer
        assert moved(*cache, layer=layer, result="hit") >= 1, layer
    timed = ("wiredesk_request_seconds", "wiredesk_request_seconds_count")
    assert {s: moved(*timed, surface=s) for s in ("page", "search", "api", "feed")} == {
        "page": 2,
        "search": 2,
        "api": 2,
        "feed": 2,
    }


def test_outbox_age_and_a_red_feed_are_read_at_scrape_time(client, feeds):
    OutboundMessage.objects.create(
        kind="purge",
        event="purge",
        url="http://cdn.internal",
        created_at=timezone.now() - timedelta(minutes=10),
        next_attempt_at=timezone.now(),
    )
    Feed.objects.filter(pk=feeds["northline"].pk).update(failures=3, last_error="HTTP 503")
    families = scrape(client)
    assert value(families, "wiredesk_outbox_pending", kind="purge") == 1
    assert 600 <= value(families, "wiredesk_outbox_oldest_seconds", kind="purge") < 660
    assert value(families, "wiredesk_outbox_oldest_seconds", kind="webhook") == 0
    assert value(families, "wiredesk_feed_red", feed="northline-inbox") == 1
    assert value(families, "wiredesk_feed_red", feed="ians-inbox") == 0
    assert value(families, "wiredesk_feed_failures", feed="northline-inbox") == 3


@pytest.mark.parametrize(
    ("options", "request_from", "status"),
    [
        ({}, {"REMOTE_ADDR": "127.0.0.1"}, 200),
        ({}, {"REMOTE_ADDR": "10.1.2.3"}, 404),
        # By default no address may: every reader seems 127.0.0.1 behind a local proxy.
        ({"allow_from": ()}, {"REMOTE_ADDR": "127.0.0.1"}, 404),
        ({"allow_from": (), "token": "s3cret"}, {"HTTP_AUTHORIZATION": "Bearer s3cret"}, 200),
        # Through a proxy on this machine: every reader would be 127.0.0.1.
        ({}, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, 404),
        ({"allow_from": ("10.0.0.0/8",)}, {"REMOTE_ADDR": "10.1.2.3"}, 200),
        ({"allow_from": ("10.0.0.0/8",)}, {"REMOTE_ADDR": "127.0.0.1"}, 404),
        (
            {"token": "s3cret"},
            {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer s3cret"},
            200,
        ),
        (
            {"token": "s3cret"},
            {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer nope"},
            404,
        ),
        (
            {"token": "s3cret"},
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_AUTHORIZATION": "Bearer nope"},
            404,
        ),
        ({"enabled": False}, {"REMOTE_ADDR": "127.0.0.1"}, 404),
    ],
)
def test_only_the_internal_network_or_the_token_may_read_the_metrics(
    client, db, settings, options, request_from, status
):
    with_options(settings, metrics=options)
    response = client.get("/metrics", **request_from)
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"
    if status == 404:
        assert b"wiredesk_" not in response.content


COUNT_IN_A_CHILD = """
from wiredesk.metrics.instruments import DELIVERIES, CacheCounter
DELIVERIES.labels("ians-inbox", "published").inc()
counter = CacheCounter("fastpath")
counter.hit()
counter.flush()
"""


def test_the_processes_of_one_command_are_summed_in_multiprocess_mode(db, tmp_path, monkeypatch):
    environ = dict(os.environ)
    environ.pop(VARIABLE, None)
    ours = tmp_path / "metrics" / socket.gethostname() / "serve"
    ours.mkdir(parents=True)
    (ours / "counter_1.db").write_bytes(b"left by the last run")
    # Another container on the same data volume: its files are its own, never emptied here.
    theirs = tmp_path / "metrics" / "web-2" / "serve"
    theirs.mkdir(parents=True)
    (theirs / "counter_1.db").write_bytes(b"another host's")
    folder = use_folder("serve", tmp_path, environ)
    assert folder == ours
    assert (theirs / "counter_1.db").read_bytes() == b"another host's"
    assert list(folder.iterdir()) == []  # the last run's counts are not summed into this one's
    assert environ[VARIABLE] == str(folder)
    for _ in range(2):
        subprocess.run([sys.executable, "-c", COUNT_IN_A_CHILD], env=environ, check=True)
    monkeypatch.setenv(VARIABLE, str(folder))
    families = {f.name: f for f in text_string_to_metric_families(exposition().decode())}
    published = {"feed": "ians-inbox", "outcome": "published"}
    assert value(families, "wiredesk_deliveries", "wiredesk_deliveries_total", **published) == 2
    hits = ("wiredesk_cache_requests", "wiredesk_cache_requests_total")
    assert value(families, *hits, layer="fastpath", result="hit") == 2
    assert "wiredesk_outbox_pending" in families  # the database's gauges beside them


def test_only_commands_of_several_processes_share_a_folder_and_an_operator_s_is_kept(tmp_path):
    assert use_folder("migrate", tmp_path, {}) is None
    theirs = {VARIABLE: "/srv/prometheus"}
    assert use_folder("serve", tmp_path, theirs) is None
    assert theirs == {VARIABLE: "/srv/prometheus"}
    environ: dict[str, str] = {}
    assert (
        use_folder("run", tmp_path, environ) == tmp_path / "metrics" / socket.gethostname() / "run"
    )
    assert use_folder("serve", tmp_path, environ.copy() | {VARIABLE: ""}) is not None


def test_metrics_options_are_read_from_the_file_and_a_wrong_network_refused():
    options = Options.from_config(
        {"metrics": {"allow_from": ["10.0.0.0/8", "fd00::/8"], "token": "from-the-file"}},
        {"WIREDESK_METRICS_TOKEN": "from-the-environment"},
    )
    assert options.metrics.allow_from == ("10.0.0.0/8", "fd00::/8")
    assert options.metrics.token == "from-the-environment"
    assert Options.from_config({}, {}).metrics.allow_from == ()
    with pytest.raises(ConfigError, match=r"\[metrics\] allow_from: 'intranet' is not an address"):
        Options.from_config({"metrics": {"allow_from": ["intranet"]}}, {})


def test_an_embargoed_item_counts_as_held_and_a_kill_for_no_story_as_refused(client, feeds):
    counter, total = "wiredesk_deliveries", "wiredesk_deliveries_total"
    held = {"feed": "ians-inbox", "outcome": "held"}
    refused = {"feed": "ians-inbox", "outcome": "refused"}
    before = scrape(client)
    later = timezone.now() + timedelta(days=1)
    ingest_bytes(feeds["ians"], g2_item("urn:held", 1, T0, embargo=later), "held.xml")
    # A kill naming a story this site never had: nothing to store, nothing to show.
    ingest_bytes(feeds["ians"], g2_item("urn:never", 2, T0, status="canceled"), "kill.xml")
    after = scrape(client)
    assert value(after, counter, total, **held) - value(before, counter, total, **held) == 1
    assert value(after, counter, total, **refused) - value(before, counter, total, **refused) == 1
    items = "wiredesk_items_total"
    moved = value(after, "wiredesk_items", items, **held)
    assert moved - value(before, "wiredesk_items", items, **held) == 1
    new = value(after, "wiredesk_stories", "wiredesk_stories_total", **held)
    assert new - value(before, "wiredesk_stories", "wiredesk_stories_total", **held) == 1


def test_the_celery_queue_gauge_counts_the_tasks_waiting_on_a_real_broker(db, client, settings):
    import redis
    from kombu import Connection, Exchange, Queue

    broker = os.environ.get("WIREDESK_TEST_BROKER", "redis://127.0.0.1:6379/2")
    queue = f"wiredesk-test-gauge-{os.getpid()}-{socket.gethostname()}"
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).delete(queue)
    except redis.ConnectionError:
        # A laptop without Redis skips this; CI (which starts Redis) fails instead.
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {broker} for the Celery broker")
    settings.CELERY_BROKER_URL = broker
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    try:
        with Connection(broker) as connection:
            waiting = Queue(queue, Exchange(queue), routing_key=queue)
            producer = connection.Producer()
            for n in range(3):
                producer.publish(
                    {"n": n}, exchange=waiting.exchange, routing_key=queue, declare=[waiting]
                )
        families = scrape(client)
        assert value(families, "wiredesk_celery_broker_up") == 1
        assert value(families, "wiredesk_celery_queue_length", queue=queue) == 3
    finally:
        redis.Redis.from_url(broker).delete(queue)
