"""The pure half of the pipeline: bytes in, items ready to store out (no database).

Parse, normalize, classify and, for a backfill, the MinHash of each item:
the costly part of ingest, and safe to run in worker processes, since
nothing here imports Django.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from wiredesk.wire import ParseError, WireItem, normalize
from wiredesk.wire.errors import ItemFailure, one_line
from wiredesk.wire.formats import read
from wiredesk.wire.notices import classify
from wiredesk.wire.repair import Repaired


@dataclass(frozen=True)
class PrepareOptions:
    """What preparing a feed's delivery needs to know of the feed and its agency."""

    format: str = "auto"
    encoding: str | None = None
    repair_xml: bool = False  # repair an agency format's XML too (feeds always are)
    time_zone: tzinfo = UTC
    teaser_chars: int = 110
    language: str = ""  # an item's when it and its feed document name none
    urgency_map: dict[str, int] = field(default_factory=dict)
    kill_patterns: tuple[str, ...] = ()
    advisory_patterns: tuple[str, ...] = ()
    band_shape: tuple[int, int] | None = None  # (bands, rows) of the duplicate index


@dataclass
class PreparedDelivery:
    """A delivery's items ready to store, or why it cannot be read."""

    items: list[WireItem] = field(default_factory=list)
    # Each item's MinHash as the story table stores it (bytes: they cross
    # processes in a tenth of an array's time), by (item id, version).
    signatures: dict[tuple[str, str | None], bytes | None] = field(default_factory=dict)
    # And each signature's LSH band keys, for `PrepareOptions.band_shape`.
    band_keys: dict[tuple[str, str | None], list[int]] = field(default_factory=dict)
    error: str | None = None
    # Items that could not be read: each is quarantined alone, the rest stored.
    failures: list[ItemFailure] = field(default_factory=list)
    # What had to be mended before the delivery could be read (wire/repair.py).
    repairs: list[Repaired] = field(default_factory=list)


def start_worker(niceness: int) -> None:
    """Set up a process that prepares deliveries.

    Lower its priority (the storing process goes first), and leave what it
    imported out of garbage collection (`gc.freeze`): every full collection
    would walk those objects again, and none of them is garbage.
    """
    os.nice(niceness)
    gc.collect()
    gc.freeze()


# A publication or version time further ahead than this is no such time: a
# story dated 9999-12-31 would sit on top of every list and the news sitemap
# for good. An embargo is said with the format's own embargo field, never so.
MAX_AHEAD = timedelta(days=1)


def _ready(raw: WireItem, options: PrepareOptions, now: datetime) -> WireItem:
    item = normalize(
        raw, options.time_zone, options.teaser_chars, options.urgency_map, options.language
    )
    for name in ("first_created", "version_created"):
        moment = getattr(item, name)
        if moment is not None and moment - now > MAX_AHEAD:
            raise ParseError(
                f"{name.replace('_', ' ')} {moment.isoformat()} is more than a day ahead: not a "
                "publication time (an embargo is sent in the format's own embargo field)"
            )
    return classify(item, options.kill_patterns, options.advisory_patterns)


def prepare(
    data: bytes, options: PrepareOptions, signatures: bool = False, base_url: str | None = None
) -> PreparedDelivery:
    """Parse, normalize and classify one delivery; with `signatures`, MinHash each item.

    `base_url` is where the delivery was fetched from, for its relative links.
    Whatever one item raises quarantines that item alone; whatever the
    delivery as a whole raises quarantines the delivery (never the process).
    """
    try:
        reading = read(data, options.format, options.encoding, base_url, options.repair_xml)
    except ParseError as exc:
        return PreparedDelivery(error=str(exc))
    except Exception as exc:
        return PreparedDelivery(error=one_line(exc))
    items, failures = [], list(reading.failures)
    now = datetime.now(UTC)
    for position, raw in enumerate(reading.items, 1):
        try:
            items.append(_ready(raw, options, now))
        except Exception as exc:
            failures.append(ItemFailure(one_line(exc), position, raw.item_id[:512]))
    if not items and failures:
        error = str(failures[0]) if len(failures) > 1 else failures[0].reason
        return PreparedDelivery(error=error, failures=failures)
    prepared = PreparedDelivery(items=items, failures=failures, repairs=reading.repairs)
    if signatures:
        # numpy: loaded by backfill workers, not by every process that imports the pipeline.
        from wiredesk.wire.similarity import band_keys_of_many, signature_bytes

        prepared.signatures = {(i.item_id, i.version): signature_bytes(i.body_text) for i in items}
        signed = [(key, value) for key, value in prepared.signatures.items() if value is not None]
        if options.band_shape and signed:
            keys = band_keys_of_many([value for _, value in signed], *options.band_shape)
            prepared.band_keys = {key: k for (key, _), k in zip(signed, keys, strict=True)}
    return prepared
