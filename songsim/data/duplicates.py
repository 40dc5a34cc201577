"""Duplicates: the same recording under several paths (copies, compilations, another encoding).

Two tracks are one song when their durations agree to :data:`DURATION_TOLERANCE` seconds, their
audio prints agree to :data:`PRINT_TOLERANCE` on average, and then their clips themselves agree
to :data:`CLIPS_TOLERANCE` on average (8-bit codes, 0–255). A track's print is its clips averaged
into :data:`PRINT_BANDS` mel bands × :data:`PRINT_BLOCKS` blocks of about 0.4 s: a cheap filter
kept with the clips, so only near pairs are read in full. Measured on a real track (Ogg Vorbis)
re-encoded as FLAC, MP3, Opus and Vorbis: prints differ by at most 0.83 and clips by at most
2.07 (a synthetic melody, sparser in spectrum, as Vorbis and MP3: 2.0 and 4.6); 3,160 pairs of
different real tracks of equal clip counts differ by at least 10.7 and 15.3, and same-style
synthetic demo songs (one duration for all) by at least 2.1 and 9.4.
Byte-identical files have identical clips and fold without comparing anything.

Each track's song is the row of the first track (in path order) of its group, so a library
with no duplicates has ``song == row``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

PRINT_BANDS = 6
PRINT_BLOCKS = 12
#: Seconds two copies of one recording may differ by (encoder padding is tens of ms).
DURATION_TOLERANCE = 0.25
#: Mean absolute difference of two prints (0–255 scale) below which clips are compared.
PRINT_TOLERANCE = 4.0
#: Mean absolute difference of two tracks' clips (0–255) below which they are one recording.
CLIPS_TOLERANCE = 7.0


def audio_print(codes: np.ndarray) -> bytes:
    """The print of one track's clip codes ``[shape=(n_clips, n_mels, n_frames)]`` uint8:
    ``n_clips · PRINT_BANDS · PRINT_BLOCKS`` bytes."""
    n, n_mels, n_frames = codes.shape
    bands = np.array_split(np.arange(n_mels), PRINT_BANDS)
    blocks = np.array_split(np.arange(n_frames), PRINT_BLOCKS)
    x = codes.astype(np.float32)
    by_band = np.stack([x[:, b, :].mean(axis=1) for b in bands], axis=1)  # (n, bands, frames)
    out = np.stack([by_band[:, :, t].mean(axis=2) for t in blocks], axis=2)
    return np.rint(out).astype(np.uint8).tobytes()


def song_groups(
    durations: np.ndarray,
    prints: Sequence[bytes],
    clips_hashes: Sequence[str],
    read_codes: Callable[[int], np.ndarray],
) -> np.ndarray:
    """The song of each track ``(n,)`` int64: the lowest row of the tracks that are the same
    recording (see the module docstring). Identical ``clips_hashes`` fold at once;
    ``read_codes(row)`` gives a track's clip codes for the pairs whose prints are near."""
    n = len(prints)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    reps = np.arange(n)
    first: dict[str, int] = {}
    for i, h in enumerate(clips_hashes):  # identical clips: one representative compared for all
        reps[i] = first.setdefault(h, i)
        if reps[i] != i:
            union(reps[i], i)
    candidates = np.unique(reps)
    durations = np.asarray(durations, dtype=np.float64)
    order = candidates[np.argsort(durations[candidates], kind="stable")]
    lengths = np.array([len(prints[i]) for i in order])
    sorted_d = durations[order]
    for a, i in enumerate(order):
        b = np.searchsorted(sorted_d, sorted_d[a] + DURATION_TOLERANCE, side="right")
        near = [j for j, size in zip(order[a + 1 : b], lengths[a + 1 : b]) if size == lengths[a]]
        if not near or not lengths[a]:
            continue
        mine = np.frombuffer(prints[i], dtype=np.uint8).astype(np.int16)
        theirs = np.stack([np.frombuffer(prints[j], dtype=np.uint8) for j in near]).astype(np.int16)
        for j in np.asarray(near)[np.abs(theirs - mine).mean(axis=1) < PRINT_TOLERANCE]:
            if find(int(i)) != find(int(j)) and _same_clips(read_codes(int(i)), read_codes(int(j))):
                union(int(i), int(j))
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def _same_clips(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.abs(a.astype(np.int16) - b).mean() < CLIPS_TOLERANCE


def duplicate_paths(track_ids: Sequence[str], songs: np.ndarray) -> dict[int, list[str]]:
    """``{song row: [track ids]}`` of every song with more than one track."""
    out: dict[int, list[str]] = {}
    for tid, song in zip(track_ids, songs):
        out.setdefault(int(song), []).append(str(tid))
    return {s: ids for s, ids in out.items() if len(ids) > 1}
