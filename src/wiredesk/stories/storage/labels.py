"""Lists of a topic, a section or a language, each through its own index.

A story's topics, sections and language are columns of its row ("|world|
korea|"), which no index orders by date: such a list walked every story
newest first, testing each, until it had a page, and for a rare topic read
most of the archive before it had one. Each label is a row of `StoryLabel`
too (kept by the database's triggers, migration 0021), and a list reads its
label's range of `story_label_recent` (kind, value, newest first), joining
each story by its key to apply the visibility rules: as many stories as the
page and the hidden among them, whatever the archive's size
(docs/design.md, Bounded cost per request).

One label leads a list: it orders the read (aliases LISTED_AT and
LISTED_ID, the label's copy of the story's order). A second filter by label
(a topic's list in an edition) tests the story's own columns, as a filter no
index holds would, inside the first label's range.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Q, QuerySet

from ..models import Story, StoryLabel

LISTED_AT, LISTED_ID = "listed_at", "listed_id"


def primary_subtag(tag: str) -> str:
    """Return a language tag's primary subtag, lower-cased, as its label has it: "hi" for "hi-IN"."""
    return tag.replace("_", "-").split("-")[0].lower()


def labelled(stories: QuerySet[Story], kind: str, value: str) -> QuerySet[Story]:
    """Return the stories of `stories` with the label (kind, value), newest first by its index.

    Already led by a label, `stories` are filtered by the story's own column instead.
    """
    if is_labelled(stories):
        return stories.filter(by_row(kind, value))
    # One filter() call: the label's kind and value on one join, which the aliases reuse.
    return (
        stories.filter(labels__kind=kind, labels__value=value)
        .alias(
            **{
                LISTED_AT: F("labels__first_published_at"),
                LISTED_ID: F("labels__story_id"),
            }
        )
        .order_by(f"-{LISTED_AT}", f"-{LISTED_ID}")
    )


def in_language(stories: QuerySet[Story], tag: str) -> QuerySet[Story]:
    """Return the stories of `stories` in the language `tag` names: the tag itself or one
    it is a prefix of, subtag by subtag, in any case ("en" takes "en-GB", not "eng";
    RFC 4647's basic filtering)."""
    led = labelled(stories, StoryLabel.Kind.LANGUAGE, primary_subtag(tag))
    if "-" not in tag.replace("_", "-"):
        return led
    return led.filter(Q(language__iexact=tag) | Q(language__istartswith=f"{tag}-"))


def is_labelled(stories: QuerySet[Story]) -> bool:
    """Say whether a label leads `stories`' order (`labelled` read it by its index)."""
    return LISTED_AT in stories.query.annotations


def order_of(stories: QuerySet[Story]) -> tuple[str, str]:
    """Return the names of what orders a newest-first list: (first published, id), or the
    leading label's copies of them."""
    return (LISTED_AT, LISTED_ID) if is_labelled(stories) else ("first_published_at", "pk")


def older_than(stories: QuerySet[Story], moment: datetime, pk: int) -> QuerySet[Story]:
    """Return the stories of a newest-first list that come after (first published, id) in it.

    Compared on the columns that order the list (a label's copy when one leads
    it), without an OR: the index is read as a range from there.
    """
    at, key = order_of(stories)
    return stories.filter(**{f"{at}__lte": moment}).exclude(**{at: moment, f"{key}__gte": pk})


def newer_than(stories: QuerySet[Story], moment: datetime, pk: int) -> QuerySet[Story]:
    """Return the stories of a newest-first list that come before (first published, id) in
    it, nearest first: the list's index read upwards from there."""
    at, key = order_of(stories)
    newer = stories.filter(**{f"{at}__gte": moment}).exclude(**{at: moment, f"{key}__lte": pk})
    return newer.order_by(at, key)


def by_row(kind: str, value: str) -> Q:
    """Return the condition on a story's own columns that it has the label (kind, value).

    For reads led by another index (the recent kills, by their time), where
    joining the labels would only cost.
    """
    if kind == StoryLabel.Kind.TOPIC:
        return Q(topics__contains=f"|{value}|")
    if kind == StoryLabel.Kind.SECTION:
        return Q(sections__contains=f"|{value}|")
    # The primary subtag, as the triggers cut it: "hi", "hi-IN" and "hi_IN" alike.
    starts = Q(language__istartswith=f"{value}-") | Q(language__istartswith=f"{value}_")
    return Q(language__iexact=value) | starts
