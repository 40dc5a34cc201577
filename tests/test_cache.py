"""The steps' cache: one interface, its back-ends in memory and on disk, keys that change with
the input, the parameters and the code."""

from collections import Counter

import numpy as np
import pytest

from songsim.cache import (
    NO_CACHE,
    Codec,
    DiskCache,
    MemoryCache,
    StepKey,
    array_key,
    code_version,
)
from songsim.params import SweepParams

ARRAYS = Codec(encode=lambda v: ({"v": v}, {"n": len(v)}), decode=lambda a, meta: a["v"])


def counting(value):
    runs = Counter()

    def compute():
        runs["n"] += 1
        return value

    return compute, runs


def test_a_key_changes_with_the_input_the_parameters_and_the_code():
    key = StepKey("k_sweep", "abc", SweepParams(), "0.5.0+1")
    assert key.digest == StepKey("k_sweep", "abc", SweepParams(), "0.5.0+1").digest
    others = [
        StepKey("k_sweep", "abd", SweepParams(), "0.5.0+1"),
        StepKey("k_sweep", "abc", SweepParams(k_max=9), "0.5.0+1"),
        StepKey("k_sweep", "abc", SweepParams(), "0.5.0+2"),
        StepKey("track_map", "abc", SweepParams(), "0.5.0+1"),
    ]
    assert len({key.digest, *(o.digest for o in others)}) == 5
    X = np.arange(6, dtype=np.float32)
    assert array_key(X) == array_key(X.copy()) != array_key(X.reshape(2, 3))
    assert array_key(X) != array_key(X.astype(np.float64))
    assert code_version("analysis/clustering.py") != code_version("analysis/maps.py")


def test_memory_cache_computes_each_key_once_and_keeps_the_latest():
    cache = MemoryCache(max_entries=2)
    compute, runs = counting(np.ones(3))
    keys = [StepKey("s", str(i), {}) for i in range(3)]
    for _ in range(3):
        cache.get(keys[0], compute)
    assert runs["n"] == 1 and cache.has(keys[0])
    cache.get(keys[1], compute)
    cache.get(keys[2], compute)  # the oldest, keys[0], goes
    assert not cache.has(keys[0]) and cache.has(keys[2])
    assert NO_CACHE.get(keys[0], compute) is not None and runs["n"] == 4  # no cache: every time


def test_memory_cache_computes_once_when_threads_ask_at_once():
    import threading
    import time

    cache, runs = MemoryCache(), Counter()

    def slow():
        runs["n"] += 1
        time.sleep(0.2)
        return 1

    threads = [
        threading.Thread(target=cache.get, args=(StepKey("s", "x", {}), slow)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs["n"] == 1


def test_disk_cache_is_read_back_by_another_instance_and_recomputes_a_changed_key(tmp_path):
    value = np.arange(5, dtype=np.float32)
    compute, runs = counting(value)
    key = StepKey("embedding", "fp1", {"kind": "mfcc"}, "1+a", name="mfcc")
    assert DiskCache(tmp_path).get(key, compute, codec=ARRAYS) is value
    again = DiskCache(tmp_path).get(key, compute, codec=ARRAYS)  # another process's view
    np.testing.assert_array_equal(again, value)
    assert runs["n"] == 1 and DiskCache(tmp_path).has(key)

    newer = StepKey("embedding", "fp1", {"kind": "mfcc"}, "1+b", name="mfcc")  # other code
    assert not DiskCache(tmp_path).has(newer)
    DiskCache(tmp_path).get(newer, compute, codec=ARRAYS)
    assert runs["n"] == 2
    assert not DiskCache(tmp_path).has(key)  # one entry per name: the new result replaced it
    DiskCache(tmp_path).get(key, compute)  # no codec: computed, not stored
    assert runs["n"] == 3


def test_disk_cache_recomputes_a_damaged_entry_and_never_unpickles(tmp_path):
    from songsim.storage import current_version

    key = StepKey("embedding", "fp", {}, name="e")
    compute, runs = counting(np.arange(4.0))
    DiskCache(tmp_path).get(key, compute, codec=ARRAYS)
    stored = current_version(tmp_path / "e") / "v.npy"
    np.save(stored, np.array([{"a": 1}], dtype=object), allow_pickle=True)  # a pickle in its place
    np.testing.assert_array_equal(
        DiskCache(tmp_path).get(key, compute, codec=ARRAYS), np.arange(4.0)
    )
    assert runs["n"] == 2  # the checksum caught it before np.load could see it


def test_embeddings_are_stored_once_and_computed_again_for_other_code(
    fresh_cache, tiny_dataset, monkeypatch
):
    import songsim.embeddings.compute as compute
    import songsim.embeddings.kinds as kinds
    import songsim.embeddings.specs as specs

    ds = tiny_dataset("reuse", seed=4)
    runs = Counter()
    real = compute.clip_vectors_task

    def counted(*args):
        runs["tasks"] += 1
        return real(*args)

    monkeypatch.setattr(compute, "clip_vectors_task", counted)
    first = kinds.embed(ds, "mfcc").track
    np.testing.assert_array_equal(kinds.embed(ds, "mfcc").track, first)
    assert runs["tasks"] == 1 and kinds.embedding_stored(ds, "mfcc")
    monkeypatch.setitem(specs.KIND_CODE, "mfcc", ("analysis/index.py",))  # other code
    assert not kinds.embedding_stored(ds, "mfcc")
    np.testing.assert_array_equal(kinds.embed(ds, "mfcc").track, first)
    assert runs["tasks"] == 2


@pytest.mark.parametrize("shared", [False, True])
def test_the_dashboards_back_end_computes_a_key_once(shared):
    from songsim.ui.stepcache import StreamlitCache

    cache = StreamlitCache()
    cache.clear()
    compute, runs = counting([1, 2])
    key = StepKey("s", f"x{shared}", {})
    assert cache.get(key, compute, shared=shared) == [1, 2]
    assert cache.get(key, compute, shared=shared, message="Working…") == [1, 2]
    assert runs["n"] == 1
    cache.clear()
    cache.get(key, compute, shared=shared)
    assert runs["n"] == 2
