"""Word-shingle MinHash signatures and their LSH bands: how alike two texts are.

Pure (numpy and datasketch): computed where an item is parsed, so a backfill
can compute them in worker processes (stories/duplicates.py stores and
compares them).
"""

from __future__ import annotations

import zlib

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
SHINGLE = 3  # words a shingle

# datasketch draws its permutations from a seeded generator for every new
# MinHash (most of the cost of a signature): draw them once.
_TEMPLATE = MinHash(num_perm=NUM_PERM)

# One odd 64-bit multiplier a MinHash value: a band's key is the top 32 bits of
# the sum of its values times theirs (multiply-shift hashing, in one numpy
# pass). Drawn from a fixed seed: keys must be the same in every process.
_MULTIPLIERS = np.random.default_rng(20261128).integers(
    0, 2**63, NUM_PERM, dtype=np.uint64
) * np.uint64(2) + np.uint64(1)


def signature(text: str) -> np.ndarray | None:
    """Return the MinHash of `text`'s word shingles, or None for too little text."""
    words = text.lower().split()
    if len(words) < SHINGLE + 2:
        return None
    # Three-word shingles (SHINGLE), built with zip: the fastest way in Python.
    shingles = {
        f"{a} {b} {c}".encode() for a, b, c in zip(words, words[1:], words[2:], strict=False)
    }
    # CRC-32 rather than datasketch's default SHA-1: half the cost of a
    # signature, and datasketch mixes each hash (its affine32 scheme) before
    # permuting, so CRC's weak avalanche does not show (estimates measured
    # within 0.04 of the true Jaccard similarity).
    minhash = MinHash(
        num_perm=NUM_PERM,
        hashfunc=zlib.crc32,
        permutations=_TEMPLATE.permutations,
        scheme=_TEMPLATE.scheme,
    )
    minhash.update_batch(shingles)
    return minhash.hashvalues.astype(np.uint64)


def band_keys(values: np.ndarray, bands: int, rows: int) -> list[int]:
    """Return the LSH band keys of a MinHash: `bands` keys of `rows` values each.

    Two texts become duplicate candidates when any band's key is the same; a
    32-bit key that collides by chance only costs one more comparison.
    """
    used = bands * rows
    products = values[:used] * _MULTIPLIERS[:used]  # wraps modulo 2**64, as meant
    sums = products.reshape(bands, rows).sum(axis=1, dtype=np.uint64)
    return (sums >> np.uint64(32)).tolist()
