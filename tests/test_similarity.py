"""MinHash signatures and LSH band keys: the numbers grouping compares, in any process."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from datasketch import MinHash

from wiredesk.wire.similarity import (
    _PERMUTE_A,
    _PERMUTE_B,
    NUM_PERM,
    _shingles,
    _word_hashes,
    band_keys,
    band_keys_of_many,
    signature,
)

from .test_lifecycle import SAME_EVENT

OTHER = (
    "MUMBAI, Oct 14 Shares closed higher on Thursday as banks and software makers "
    "gained, while the rupee held steady against the dollar in thin trade."
)


def test_signature_is_datasketch_minhash_of_the_shingle_hashes():
    expected = MinHash(num_perm=NUM_PERM, hashfunc=int)  # its own permutations and scheme
    assert np.array_equal(np.array([_PERMUTE_A, _PERMUTE_B]), expected.permutations)
    expected.update_batch(_shingles(_word_hashes(SAME_EVENT)).tolist())  # what it permutes
    assert np.array_equal(signature(SAME_EVENT), expected.hashvalues.astype(np.uint64))


def test_preparing_a_delivery_loads_neither_django_nor_scipy():
    # A backfill worker imports this much before its first delivery: scipy
    # (through datasketch) took 0.4 s of every worker's start.
    code = "import sys, wiredesk.ingest.prepare; print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'datasketch', 'django'}))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_a_lightly_edited_story_scores_as_its_near_duplicate_and_another_does_not():
    edited = SAME_EVENT.replace("NEW DELHI", "New Delhi").replace(".", " on Thursday.", 1)
    original = signature(SAME_EVENT)
    assert np.mean(signature(edited) == original) >= 0.6
    assert np.mean(signature(OTHER) == original) < 0.2


def test_too_little_text_has_no_signature():
    assert signature("Flash: quake") is None


def test_signatures_and_band_keys_are_the_same_in_another_process():
    # Backfill workers sign stories in other processes: keys must not depend on
    # a process's hash seed or random state.
    code = (
        "import json, sys; from wiredesk.wire.similarity import signature, band_keys; "
        "v = signature(sys.argv[1]); print(json.dumps([v.tolist(), band_keys(v, 18, 7)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, SAME_EVENT],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "random"},
    )
    values, keys = json.loads(out.stdout)
    assert values == signature(SAME_EVENT).tolist()
    assert keys == band_keys(signature(SAME_EVENT), 18, 7)
    assert len(keys) == 18 and all(0 <= key < 2**32 for key in keys)


def test_band_keys_of_many_signatures_at_once_are_each_ones_band_keys():
    # A backfill's workers compute a delivery's band keys in one pass; the
    # storer indexes them as the band keys of each story's own signature.
    texts = [SAME_EVENT, OTHER, SAME_EVENT.replace("Thursday", "Friday"), OTHER + " More."]
    values = [signature(text) for text in texts]
    for bands, rows in ((18, 7), (9, 13), (1, 128)):
        many = band_keys_of_many([v.tobytes() for v in values], bands, rows)
        assert many == [band_keys(v, bands, rows) for v in values]
    assert band_keys_of_many([], 18, 7) == []
