"""The app's JSON API (django-ninja): thin endpoints over the story selectors."""

from __future__ import annotations

import base64
import binascii
import re
from collections import namedtuple
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from types import SimpleNamespace
from typing import Any, cast

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Status
from ninja.errors import HttpError
from ninja.openapi.schema import OpenAPISchema
from ninja.types import DictStrAny

from wiredesk.pictures.selectors import ShownPicture, pictures_of
from wiredesk.site.cache import kept_list
from wiredesk.site.story_paths import StoryPaths
from wiredesk.sources.models import Agency
from wiredesk.stories.models import Story, shown_byline
from wiredesk.stories.search import search_rows
from wiredesk.stories.selectors import (
    also_reported_by,
    in_language,
    older_than,
    story_for_page,
    visible_stories,
    with_agency_columns,
    with_topic,
)
from wiredesk.stories.storage.lists import merged_since, since_parts
from wiredesk.stories.storage.prepared import CompiledReads

from .auth import ClientAuth, RateLimited
from .ninjs import to_ninjs
from .schemas import AgencyOut, Error, StoryOut, StoryPage, StorySummary, Tombstone


class WiredeskApi(NinjaAPI):
    """django-ninja's API, with an OpenAPI document that says what the API really answers."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return describe_access(schema, token_required=settings.WIREDESK.api.require_token)


# Text parameters hold no control characters (a request with one is refused
# with 400 before it reaches the API: site/request_guard.py).
NO_CONTROLS = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"
RFC3339_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")

# Answers every operation may give besides its own, as the Error schema.
COMMON_ANSWERS = {
    "401": "A token was sent that is not an active client's (or the site requires one)",
    "422": "A parameter is not of its type (a word where a number is due, say)",
    "429": "Over the client's requests a minute; Retry-After says when to ask again",
}


def describe_access(schema: OpenAPISchema, token_required: bool) -> OpenAPISchema:
    """Return `schema` saying that a token is optional unless required, with the common answers.

    OpenAPI's `security: [{}, {ClientAuth: []}]` means "no credentials, or a
    bearer token": the API is open by default, and a client's token raises
    its rate limit.
    """
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    # django-ninja's validation errors: `detail` is a list, one entry a problem.
    invalid = {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
                "required": ["detail"],
            }
        }
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            security = operation.get("security")
            if security and not token_required and {} not in security:
                operation["security"] = [{}, *security]
            for code, description in COMMON_ANSWERS.items():
                content = invalid if code == "422" else error
                operation["responses"].setdefault(
                    code, {"description": description, "content": content}
                )
    return schema


api = WiredeskApi(
    title="Wiredesk API",
    version="1",
    description="Agency stories as published: lists, full stories, tombstones for killed ones.",
    urls_namespace="api",
    auth=ClientAuth(),
)


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _url(story: Story) -> str:
    return settings.WIREDESK.site.url + story.get_absolute_url()


# What a list's summary reads of a story and its agency (no body, no metadata), as
# values() names them: a row each, no model built. `pk` and `first_published_at`,
# named as a story's, are the list's order (its cursor, changed_since's merge).
# The agency's slug and byline are read by its key, which `_filtered` adds.
SUMMARY_FIELDS = (
    "pk",
    "slug",
    "headline",
    "teaser",
    "byline",
    "language",
    "first_published_at",
    "modified_at",
    "is_correction",
    "agency_slug",
    "agency_byline",
)


class StoryUrls:
    """Stories' absolute addresses, as `_url` gives them, the URL resolver asked once."""

    def __init__(self) -> None:
        self.site, self.path = settings.WIREDESK.site.url, StoryPaths()

    def __call__(self, pk: int, slug: str) -> str:
        return self.site + self.path(pk, slug)


def _listed(row: Any, url: StoryUrls) -> dict[str, Any]:
    """Return a row of SUMMARY_FIELDS as `_summary` gives its story, in StorySummary's order."""
    return {
        "id": row.pk,
        "url": url(row.pk, row.slug),
        "agency": row.agency_slug,
        "headline": row.headline,
        "teaser": row.teaser,
        "byline": shown_byline(row.byline, row.agency_byline),
        "language": row.language,
        "published": row.first_published_at,
        "modified": row.modified_at,
        "updated": row.modified_at > row.first_published_at,  # Story.was_updated
        "correction": row.is_correction,
    }


