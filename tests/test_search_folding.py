"""Search finds a word in any script with or without its optional marks, on either engine.

Run on whichever engine runs the tests (SQLite FTS5, or PostgreSQL with
DATABASE_URL): the same stories, the same queries, the same answers and order.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from lxml import html

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story
from wiredesk.stories.search import search_stories
from wiredesk.wire.folding import fold_for_search

from .options import with_options

NOW = datetime.now(UTC).replace(microsecond=0)
ZWJ, ZWNJ = "\u200d", "\u200c"


def deliver(feeds, uri: str, headline: str, body: str, language: str, days_ago: float = 0) -> None:
    when = (NOW - timedelta(days=days_ago, hours=1)).isoformat()
    item = {
        "uri": uri,
        "type": "text",
        "language": language,
        "headline": headline,
        "versioncreated": when,
        "firstcreated": when,
        "body_text": body,
    }
    report = ingest_bytes(feeds["ians"], json.dumps(item, ensure_ascii=False).encode(), "s.json")
    assert report.ok and not report.item_failures, report


def found(q: str) -> list[str]:
    return [story.item_id for story in search_stories(q, now=NOW)]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_folding_keeps_the_vowel_signs_that_tell_words_apart():
    # Anusvara and chandrabindu, matras, Tamil's two-part vowels, Urdu's
    # heh doachashmee, yeh barree and madda: each pair is two words.
    pairs = [
        ("हंस", "हँस"),
        ("दिल", "दील"),
        ("கொடி", "கடி"),
        ("সময়", "সমাই"),
        ("پھر", "پہر"),
        ("کے", "کی"),
        ("آب", "اب"),
    ]
    for one, other in pairs:
        assert fold_for_search(one) != fold_for_search(other), (one, other)
        nfc = unicodedata.normalize("NFC", one)
        assert fold_for_search(nfd(one)) == fold_for_search(nfc) == nfd(fold_for_search(one))


def test_folding_merges_only_the_optional_variants():
    assert (
        fold_for_search("ज़रूरी")
        == fold_for_search("ज\u093cरूरी")
        == fold_for_search("\u095bरूरी")
        == "जरूरी"
    )
    assert fold_for_search("ड़") == fold_for_search("\u095c") == "ड" and fold_for_search("ऱ") == "र"
    assert fold_for_search(f"প্{ZWJ}যার") == fold_for_search("প্যার")
    assert fold_for_search(f"क्{ZWJ}ष") == fold_for_search(f"क्{ZWNJ}ष") == "क्ष"
    assert fold_for_search("উৎসব") == fold_for_search(f"উত্{ZWJ}সব")
    assert fold_for_search("\u09dfা") == fold_for_search("\u09af\u09bcা") == "যা"
    assert (
        fold_for_search("پاكستاني") == fold_for_search("پاکستانی")
        and fold_for_search("مُحَمَّد") == "محمد"
    )
    assert fold_for_search("soft\u00adhyphen") == "softhyphen"
    assert fold_for_search("a\u200bb") == "a b"  # a zero-width space is a word break
    assert fold_for_search("Monsoon rains") == "Monsoon rains"


@pytest.mark.skipif(sys.maxunicode < 0x10FFFF, reason="a narrow build")
@pytest.mark.django_db
def test_postgresql_folds_every_character_as_python_does():
    if connection.vendor != "postgresql":
        pytest.skip("the SQL twin of wire/folding.py is PostgreSQL's")
    # Every code point (but NUL and the surrogates, which text cannot hold),
    # alone and after a letter it may combine with.
    points = [chr(c) for c in range(1, 0x30000) if not 0xD800 <= c <= 0xDFFF]
    points += [chr(c) for c in range(0xE0000, 0xE1000)]
    texts = points + [f"क{p}" for p in points if unicodedata.category(p).startswith("M")]
    texts += ["नई दिल्ली\u200d", "ئ", "ي\u0654", "ۂ", "উৎসব", "கொ", "க\u0bc6\u0bbe"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(wiredesk_search_fold(t) ORDER BY n) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n)",
            [texts],
        )
        (folded,) = cursor.fetchone()
    differ = [(t, f) for t, f in zip(texts, folded, strict=True) if f != fold_for_search(t)]
    assert not differ, [(ascii(t), ascii(f), ascii(fold_for_search(t))) for t, f in differ[:10]]


# (headline, body, language): each with a word written the way one agency writes it.
STORIES = {
    "nukta": ("ज़रूरी बैठक आज", "सरकार ने ज़रूरी फ़ैसला लिया।", "hi"),
    "no-nukta": ("बाज़ार खुले", "जरूरी सामान की दुकानें खुली रहीं।", "hi"),
    "joiner": (f"प्{ZWJ}यार का त्योहार", "शहर में मेला लगा।", "hi"),
    "bengali": ("কলকাতায় বৃষ্টি", "শহরে সময়মতো ট্রেন চলেনি।", "bn"),  # য় as U+09DF
    "tamil": ("சென்னையில் கனமழை", "கொடி ஏற்றப்பட்டது.", "ta"),
    "tamil-other": ("சின்ன கடை திறப்பு", "கடி ஒரு சொல்.", "ta"),
    "urdu": ("پاكستاني وفد کی آمد", "وفد نے مُحَمَّد سے ملاقات کی۔", "ur"),  # noqa: RUF001
}


@pytest.fixture
def stories(feeds):
    # The Bengali headline as an agency on an older keyboard sends it: য় precomposed.
    for uri, (headline, body, language) in STORIES.items():
        if uri == "bengali":
            headline = headline.replace("\u09af\u09bc", "\u09df")
        deliver(feeds, uri, headline, body, language)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # With and without a nukta, precomposed or combining, in the text or the query.
        ("ज़रूरी", ["no-nukta", "nukta"]),
        ("जरूरी", ["no-nukta", "nukta"]),
        ("\u095bरूरी", ["no-nukta", "nukta"]),
        ("फैसला", ["nukta"]),
        # With and without a joiner.
        ("प्यार", ["joiner"]),
        (f"प्{ZWNJ}यार", ["joiner"]),
        # NFC and NFD, in the text and the query.
        ("কলকাতায়", ["bengali"]),
        (nfd("কলকাতায়"), ["bengali"]),
        ("সময়মতো", ["bengali"]),
        ("கொடி", ["tamil"]),
        (nfd("கொடி"), ["tamil"]),
        # Urdu as typed on an Arabic keyboard, and without its diacritics.
        ("پاکستانی", ["urdu"]),
        ("محمد", ["urdu"]),
        # A word is whole with its vowel signs: சென்னை is not சின்ன.
        ("சென்னையில்", ["tamil"]),
        ("சின்ன", ["tamil-other"]),
        ("கடி", ["tamil-other"]),
    ],
)
def test_a_word_is_found_with_or_without_its_optional_marks(stories, q, expected):
    assert sorted(found(q)) == expected


def test_a_latin_query_finds_a_transliterated_headline_where_slugs_are_latin(
    client, feeds, settings
):
    deliver(feeds, "latin", "नई दिल्ली में प्रदूषण से राहत", "हवा साफ़ हुई।", "hi")
    with_options(settings, site={"slugs": "unicode"})
    deliver(feeds, "unicode", "दिल्ली में बारिश", "बादल छाए।", "hi")
    assert found("dilli") == ["latin"]
    assert sorted(found("दिल्ली")) == ["latin", "unicode"]
    # The site's search page lists it, by its address.
    page = html.fromstring(client.get("/search", {"q": "Dilli prdusn"}).content)
    latin = Story.objects.get(item_id="latin")
    assert page.xpath("//main//a/@href") == [latin.get_absolute_url()]
    # An English headline's slug adds nothing: its words are the headline's.
    deliver(feeds, "english", "Monsoon rains lift farm stocks", "Rains came.", "en")
    assert found("monsoon") == ["english"]


# Several stories that each query ranks the same on both engines: a headline
# match over a body match, two body matches as old in the order they came
# (the newer first: how often a word is said is not counted), a story nine
# days old (three half-lives) below them, and the slug's Latin words like the
# headline's.
RANKED = [
    ("headline", "मानसून की बारिश शुरू", "किसानों ने खुशी जताई।", 0),
    ("twice", "खेतों में पानी", "मानसून आया। मानसून से राहत मिली।", 0),
    ("once", "बाज़ार में हलचल", "मानसून के कारण सब्ज़ियाँ सस्ती हुईं।", 0),
    ("older", "पुरानी ख़बर: मानसून", "पिछले साल की बारिश।", 9),
    ("urdu", "مون سون کی بارش", "کسانوں نے خوشی کا اظہار کیا۔", 0),  # noqa: RUF001
]


@pytest.mark.parametrize(
    ("q", "order"),
    [
        ("मानसून", ["headline", "once", "twice", "older"]),
        ("मानसून बारिश", ["headline", "older"]),
        ("mansun", ["headline", "older"]),
        ("بارش", ["urdu"]),
        ("سبزیاں", []),
    ],
)
def test_both_engines_rank_the_same_stories_the_same_way(feeds, q, order):
    for uri, headline, body, days in RANKED:
        deliver(feeds, uri, headline, body, "ur" if uri == "urdu" else "hi", days_ago=days)
    assert found(q) == order


@pytest.mark.django_db(transaction=True)
def test_the_folding_migration_indexes_the_stories_already_stored(feeds):
    executor = MigrationExecutor(connection)
    before = [("stories", "0018_delivery_received")]
    deliver(feeds, "stored", "ज़रूरी बैठक", f"प्{ZWJ}यार का त्योहार।", "hi")
    try:
        executor.loader.build_graph()
        executor.migrate(before)
        executor.loader.build_graph()
        assert found("जरूरी") == []  # the index as it was: a nukta had to match
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert found("जरूरी") == found("प्यार") == found("jruri") == ["stored"]


def test_a_query_of_only_characters_folding_drops_finds_nothing(client, stories):
    assert found(f"{ZWJ}\u202e") == []
    page = client.get("/search", {"q": f"{ZWNJ}\u202e"})
    assert page.status_code == 200 and html.fromstring(page.content).xpath("//main//a/@href") == []
