"""The errors of reading a delivery: of the whole of it, or of one item in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
MAX_REASON_CHARS = 500


class ParseError(ValueError):
    """The delivery cannot be read; the message says why in one line."""


@dataclass(frozen=True)
class ItemFailure:
    """One item of a delivery that cannot be read: quarantined alone, the rest stored."""

    reason: str
    position: int  # 1-based place of the item in its delivery
    item_id: str = ""  # what identity the item shows, if any
    data: bytes = b""  # the item's own bytes, as far as they can be cut out

    def __str__(self) -> str:
        named = f" ({self.item_id})" if self.item_id else ""
        return f"item {self.position}{named}: {self.reason}"


def one_line(error: BaseException) -> str:
    """Return an error as one line of at most a few hundred characters, saying what it is."""
    text = " ".join(str(error).split())
    if not isinstance(error, ParseError):
        # Not a parser's own word: say what broke, for the report to the developers.
        text = f"unexpected {type(error).__name__}: {text}" if text else type(error).__name__
    return text[:MAX_REASON_CHARS]


def guarded(
    read: Callable[..., T],
    node: Any,
    position: int,
    cut: Callable[[Any], bytes],
    identify: Callable[[Any], str] = lambda node: "",
    *args: Any,
) -> T | ItemFailure:
    """Return `read(node, *args)`, or the ItemFailure of that one item whatever it raised.

    Any exception while reading one item (a ParseError, or what a hostile
    value trips: a 5,000-digit number, a date past year 9999, a lone
    surrogate) ends that item in quarantine; the delivery's other items go on.
    """
    try:
        return read(node, *args)
    except MemoryError:
        raise
    except Exception as exc:
        try:
            item_id, data = identify(node)[:512], cut(node)
        except Exception:
            item_id, data = "", b""
        return ItemFailure(one_line(exc), position, item_id, data)
