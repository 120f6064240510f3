"""The records the readers of NewsML 1.2, NITF and NewsML-G2 read an item into.

Their first step walks the XML once and fills a dict made by `blank`, by the
record's field names (a tuple for the elements a document may repeat);
`record` makes that dict the reader's record: a frozen dataclass whose every
field has a default, for what the document did not say.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

R = TypeVar("R")


def blank(cls: type) -> dict[str, Any]:
    """Return every field of the record class `cls` at its default: a walk starts from a copy."""
    return {field.name: field.default for field in dataclasses.fields(cls)}


def record(cls: type[R], found: dict[str, Any]) -> R:
    """Return the frozen dataclass `cls` holding what a walk `found` (its own dict, now the record's).

    `found` becomes the record's `__dict__`, made by `blank`: every field is
    there. The `__init__` of a frozen dataclass sets each field through
    `object.__setattr__`: some 40,000 instructions for a NewsML 1.2 record,
    a tenth of the item's whole parse (callgrind). `tests/test_two_step_readers.py`
    checks that a walk fills no field its record lacks.
    """
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", found)
    return made
