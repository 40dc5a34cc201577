"""A dataset's clips, read in batches and never loaded whole.

Clips are scaled log-mel spectrograms in [0, 1] (:mod:`songsim.data.features`). They are kept as
8-bit codes (``round(255 · x)``, an error of at most 1/510; docs/RESULTS.md measures what that
does to every embedding) in shard files (:mod:`songsim.data.shards`) and read a batch at a time.

Every store gives the same view, whatever holds the codes:

* :class:`ArrayClips` — codes in memory (the demo as it is built, tests, a new track);
* :class:`ShardClips` — codes in ``.npy`` shard files, read with ``pread`` (never memory-mapped,
  so what a command reads does not stay in its resident memory), each shard checked against
  its SHA-256 the first time this process reads it.

``clips[i]`` and ``clips[rows]`` give float32 arrays ``[shape=(…, n_mels, n_frames)]``;
:meth:`ClipStore.batches` walks any rows in order, a batch at a time.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..errors import DatasetError

#: How clips are kept: 8-bit codes of [0, 1].
CODE_DTYPE = np.uint8
SCALE = 255.0
#: Clips read at once by :meth:`ClipStore.batches` (about 2 MB of codes).
BATCH_CLIPS = 96


def encode(clips: np.ndarray) -> np.ndarray:
    """Clips ``[shape=(n, n_mels, n_frames)]`` in [0, 1] → their 8-bit codes (same shape)."""
    x = np.asarray(clips, dtype=np.float32)
    return np.rint(np.clip(x, 0.0, 1.0) * SCALE).astype(CODE_DTYPE)


def decode(codes: np.ndarray) -> np.ndarray:
    """8-bit codes → clips in [0, 1] as float32."""
    return codes.astype(np.float32) * np.float32(1.0 / SCALE)


def clips_hash(codes: np.ndarray, starts: Sequence[float]) -> str:
    """What identifies one track's clips (SHA-256 of the codes, their shape and the start
    times; 32 hex digits): embeddings are stored per track under it."""
    codes = np.ascontiguousarray(codes, dtype=CODE_DTYPE)
    h = hashlib.sha256(f"{codes.shape}".encode())
    h.update(codes.data)
    h.update(np.asarray(starts, dtype=np.float32).tobytes())
    return h.hexdigest()[:32]


class ClipStore:
    """Clips ``(n_clips, n_mels, n_frames)`` as float32, read on demand.

    Subclasses implement :meth:`codes` (the 8-bit codes of some clip rows, in the order asked).
    """

    shape: tuple[int, int, int]

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        return 3

    def codes(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def verify(self) -> None:
        """Check what is stored against its checksums (nothing to check in memory)."""

    def subset(self, rows) -> ClipStore:
        """A store of the clips ``rows`` only (small and picklable: what a task is sent)."""
        return ArrayClips(self.codes(np.asarray(rows, dtype=np.int64)))

    def __getitem__(self, index) -> np.ndarray:
        if isinstance(index, (int, np.integer)):
            return self[np.array([index])][0]
        if isinstance(index, slice):
            index = np.arange(*index.indices(len(self)))
        rows = np.asarray(index)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        rows = rows.astype(np.int64, copy=False)
        if len(rows) and (rows.min() < -len(self) or rows.max() >= len(self)):
            raise IndexError(f"clip row out of range (0–{len(self) - 1})")
        return decode(self.codes(np.where(rows < 0, rows + len(self), rows)))

    def batches(
        self, rows: np.ndarray | None = None, *, size: int = BATCH_CLIPS
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(rows, clips [shape=(len(rows), n_mels, n_frames)] float32)`` a batch at a time, in
        the order of ``rows`` (default: every clip)."""
        rows = np.arange(len(self)) if rows is None else np.asarray(rows, dtype=np.int64)
        for i in range(0, len(rows), size):
            part = rows[i : i + size]
            yield part, self[part]

    def __array__(self, dtype=None, copy=None):
        """Every clip at once (small datasets and tests only: a library is read in batches)."""
        out = self[:]
        return out if dtype is None else out.astype(dtype)


class ArrayClips(ClipStore):
    """Clips held in memory as 8-bit codes ``[shape=(n, n_mels, n_frames)]``."""

    def __init__(self, codes: np.ndarray):
        self._codes = np.asarray(codes, dtype=CODE_DTYPE)
        self.shape = tuple(self._codes.shape)

    @classmethod
    def of(cls, clips: np.ndarray) -> ArrayClips:
        """The store of clips in [0, 1] (float), encoded."""
        return cls(encode(clips))

    def codes(self, rows):
        return self._codes[rows]


def _data_offset(path: Path) -> tuple[int, tuple, np.dtype]:
    """``(byte offset of the data, shape, dtype)`` of a ``.npy`` file, from its header."""
    with open(path, "rb") as f:
        fmt = np.lib.format
        version = fmt.read_magic(f)
        read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = read(f)
        if fortran or dtype.hasobject:
            raise ValueError("not a C-ordered array of numbers")
        return f.tell(), shape, dtype


