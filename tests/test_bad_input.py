"""Bad input never harms the process or the rest of a batch: each is quarantined with a reason.

Each parser is fuzzed with hypothesis: nothing escapes but the documented ParseError.
"""

from __future__ import annotations

import json
import shutil
import tracemalloc

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.ingest.polling import FeedPoller
from wiredesk.stories.models import Story
from wiredesk.transports.folder import WatchFolder
from wiredesk.wire import ParseError, normalize, parse

from .conftest import DATA, SEED_V1

WIRE = DATA / "wire"
QUIRKS = DATA / "quirks"
IPTC = DATA / "iptc"

BAD = {
    "malformed.xml": b"<newsItem xmlns='http://iptc.org/std/nar/2006-10-01/'><itemMeta>",
    "xxe.xml": (WIRE / "xxe.xml").read_bytes(),
    "billion-laughs.xml": (WIRE / "billion-laughs.xml").read_bytes(),
    # A broken feed goes through repair and recovery: its entities are refused all the same.
    "broken-feed-xxe.xml": (QUIRKS / "rss-broken-with-doctype-entities.xml").read_bytes(),
    "truncated.json": b'{"uri": "x", "headlines": [{"value": "\xc3\xa9',
    "empty.xml": b"",
    "not-ninjs.json": b'{"id": 1, "name": "a JSON document of some other kind"}',
}
REASONS = {
    "malformed.xml": "malformed XML",
    "xxe.xml": "declares entities",
    "billion-laughs.xml": "declares entities",
    "broken-feed-xxe.xml": "declares entities",
    "truncated.json": "malformed JSON",
    "empty.xml": "delivery is empty",
    "not-ninjs.json": "unknown format: JSON dict",
}


def test_a_batch_of_bad_files_is_quarantined_each_with_its_reason_and_the_good_one_stored(feeds):
    feed = feeds["ians"]
    folder = WatchFolder(feed.location, settle_seconds=0)
    for name, data in BAD.items():
        (folder.path / name).write_bytes(data)
    shutil.copy(SEED_V1, folder.path / "zz-good.xml")
    reports = FeedPoller(settle_seconds=0).poll(feed)
    assert len(reports) == len(BAD) + 1
    assert Story.objects.count() == 1
    for name, reason in REASONS.items():
        quarantined = Quarantine.objects.get(origin=name)
        assert reason in quarantined.reason, (name, quarantined.reason)
        assert "\n" not in quarantined.reason
        assert bytes(quarantined.data) == BAD[name]
        assert (folder.failed / name).read_bytes() == BAD[name]
        assert reason in (folder.failed / f"{name}.reason.txt").read_text()


