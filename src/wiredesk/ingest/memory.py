"""The database side of a transport's memory: which remote files a feed has taken."""

from __future__ import annotations

from wiredesk.sources.models import Feed

from .models import TakenFile

# SQLite allows 999 parameters in a query before 3.32; stay well below.
CHUNK = 500


class TakenFiles:
    """The remote files `feed` has taken (transports.base.Memory)."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed

    def taken(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            found.update(
                TakenFile.objects.filter(feed=self.feed, key__in=chunk).values_list(
                    "key", flat=True
                )
            )
        return found

    def remember(self, key: str) -> None:
        # One statement; a second node remembering the same file is no error.
        TakenFile.objects.bulk_create(
            [TakenFile(feed=self.feed, key=key[:1200])], ignore_conflicts=True
        )
