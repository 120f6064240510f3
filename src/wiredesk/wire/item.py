"""The neutral item every wire format is read into."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .pictures import PictureRef

PubStatus = Literal["usable", "withheld", "canceled"]
Signal = Literal["update", "correction", "kill"]
# "picture": an item that is a picture alone (a NewsML-G2 or ninjs picture
# item): it updates or kills that picture wherever it is used, never a story.
Kind = Literal["text", "picture"]

# The order of fields is the order of keys in `wiredesk inspect` output.
FIELD_NAMES = (
    "format",
    "item_id",
    "version",
    "pub_status",
    "signal",
    "first_created",
    "version_created",
    "embargoed_until",
    "urgency",
    "headline",
    "slugline",
    "byline",
    "dateline",
    "located",
    "language",
    "body_html",
    "body_text",
    "teaser",
    "subjects",
    "keywords",
    "link",
    "creditline",
    "ednote",
    "is_advisory",
    "kind",
    "pictures",
    "alt_ids",
)


@dataclass
class WireItem:
    """One agency item, whatever format it came in.

    `version` is the agency's own version when it sends one; the pipeline
    derives one otherwise (docs/design.md, "Identity and lifecycle").
    `ednote` is kept for the desk and never published.
    """

    format: str
    item_id: str
    version: str | None = None
    pub_status: PubStatus = "usable"
    signal: Signal | None = None
    first_created: datetime | None = None
    version_created: datetime | None = None
    embargoed_until: datetime | None = None
    urgency: int | None = None
    headline: str = ""
    slugline: str | None = None
    byline: str | None = None
    dateline: str | None = None
    located: str | None = None
    language: str | None = None
    body_html: str = ""
    body_text: str = ""
    teaser: str = ""
    subjects: list[dict[str, str]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    link: str | None = None
    creditline: str | None = None
    ednote: str | None = None
    is_advisory: bool = False
    kind: Kind = "text"
    # The item's pictures, the lead first (docs/design.md, "Pictures").
    pictures: list[PictureRef] = field(default_factory=list)
    # Not part of the output: the agency's own priority label ("f", "flash",
    # "3"), mapped onto `urgency` by the source's mapping in `normalize`.
    priority: str | None = None
    # The agency's other identifiers of the item ("role:value", a ninjs altId):
    # its versions in other languages share one (site/translations.py).
    alt_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the item as plain JSON-ready values, times in RFC 3339."""
        out: dict[str, Any] = {}
        for name in FIELD_NAMES:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = rfc3339(value)
            elif name == "pictures":
                value = [picture.to_dict() for picture in value]
            out[name] = value
        return out

    def to_json(self) -> str:
        """Return the item as one line of JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def replace(self, **changes: Any) -> WireItem:
        """Return a copy with some fields changed (what `dataclasses.replace` returns).

        Its attributes are copied at once: `dataclasses.replace` calls the
        constructor with every field, eight times longer (twice an item in
        `normalize` and `classify`).
        """
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"WireItem has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(WireItem)
        copy.__dict__ = {**self.__dict__, **changes}
        return copy


def rfc3339(moment: datetime) -> str:
    """Return `moment` in RFC 3339 with a full offset (`+05:30`, never `+5:30`)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime has no offset; localise it first")
    return moment.isoformat(timespec="seconds")


_FIELDS = frozenset(field.name for field in dataclasses.fields(WireItem))
