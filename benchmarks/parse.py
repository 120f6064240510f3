"""Parse throughput: items/s for every wire format on one core.

    uv run python benchmarks/parse.py [--items 10000] [--repeat 3]

Parses a generated corpus of deliveries (benchmarks/corpus.py) with
`wiredesk.wire.parse`, and separately times `normalize` (safe HTML, text,
dateline, teaser) on the parsed items. Target: at least 20,000 items/s
parsed for each XML format. Prints a table; exits 1 if a target is missed.
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
    print(f"{'format':<10} {'items/file':>10} {'bytes/item':>10} {'parse items/s':>14} "
          f"{'normalize items/s':>18} {'target parse':>13} {'':>4}")  # fmt: skip
    for name, per, item_bytes, rate, norm, target, ok in rows:
        target_text = f">= {target:,}" if target else "-"
        print(f"{name:<10} {per:>10} {item_bytes:>10,.0f} {rate:>14,.0f} {norm:>18,.0f} "
              f"{target_text:>13} {'ok' if ok else 'MISS':>4}")  # fmt: skip
    if missed:
        print(f"\nmissed the target: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
