"""Word-shingle MinHash signatures: how alike two texts are, without the database.

Pure (numpy and datasketch): computed where an item is parsed, so a backfill
can compute them in worker processes (stories/duplicates.py stores and
compares them).
"""

from __future__ import annotations

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
SHINGLE = 3  # words a shingle

# datasketch draws its permutations from a seeded generator for every new
# MinHash (most of the cost of a signature): draw them once.
_TEMPLATE = MinHash(num_perm=NUM_PERM)


def signature(text: str) -> np.ndarray | None:
    """Return the MinHash of `text`'s word shingles, or None for too little text."""
    words = text.lower().split()
    if len(words) < SHINGLE + 2:
        return None
    # Three-word shingles (SHINGLE), built with zip: the fastest way in Python.
    shingles = {
        f"{a} {b} {c}".encode() for a, b, c in zip(words, words[1:], words[2:], strict=False)
    }
    minhash = MinHash(
        num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme
    )
    minhash.update_batch(list(shingles))
    return minhash.hashvalues.astype(np.uint64)
