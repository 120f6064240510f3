"""Numbers in agency text."""

from __future__ import annotations

MAX_DIGITS = 9


def is_number(text: str) -> bool:
    """Return True for a small whole number in ASCII digits.

    `str.isdigit` is True for "²" and "٣" too, which `int` then refuses or
    reads; an urgency or a revision is written in ASCII, and never needs more
    than a few digits.
    """
    return 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit()