class _Shard:
    """One shard file, opened for ``pread`` and checked against ``sha256`` on first use."""

    _verified: set = set()  # (path, size, mtime) this process has checked
    _lock = threading.Lock()

    def __init__(self, path: Path, sha256: str | None):
        self.path, self.sha256 = Path(path), sha256
        self._fd = None
        self._layout = None

    def _open(self):
        if self._fd is not None:
            return
        with self._lock:
            if self._fd is not None:
                return
            try:
                st = os.stat(self.path)
                key = (str(self.path), st.st_size, st.st_mtime_ns)
                if self.sha256 and key not in self._verified:
                    from ..storage import sha256_file

                    if sha256_file(self.path) != self.sha256:
                        raise DatasetError(f"{self.path.name}: corrupted clips (checksum mismatch)")
                    self._verified.add(key)
                offset, shape, dtype = _data_offset(self.path)
                self._layout = (offset, shape, dtype, int(np.prod(shape[1:])) * dtype.itemsize)
                self._fd = os.open(self.path, os.O_RDONLY)
            except (OSError, ValueError) as exc:
                raise DatasetError(f"{self.path.name}: cannot read clips ({exc})") from None

    def read(self, local: np.ndarray) -> np.ndarray:
        """Codes of rows ``local`` of this shard (in that order), contiguous runs read at once."""
        self._open()
        offset, shape, dtype, row_bytes = self._layout
        out = np.empty((len(local), *shape[1:]), dtype=dtype)
        if not len(local):
            return out
        if local.max() >= shape[0]:
            raise DatasetError(f"{self.path.name}: shorter than its table says")
        breaks = np.flatnonzero(np.diff(local) != 1) + 1
        for a, b in zip(np.r_[0, breaks], np.r_[breaks, len(local)]):
            first, n = int(local[a]), int(b - a)
            buf = os.pread(self._fd, n * row_bytes, offset + first * row_bytes)
            if len(buf) != n * row_bytes:
                raise DatasetError(f"{self.path.name}: truncated clips")
            out[a:b] = np.frombuffer(buf, dtype=dtype).reshape(n, *shape[1:])
        return out

    def __getstate__(self):  # a worker opens the file itself
        return {"path": self.path, "sha256": self.sha256, "_fd": None, "_layout": None}

    def __del__(self):
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass


class ShardClips(ClipStore):
    """Clips in shard files.

    Parameters
    ----------
    folder : where the shards are
    shards : {name: sha256} of the shards the clips are in
    clip_shard : np.ndarray [shape=(n_clips,)] the shard name's position in ``shards`` of each clip
    clip_offset : np.ndarray [shape=(n_clips,)] the clip's row in its shard
    clip_shape : (n_mels, n_frames)
    """

    def __init__(self, folder: Path, shards: dict, clip_shard, clip_offset, clip_shape):
        self._shards = [
            _Shard(Path(folder) / f"{name}.npy", digest) for name, digest in shards.items()
        ]
        self._clip_shard = np.asarray(clip_shard, dtype=np.int32)
        self._clip_offset = np.asarray(clip_offset, dtype=np.int64)
        self.shape = (len(self._clip_shard), *clip_shape)

    def verify(self) -> None:
        """Check every shard against its SHA-256 now (DatasetError when one fails)."""
        for shard in self._shards:
            shard._open()

    def subset(self, rows) -> ShardClips:
        rows = np.asarray(rows, dtype=np.int64)
        out = ShardClips.__new__(ShardClips)
        used = np.unique(self._clip_shard[rows])
        out._shards = [self._shards[s] for s in used]
        out._clip_shard = np.searchsorted(used, self._clip_shard[rows]).astype(np.int32)
        out._clip_offset = self._clip_offset[rows]
        out.shape = (len(rows), *self.shape[1:])
        return out

    def codes(self, rows):
        out = np.empty((len(rows), *self.shape[1:]), dtype=CODE_DTYPE)
        which = self._clip_shard[rows]
        for s in np.unique(which):
            sel = np.flatnonzero(which == s)
            out[sel] = self._shards[s].read(self._clip_offset[rows[sel]])
        return out


class ConcatClips(ClipStore):
    """Several stores one after another (datasets pooled for training)."""

    def __init__(self, stores: Sequence[ClipStore]):
        self._stores = list(stores)
        self._ends = np.cumsum([len(s) for s in self._stores])
        self.shape = (int(self._ends[-1]), *self._stores[0].shape[1:])

    def codes(self, rows):
        out = np.empty((len(rows), *self.shape[1:]), dtype=CODE_DTYPE)
        which = np.searchsorted(self._ends, rows, side="right")
        for s in np.unique(which):
            sel = np.flatnonzero(which == s)
            start = self._ends[s - 1] if s else 0
            out[sel] = self._stores[s].codes(rows[sel] - start)
        return out
