"""Parse throughput: items/s for every wire format on one core.

    uv run python benchmarks/parse.py [--items 10000] [--repeat 3]

Parses a generated corpus of deliveries (benchmarks/corpus.py) with
`wiredesk.wire.parse`, and separately times `normalize` (safe HTML, text,
dateline, teaser) on the parsed items. Target: at least 20,000 items/s
parsed for each XML format. Prints a table; exits 1 if a target is missed.

Then the repair path's cost (`wiredesk.wire.repair`, docs/formats.md,
"Repairs"): the RSS corpus with one slip in every item, a delivery for each
repair, and cut short in its last item for the recovering parser, beside the
strict path's figure. No target: repairs are for the few feeds that need them.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import FORMATS, deliveries

from wiredesk.wire import normalize, parse
from wiredesk.wire.formats import read

TARGET_XML = 20_000


def best_of(repeat: int, work) -> float:
    """Return the fastest of `repeat` timings of `work()`, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rows, missed = [], []
    for name, (_, per, is_xml) in FORMATS.items():
        corpus = deliveries(name, args.items)
        size = sum(map(len, corpus))
        parsed = [item for data in corpus for item in parse(data)]
        assert len(parsed) == args.items, (name, len(parsed))
        parse_s = best_of(args.repeat, lambda c=corpus: [parse(d) for d in c])
        normalize_s = best_of(args.repeat, lambda p=parsed: [normalize(i) for i in p])
        rate = args.items / parse_s
        target = TARGET_XML if is_xml else None
        ok = target is None or rate >= target
        if not ok:
            missed.append(name)
        rows.append((name, per, size / args.items, rate, args.items / normalize_s, target, ok))
    print(f"Parse throughput, {args.items:,} items a format, best of {args.repeat}, one core\n")
    print(
        f"{'format':<10} {'items/file':>10} {'bytes/item':>10} {'parse items/s':>14} "
        f"{'normalize items/s':>18} {'target parse':>13} {'':>4}"
    )
    for name, per, item_bytes, rate, norm, target, ok in rows:
        target_text = f">= {target:,}" if target else "-"
        print(
            f"{name:<10} {per:>10} {item_bytes:>10,.0f} {rate:>14,.0f} {norm:>18,.0f} "
            f"{target_text:>13} {'ok' if ok else 'MISS':>4}"
        )
    print_repair_costs(args.items, args.repeat)
    if missed:
        print(f"\nmissed the target: {', '.join(missed)}")
        return 1
    return 0


DC = b' xmlns:dc="http://purl.org/dc/elements/1.1/"'
# A slip a feed needs each repair for, made in every item of the RSS corpus.
SLIPS = {
    "declared-prefixes": lambda d: d.replace(DC, b""),
    "dropped-control-characters": lambda d: d.replace(b"<title>Headline ", b"<title>Headline\x08 "),
    "legacy-entity-names": lambda d: d.replace(b" on the measures<", b" on&nbsp the measures<"),
    "escaped-ampersands": lambda d: d.replace(b"</link>", b"?a=1&copy=2</link>"),
    # Cut inside the last item's body: the other items are kept.
    "recovered": lambda d: d[: d.rindex(b"<item>") + 200],
}


def print_repair_costs(items: int, repeat: int) -> None:
    """Print items/s read from feeds that need each repair, beside the strict path's."""
    corpus = deliveries("rss2", items)
    strict_s = best_of(repeat, lambda: [read(d) for d in corpus])
    print(f"\nRepair path, rss2, {items:,} items in all, best of {repeat}, one core\n")
    print(f"{'read':<28} {'items read':>10} {'items/s':>12} {'vs strict':>10}")
    print(f"{'strict (no slip)':<28} {items:>10,} {items / strict_s:>12,.0f} {'1.00x':>10}")
    for name, slip in SLIPS.items():
        slipped = [slip(d) for d in corpus]
        readings = [read(d) for d in slipped]
        assert all(name in (r.name for r in reading.repairs) for reading in readings), name
        kept = sum(len(reading.items) for reading in readings)
        seconds = best_of(repeat, lambda s=slipped: [read(d) for d in s])
        print(
            f"{name:<28} {kept:>10,} {kept / seconds:>12,.0f} "
            f"{(kept / seconds) / (items / strict_s):>9.2f}x"
        )


if __name__ == "__main__":
    sys.exit(main())
