"""What the app API answers: stories, tombstones, agencies."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class AgencyOut(Schema):
    slug: str
    name: str
    byline: str
    language: str
    url: str


class Subject(Schema):
    name: str
    code: str | None = None
    scheme: str | None = None


class StorySummary(Schema):
    id: int
    url: str
    agency: str
    headline: str
    teaser: str
    byline: str
    language: str
    published: datetime
    modified: datetime
    updated: bool
    correction: bool


class PictureOut(Schema):
    url: str
    width: int
    height: int
    caption: str
    alt: str
    credit: str
    usage_terms: str
    crops: dict[str, str]


class StoryOut(StorySummary):
    pictures: list[PictureOut]
    dateline: str
    located: str
    body_html: str
    body_text: str
    subjects: list[Subject]
    keywords: list[str]
    disclaimer: str
    versions: int
    also_reported_by: list[int]


class Tombstone(Schema):
    """A killed story: gone for good; apps must remove it."""

    id: int
    url: str
    state: str = "killed"
    killed_at: datetime | None


class StoryPage(Schema):
    items: list[StorySummary]
    next_cursor: str | None


class Error(Schema):
    detail: str