def test_a_200_mb_file_is_refused_without_being_read(feeds):
    feed = feeds["ians"]
    folder = WatchFolder(feed.location, settle_seconds=0)
    huge = folder.path / "huge.xml"
    with open(huge, "wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    tracemalloc.start()
    try:
        [report] = FeedPoller(settle_seconds=0).poll(feed) or [None]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024  # memory stays bounded: the file is never read
    quarantined = Quarantine.objects.get()
    assert "209,715,200 bytes, over the" in quarantined.reason
    assert quarantined.size == 209_715_200
    assert (folder.failed / "huge.xml").exists()
    assert not report.ok and "over the" in report.quarantined  # refused before the pipeline


def test_a_bad_item_in_a_good_delivery_is_quarantined_alone(ingest):
    data = (
        (QUIRKS / "newsmlg2-message-three-items.xml")
        .read_bytes()
        .replace(b'guid="urn:newsml:wire.example:20211014:monsoon"', b'guid="' + b"x" * 600 + b'"')
    )
    path = DATA / "quirks" / "newsmlg2-message-three-items.xml"

    feed = ingest.__closure__[0].cell_contents["ians"] if False else None
    from wiredesk.sources.models import Feed

    feed = Feed.objects.get(slug="ians-inbox")
    report = ingest_bytes(feed, data, origin=path.name)
    assert report.actions["published"] == 1
    assert report.actions["quarantined"] == 1
    assert report.actions["skipped"] == 1  # the kill for a story never published
    assert "item id is 600 characters" in Quarantine.objects.get().reason


def fuzz_items(data: bytes) -> None:
    try:
        items = parse(data)
    except ParseError:
        return
    for item in items:
        normalize(item)


def mutate(seed: bytes):
    """Strategy: a real sample with a slice cut out, repeated or replaced."""
    return st.tuples(st.integers(0, len(seed)), st.integers(0, 200), st.binary(max_size=30)).map(
        lambda t: seed[: t[0]] + t[2] + seed[t[0] + t[1] :]
    )


SAMPLES = {
    "newsmlg2": (QUIRKS / "newsmlg2-message-three-items.xml").read_bytes(),
    "newsmlg2-tt": (IPTC / "agency-samples" / "TT_newsmlg2_sample.xml").read_bytes(),
    "nitf": (QUIRKS / "nitf-namespaced-embargo-correction.xml").read_bytes(),
    "nitf-ntb": (IPTC / "agency-samples" / "NTB_nitf_sample.xml").read_bytes(),
    "newsml12": (IPTC / "agency-samples" / "afp.com_newsml1.2_sample.xml").read_bytes(),
    "ninjs": (QUIRKS / "ninjs-list-of-two.json").read_bytes(),
    "ninjs-dpa": (IPTC / "ninjs" / "3.0-agencies" / "dpa_text.json").read_bytes(),
    "anpa1312": (QUIRKS / "anpa1312-1st-ld-writethru.txt").read_bytes(),
    "iptc7901": (QUIRKS / "iptc7901-two-messages.txt").read_bytes(),
    # Feeds: a mutation that breaks them sends them through repair and recovery.
    "rss-repaired": (QUIRKS / "rss-undeclared-media-prefix.xml").read_bytes(),
    "rss-recovered": (QUIRKS / "rss-truncated-needs-recovery.xml").read_bytes(),
    "atom-repaired": (QUIRKS / "atom-control-character-and-undeclared-prefix.xml").read_bytes(),
    "rss-broken-xxe": (QUIRKS / "rss-broken-with-doctype-entities.xml").read_bytes(),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_parser_fuzz_mutated_real_samples_raise_only_parse_error(name):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutate(SAMPLES[name]))
    def run(data):
        fuzz_items(data)

    run()


NINJS_KEYS = st.sampled_from(
    [
        "uri",
        "type",
        "version",
        "versionCreated",
        "versioncreated",
        "firstCreated",
        "pubStatus",
        "pubstatus",
        "embargoed",
        "embargoedUntil",
        "urgency",
        "headlines",
        "headline",
        "headline_main",
        "bodies",
        "body_html",
        "body_text",
        "descriptions",
        "by",
        "byline",
        "located",
        "subjects",
        "subject",
        "keywords",
        "edNote",
        "slugline",
        "language",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NINJS_KEYS, JSON_VALUES, max_size=10))
@example({"uri": "", "type": []})  # found by this test: a list where a string belongs
def test_parser_fuzz_ninjs_shapes_raise_only_parse_error(document):
    fuzz_items(json.dumps(document).encode())


TELETYPE_BITS = st.sampled_from(
    [
        "\x01",
        "\x02",
        "\x03",
        "\x04",
        "\x16",
        "\r\n",
        "\t",
        "^",
        "<",
        "@<",
        "=",
        " ",
        "a0342 r a bx AM-Slug 1stLd-Writethru 10-14 0082",
        "WXA123 2 pol 0045",
        "^HL:Head",
        "^By X=",
        "Slug/Key",
        "Headline=",
        "Text words",
        "^Eds: note",
        "\xe9",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(TELETYPE_BITS, max_size=40))
def test_parser_fuzz_teletype_shapes_raise_only_parse_error(bits):
    fuzz_items("".join(bits).encode())


def test_a_delivery_that_makes_storing_raise_is_quarantined_and_the_folder_goes_on(
    feeds, monkeypatch
):
    import wiredesk.ingest.pipeline as pipeline

    real = pipeline.store_items

    def trips(agency, items, *args, **kwargs):
        if any("poison" in item.headline for item in items):
            raise ValueError("year 9999 is out of range")  # as a hostile value did
        return real(agency, items, *args, **kwargs)

    monkeypatch.setattr(pipeline, "store_items", trips)
    feed = feeds["ians"]
    folder = WatchFolder(feed.location, settle_seconds=0)
    poison = SEED_V1.read_bytes().replace(b"US, S.Korea", b"poison US, S.Korea")
    (folder.path / "a-poison.xml").write_bytes(poison)
    shutil.copy(SEED_V1, folder.path / "b-good.xml")
    reports = FeedPoller(settle_seconds=0).poll(feed)
    assert [r.ok for r in reports] == [False, True]
    assert "could not be stored: unexpected ValueError: year 9999" in reports[0].quarantined
    assert (folder.failed / "a-poison.xml").read_bytes() == poison
    assert bytes(Quarantine.objects.get().data) == poison
    assert Story.objects.count() == 1 and (folder.processed / "b-good.xml").exists()


def test_a_database_away_while_storing_leaves_the_file_to_be_taken_again(feeds, monkeypatch):
    from django.db import OperationalError

    import wiredesk.ingest.pipeline as pipeline

    def away(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(pipeline, "store_items", away)
    feed = feeds["ians"]
    folder = WatchFolder(feed.location, settle_seconds=0)
    shutil.copy(SEED_V1, folder.path / "seed.xml")
    with pytest.raises(OperationalError):
        FeedPoller(settle_seconds=0).poll(feed)
    assert (folder.path / "seed.xml").exists()  # not quarantined: nothing was wrong with it
    assert Quarantine.objects.count() == 0
