"""The ids a log line carries, held in a context variable (each thread and task its own).

Set for a span with `bound` (a request by logs/requests.py, a delivery's storing
by ingest/pipeline.py), or given to one line with `extra={"story_id": ...}`; a
line about several stories or deliveries gives `story_ids` or `delivery_ids`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import Any

# The fields a JSON line may carry, in the order it writes them.
FIELDS = ("request_id", "feed_id", "delivery_id", "delivery_ids", "story_id", "story_ids")

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_ids: ContextVar[Mapping[str, Any]] = ContextVar("wiredesk_log_ids", default=_EMPTY)


def current() -> Mapping[str, Any]:
    """Return the ids set now (a read-only mapping; never changed after it is returned)."""
    return _ids.get()


@contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """Add `ids` (those not None) to every line logged within, and take them off after."""
    token = _ids.set(MappingProxyType({**_ids.get(), **_given(ids)}))
    try:
        yield
    finally:
        _ids.reset(token)


def enter_request(request_id: str) -> Token[Mapping[str, Any]]:
    """Start a request's span with its id alone; `leave` ends it. The web's hot path:
    no generator, no checks (`bound` does the same for any ids)."""
    return _ids.set(MappingProxyType({"request_id": request_id}))


def leave(token: Token[Mapping[str, Any]]) -> None:
    """End a span `enter_request` started."""
    _ids.reset(token)


def bind(**ids: Any) -> None:
    """Add `ids` for the rest of the enclosing `bound` span (an id learnt along the way).

    An id given as None is taken off (a delivery whose row was rolled back).
    """
    kept = {name: value for name, value in _ids.get().items() if ids.get(name, value) is not None}
    _ids.set(MappingProxyType({**kept, **_given(ids)}))


def _given(ids: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(ids) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown log ids {sorted(unknown)}; known: {', '.join(FIELDS)}")
    return {name: value for name, value in ids.items() if value is not None}


def of_many(name: str, values: Any) -> dict[str, Any]:
    """Return `{name_id: value}` for one distinct value, `{name_ids: [...]}` for several, else {}.

    `name` is "story" or "delivery"; None values are left out.
    """
    distinct = sorted({value for value in values if value is not None})
    if len(distinct) == 1:
        return {f"{name}_id": distinct[0]}
    return {f"{name}_ids": distinct} if distinct else {}