def _summary(story: Story) -> dict:
    return {
        "id": story.pk,
        "url": _url(story),
        "agency": story.agency.slug,
        "headline": story.headline,
        "teaser": story.teaser,
        "byline": story.display_byline,
        "language": story.language,
        "published": story.first_published_at,
        "modified": story.modified_at,
        "updated": story.was_updated,
        "correction": story.is_correction,
    }


def _picture(picture: ShownPicture) -> dict:
    return {
        "url": picture.large,
        "width": picture.large_size[0],
        "height": picture.large_size[1],
        "caption": picture.caption,
        "alt": picture.text_alternative,
        "credit": picture.shown_credit,
        "usage_terms": picture.usage_terms,
        "crops": dict(zip(("16x9", "4x3", "1x1"), picture.crops, strict=True)),
    }


def _encode_cursor(story: Story) -> str:
    raw = f"{story.first_published_at.isoformat()}|{story.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor[:200] + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        when, number = _comparable(datetime.fromisoformat(moment)), int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError):
        raise HttpError(400, "cursor is not one this API gave out") from None
    if when is None or not 0 < number < 2**63:
        raise HttpError(400, "cursor is not one this API gave out")
    return when, number


def _comparable(moment: datetime) -> datetime | None:
    """Return `moment` if the database can compare it (an aware time in years 1..9998), else None."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment if 1 < moment.year < 9999 else None


@api.get("/stories", response={200: StoryPage, 400: Error}, summary="Latest stories")
def list_stories(
    request: HttpRequest,
    agency: str | None = Query(None, pattern=NO_CONTROLS, max_length=50),
    topic: str | None = Query(
        None, pattern=NO_CONTROLS, max_length=100, description="A topic slug, e.g. world"
    ),
    language: str | None = Query(None, pattern=NO_CONTROLS, max_length=35),
    since: datetime | None = Query(None, description="Only stories modified at or after this time"),
    cursor: str | None = Query(None, pattern=NO_CONTROLS, max_length=200),
    limit: int = Query(20, ge=1, le=100),
    q: str | None = Query(
        None,
        pattern=NO_CONTROLS,
        max_length=200,
        description="Words to search for; results best first",
    ),
) -> HttpResponse:
    """Return visible stories, newest first, `limit` a page; follow `next_cursor` for more.

    With `q`, return the best matches by relevance and recency (one page, no cursor).
    """
    before = changed = None
    if not q:
        if since:
            # pydantic would take a number of seconds too; the API documents RFC 3339.
            if not RFC3339_START.match(request.GET.get("since", "")):
                raise HttpError(
                    400, "since must be an RFC 3339 time, like 2021-10-14T09:39:03+05:30"
                )
            changed = _comparable(since)
            if changed is None:
                raise HttpError(
                    400, "since is out of range: give a time between the years 2 and 9998"
                )
        before = _decode_cursor(cursor) if cursor else None

    def build() -> dict[str, Any]:
        agency_id = _agency_id(agency) if agency else None
        now = timezone.now()
        if q:
            # The filters go into the search's own read, ranked in the engine (one page).
            stories = _filtered(now, agency_id, topic, language)
            found = search_rows(q, SUMMARY_FIELDS, now=now, limit=limit, within=stories)
            return _page_of([SimpleNamespace(**row) for row in found], limit)  # no cursor
        # Each read compiled once for its filters, part and size (`_list_reads`).
        moment, pk = before or (now, 0)

        def read(part: str) -> list[Any]:
            key = (agency_id, topic or "", language or "", part, before is not None, limit + 1)
            rows = _list_reads.rows(key, now, changed or now, moment, numbers=(pk,))
            return [Summary._make(row) for row in rows]

        if changed is not None:
            # changed_since's two reads (storage/lists.py), merged as it merges them.
            found = merged_since(read("recent"), partial(read, "older"), limit + 1)
            return _page_of(found, limit)
        return _page_of(read("page"), limit)

    # Rendered here from plain values, as StoryPage describes them (tests/test_api_cost.py
    # checks each answer against the schema's): handed back to django-ninja, every
    # summary was validated into a model and dumped again, most of the request's Python.
    return api.create_response(request, kept_list(request, build), status=200)


def _filtered(
    now: datetime, agency_id: int | None, topic: str | None, language: str | None
) -> QuerySet[Story]:
    """Return the stories visible at `now` the filters take, with their agency's slug and
    byline. The agency by its id (`_agency_id`): joined by its slug, PostgreSQL
    cannot tell a rare agency's stories from a common one's, and walked every story
    newest first for a rare one's page, rather than read the agency's index."""
    stories = with_agency_columns(visible_stories(now), "slug", "byline")
    if agency_id is not None:
        stories = stories.filter(agency_id=agency_id)
    if topic:
        stories = with_topic(stories, topic)
    if language:
        stories = in_language(stories, language)
    return stories


# A row of SUMMARY_FIELDS, named as values_list(named=True) names it.
Summary = namedtuple("Summary", SUMMARY_FIELDS)  # type: ignore[misc]
# (agency id or None, topic, language, part, after a cursor, size)
ListKey = tuple[int | None, str, str, str, bool, int]


def _list_read(
    key: ListKey, now: datetime, since: datetime, moment: datetime, pk: int
) -> QuerySet[Any]:
    """Return the API list's read `key` names, at `now`: its page ("page"), or one of
    `changed_since`'s two parts since `since` ("recent", "older"), after the cursor
    (`moment`, `pk`) where the key says there is one."""
    agency_id, topic, language, part, cursor, size = key
    stories = _filtered(now, agency_id, topic, language)
    rows = cast("QuerySet[Story]", stories.values_list(*SUMMARY_FIELDS))
    after = (moment, pk) if cursor else None
    if part == "page":
        return (older_than(rows, moment, pk) if cursor else rows)[:size]
    recent, older = since_parts(rows, since, after)
    return (recent if part == "recent" else older)[:size]


# The API's list reads, compiled by Django once for each key (their SQL never
# changes but for the times and the cursor's id: stories/storage/prepared.py).
_list_reads = CompiledReads(_list_read, clocks=3, numbers=1, max_keys=512)
_agency_ids = CompiledReads(
    lambda slug: Agency.objects.filter(slug=slug).values_list("pk"), clocks=0
)


def _agency_id(slug: str) -> int:
    """Return the id of the agency `slug` names (0, no agency's, when none does): found
    first, so the list reads the agency's index (`_filtered`), compiled once a slug."""
    found = _agency_ids.rows(slug)
    return int(found[0][0]) if found else 0


def _page_of(rows: Sequence[Any], limit: int) -> dict[str, Any]:
    """Return a page of `limit` of rows of SUMMARY_FIELDS (one more: there is a next page)."""
    more = len(rows) > limit
    page = rows[:limit]
    url = StoryUrls()
    return {
        "items": [_listed(row, url) for row in page],
        "next_cursor": _encode_cursor(page[-1]) if more else None,
    }


@api.get(
    "/stories/{story_id}", response={200: StoryOut, 404: Error, 410: Tombstone}, summary="One story"
)
def get_story(request: HttpRequest, story_id: int) -> Status:
    """Return a full story; a killed story answers 410 with its tombstone."""
    story, status = story_for_page(story_id)
    if story is None:
        return Status(404, {"detail": "No such story"})
    if status == "gone":
        return Status(410, {"id": story.pk, "url": _url(story), "killed_at": story.killed_at})
    return Status(
        200,
        {
            **_summary(story),
            "dateline": story.dateline,
            "located": story.located,
            "body_html": story.body_html,
            "body_text": story.body_text,
            "subjects": story.subjects,
            "keywords": story.keywords,
            "disclaimer": story.agency.disclaimer,
            "versions": story.version_count,
            "also_reported_by": [s.pk for s in also_reported_by(story)],
            "pictures": [_picture(p) for p in pictures_of(story.pk)],
        },
    )


@api.get(
    "/stories/{story_id}/ninjs",
    response={200: dict, 400: Error, 404: Error, 410: dict},
    summary="One story as ninjs 2.2 or 3.1",
)
def get_story_ninjs(
    request: HttpRequest,
    story_id: int,
    version: str = Query("3.1", pattern=r"^(2\.2|3\.1)$"),
) -> Status:
    """Return a story as IPTC ninjs; a killed story answers 410 with pubStatus canceled."""
    story, status = story_for_page(story_id)
    if story is None:
        return Status(404, {"detail": "No such story"})
    if status == "gone":
        return Status(410, to_ninjs(story, version))
    return Status(200, to_ninjs(story, version, pictures_of(story.pk)))


@api.get("/agencies", response=list[AgencyOut], summary="Agencies")
def list_agencies(request: HttpRequest) -> list[Agency]:
    """Return every agency whose stories the site publishes."""
    return list(Agency.objects.order_by("name"))


__all__ = ["StorySummary", "api"]
