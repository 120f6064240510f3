"""Word-shingle MinHash signatures and their LSH bands: how alike two texts are.

Pure (numpy): computed where an item is parsed, so a backfill can compute
them in worker processes (stories/duplicates.py stores and compares them).
The values are datasketch's MinHash (tests/test_similarity.py compares).
"""

from __future__ import annotations

import zlib

import numpy as np

NUM_PERM = 128
SHINGLE = 3  # words a shingle

# The permutations of datasketch's MinHash(num_perm=NUM_PERM), drawn once as it
# draws them for every new MinHash: seed 1, its "affine32" scheme (an odd 32-bit
# multiplier and a 32-bit offset each; tests/test_similarity.py compares).
# Not taken from datasketch itself: importing it loads scipy, which slows the
# start of every backfill worker (docs/benchmarks.md).
_DRAW = np.random.RandomState(1)
_PERMUTE_A = _DRAW.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
_PERMUTE_B = _DRAW.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)

# One odd 64-bit multiplier a MinHash value: a band's key is the top 32 bits of
# the sum of its values times theirs (multiply-shift hashing, in one numpy
# pass). Drawn from a fixed seed: keys must be the same in every process.
_MULTIPLIERS = np.random.default_rng(20261128).integers(
    0, 2**63, NUM_PERM, dtype=np.uint64
) * np.uint64(2) + np.uint64(1)


_SHINGLE_MULTIPLIERS = _MULTIPLIERS[:SHINGLE]
_WORD_HASHES_MAX = 200_000


class _WordHashes(dict):
    """Each word's CRC-32, computed the first time it is asked for (news copy
    reuses its words: each is hashed once a process)."""

    def __missing__(self, word: str) -> int:
        if len(self) >= _WORD_HASHES_MAX:
            self.clear()
        value = self[word] = zlib.crc32(word.encode())
        return value


_WORD_HASHES = _WordHashes()


def _word_hashes(text: str) -> np.ndarray:
    words = text.lower().split()
    # map over the dict's own lookup: no Python frame a word.
    return np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))


# numpy scalars made once (making one costs as much as a step on a story's array).
_13, _16, _32 = np.uint32(13), np.uint32(16), np.uint64(32)
_MIX_1, _MIX_2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)


def _mix32(values: np.ndarray) -> np.ndarray:
    """Apply MurmurHash3's 32-bit finalizer to each value, in place (wrapping, as meant).

    In place: no new array a step, for every story. Return `values`.
    """
    values ^= values >> _16
    values *= _MIX_1
    values ^= values >> _13
    values *= _MIX_2
    values ^= values >> _16
    return values


def signature(text: str) -> np.ndarray | None:
    """Return the MinHash of `text`'s word shingles, or None for too little text.

    The same values as datasketch's `MinHash(hashfunc=int)` given each shingle's
    hash (tests/test_similarity.py): its affine32 scheme, with the
    permutations drawn once, in a few numpy operations instead of a Python
    call a shingle (a third of the cost).
    """
    hashes = _word_hashes(text)
    if len(hashes) < SHINGLE + 2:
        return None
    # A three-word shingle (SHINGLE) hashes as its words' CRC-32s times a
    # multiplier for each place, summed; its top 32 bits are mixed (MurmurHash3's
    # finalizer, as datasketch does) before permuting, so CRC's weak avalanche
    # does not show: estimates measured within 0.04 of the true Jaccard similarity.
    permuted = _mix32(_shingles(hashes))[:, None] * _PERMUTE_A
    permuted += _PERMUTE_B
    return permuted.min(axis=0).astype(np.uint64)


def signature_bytes(text: str) -> bytes | None:
    """Return `signature(text)` as stored (its uint64 values' bytes), or None."""
    values = signature(text)
    return None if values is None else values.tobytes()


def _shingles(hashes: np.ndarray) -> np.ndarray:
    first, second, third = _SHINGLE_MULTIPLIERS
    mixed = hashes[:-2] * first
    mixed += hashes[1:-1] * second
    mixed += hashes[2:] * third
    mixed >>= _32
    return mixed.astype(np.uint32)


def band_keys(values: np.ndarray, bands: int, rows: int) -> list[int]:
    """Return the LSH band keys of a MinHash: `bands` keys of `rows` values each.

    Two texts become duplicate candidates when any band's key is the same; a
    32-bit key that collides by chance only costs one more comparison.
    """
    used = bands * rows
    products = values[:used] * _MULTIPLIERS[:used]  # wraps modulo 2**64, as meant
    sums = products.reshape(bands, rows).sum(axis=1, dtype=np.uint64)
    return (sums >> _32).tolist()


def band_keys_of_many(stored: list[bytes], bands: int, rows: int) -> list[list[int]]:
    """Return the `band_keys` of each stored signature (`signature_bytes`), all at once.

    One numpy pass for a delivery's hundred signatures instead of a few
    operations each (a fifth of the time).
    """
    if not stored:
        return []
    used = bands * rows
    values = np.frombuffer(b"".join(stored), dtype=np.uint64).reshape(len(stored), -1)
    products = values[:, :used] * _MULTIPLIERS[:used]  # wraps modulo 2**64, as meant
    sums = products.reshape(len(stored), bands, rows).sum(axis=2, dtype=np.uint64)
    return (sums >> _32).tolist()
