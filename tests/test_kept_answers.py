"""A kept answer says itself whether it may still be sent: for the content generation and a
time, or while its check reads the same signature; what a response allows to be kept is one
typed mark, whichever part of the site sets it."""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse

from wiredesk.site.generation import FileGeneration
from wiredesk.site.http_cache import CacheHeadersMiddleware
from wiredesk.site.kept import (
    NOTHING,
    AnswerStore,
    Keep,
    KeptAnswer,
    WhileGeneration,
    WhileSignature,
    keep_of,
    mark_keep,
)

HEADERS = [("Cache-Control", "public, max-age=0")]


def test_an_answer_kept_for_the_generation_is_current_until_it_moves_or_its_time_is_up(tmp_path):
    clock = FileGeneration(tmp_path / "generation")
    kept = KeptAnswer("200 OK", HEADERS, b"page", WhileGeneration(clock, clock.current(), 1e12))
    assert kept.is_current()
    clock.bump()  # any story change: a kill, an update, an embargo's end
    assert not kept.is_current()
    expired = WhileGeneration(clock, clock.current(), time.monotonic() - 1)
    assert not KeptAnswer("200 OK", HEADERS, b"page", expired).is_current()


def test_an_answer_kept_by_its_check_is_current_while_the_check_reads_its_signature():
    shown = ["story 1", "story 2"]
    kept = KeptAnswer(
        "200 OK", HEADERS, b"feed", WhileSignature(lambda: tuple(shown), ("story 1", "story 2"))
    )
    assert kept.is_current()
    shown.remove("story 1")  # killed: no longer listed
    assert not kept.is_current()


def test_a_check_that_raises_says_the_answer_is_not_current():
    def database_away():
        raise ConnectionError("database away")

    assert not WhileSignature(database_away, "signature").is_current()


def test_the_marks_of_a_request_and_of_its_view_add_up_on_the_response():
    request, response = HttpRequest(), HttpResponse(b"feed")
    request.method = "GET"
    check = WhileSignature(lambda: 1, 1)
    mark_keep(response, revalidate=check)  # the feed
    mark_keep(request, for_generation=True)  # site/cache.py keep_whole_answer
    CacheHeadersMiddleware(lambda _: response)(request)
    assert keep_of(response) == Keep(for_generation=True, revalidate=check)
    assert keep_of(HttpResponse(b"other")) is NOTHING


def test_the_store_holds_kept_answers_within_its_bytes():
    store = AnswerStore(max_bytes=10)
    rule = WhileSignature(lambda: 1, 1)
    for n in range(4):
        store.put((f"/{n}", "", False), KeptAnswer("200 OK", HEADERS, b"1234", rule))
    assert list(store.kept) == [("/2", "", False), ("/3", "", False)]
    assert store.kept_bytes == 8
