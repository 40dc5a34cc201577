"""One cache interface for the steps, with a back-end for each place results live.

A step's result is found by its :class:`StepKey`: the step's name, a fingerprint of the step's
input, its frozen parameter object, and the version of the code that computes it
(:func:`code_version`), so a result of other code or other parameters is never reused. A step
asks ``cache.get(key, compute)`` and gets the stored result or what ``compute()`` returns.

============  ==============================================================  ================
back-end      keeps                                                           used by
============  ==============================================================  ================
NoCache       nothing: computes every time                                     default of steps
MemoryCache   the latest ``max_entries`` results in this process               tests, benches
DiskCache     arrays as an atomic version folder (:mod:`songsim.storage`) per  embeddings: the
              entry, read back across processes; values need a :class:`Codec`  CLI and benches
StreamlitCache  Streamlit's ``st.cache_data`` / ``st.cache_resource``          the dashboard
              (:mod:`songsim.ui.stepcache`)
============  ==============================================================  ================

A result asked for with ``shared=True`` (a graph, t-SNE's neighbours) is the same object for
every caller and must be treated as read-only; other results may be copies.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from . import __version__
from .errors import DatasetError
from .storage import check_name, current_version, new_version, read_manifest, write_manifest

log = logging.getLogger("songsim")
T = TypeVar("T")
PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_version(*parts: str) -> str:
    """The package version and a digest of the source of ``parts`` (modules or sub-packages of
    songsim, as paths: ``"analysis/clustering.py"``, ``"models"``): the code a step's results
    depend on. Front-end code (``ui``, ``cli``) is left out, since it does not change numbers."""
    h = hashlib.sha256()
    for part in sorted(parts):
        path = PACKAGE / part
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(file.relative_to(PACKAGE).as_posix().encode())
            h.update(file.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


def array_key(X: np.ndarray) -> str:
    """A fingerprint of an array's values, shape and dtype (SHA-256, 32 hex digits)."""
    X = np.ascontiguousarray(X)
    h = hashlib.sha256(f"{X.dtype.str}{X.shape}".encode())
    h.update(X.data)
    return h.hexdigest()[:32]


def _plain(value):
    """Parameters as JSON-able values (frozen dataclasses as their fields, ranges as lists,
    arrays as their :func:`array_key`, objects with a ``cache_identity()`` as what it returns)."""
    if hasattr(value, "cache_identity"):
        return _plain(value.cache_identity())
    if isinstance(value, np.ndarray):
        return {"array": array_key(value if value.dtype != object else value.astype(str))}
    if dataclasses.is_dataclass(value):
        return {"type": type(value).__name__, **_plain(dataclasses.asdict(value))}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple, range)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


@dataclasses.dataclass(frozen=True)
class StepKey:
    """What identifies one result of one step.

    step : str            the step's name (``"k_sweep"``)
    input : str           a fingerprint of its input (a dataset's, or :func:`array_key`)
    params : object       its parameter object (a frozen dataclass) or a dict of plain values
    code : str            :func:`code_version` of the code that computes it
    name : str | None     the entry's name in a :class:`DiskCache` (one stored result per name:
                          a new key under an old name replaces it); default: the digest
    """

    step: str
    input: str
    params: Any
    code: str = __version__
    name: str | None = None

    @functools.cached_property
    def described(self) -> dict:
        return {
            "step": self.step,
            "input": self.input,
            "params": _plain(self.params),
            "code": self.code,
        }

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 (hex) of the step, input, parameters and code version."""
        text = json.dumps(self.described, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Codec(Generic[T]):
    """How a :class:`DiskCache` stores a value: as named arrays and JSON-able metadata.

    encode : value -> (dict of name -> np.ndarray, dict)
    decode : (dict of name -> np.ndarray, dict) -> value
    """

    encode: Callable[[T], tuple[dict[str, np.ndarray], dict]]
    decode: Callable[[dict[str, np.ndarray], dict], T]


class StepCache:
    """The interface: ``get(key, compute)`` returns the result stored under ``key``, or computes,
    stores and returns it.

    ``codec`` says how to store the value on disk (back-ends in memory ignore it); ``message``
    what a user sees while it computes; ``shared`` that callers share one read-only object."""

    def get(
        self,
        key: StepKey,
        compute: Callable[[], T],
        *,
        codec: Codec[T] | None = None,
        message: str | None = None,
        shared: bool = False,
    ) -> T:
        raise NotImplementedError

    def has(self, key: StepKey) -> bool:
        """Whether a result for ``key`` is stored (without computing it)."""
        return False


class NoCache(StepCache):
    """Computes every time."""

    def get(self, key, compute, *, codec=None, message=None, shared=False):
        return compute()


NO_CACHE = NoCache()


class MemoryCache(StepCache):
    """The latest ``max_entries`` results in this process; threads asking for one key at once
    compute it once."""

    def __init__(self, max_entries: int = 64):
        self.max_entries = max_entries
        self._values: OrderedDict[str, Any] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key, compute, *, codec=None, message=None, shared=False):
        with self._lock:
            if key.digest in self._values:
                self._values.move_to_end(key.digest)
                return self._values[key.digest]
            one = self._locks.setdefault(key.digest, threading.Lock())
        with one:
            with self._lock:
                if key.digest in self._values:
                    return self._values[key.digest]
            value = compute()
            with self._lock:
                self._values[key.digest] = value
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
                self._locks.pop(key.digest, None)
        return value

    def has(self, key):
        return key.digest in self._values


class DiskCache(StepCache):
    """Results as arrays under ``root/<key.name>/`` (an atomic version folder: ``.npy`` files and
    a manifest holding the key), read back by any process while the key matches. Arrays are
    read with ``allow_pickle=False``; an entry that fails its checksums is recomputed. A value
    asked for without a codec is computed and not stored."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _entry(self, key: StepKey) -> Path:
        return self.root / check_name(key.name or key.digest[:32])

    def _manifest(self, key: StepKey, *, verify: bool) -> tuple[Path, dict] | None:
        folder = current_version(self._entry(key))
        if folder is None:
            return None
        try:
            manifest = read_manifest(folder, verify=verify)
        except DatasetError as exc:
            log.warning("recomputing %s: %s", key.step, exc)
            return None
        return (folder, manifest) if manifest.get("key") == key.digest else None

    def has(self, key):
        return self._manifest(key, verify=False) is not None

    def get(self, key, compute, *, codec=None, message=None, shared=False):
        if codec is None:
            return compute()
        found = self._manifest(key, verify=True)
        if found is not None:
            folder, manifest = found
            arrays = {
                n: np.load(folder / f"{n}.npy", allow_pickle=False) for n in manifest["arrays"]
            }
            return codec.decode(arrays, manifest["meta"])
        value = compute()
        arrays, meta = codec.encode(value)
        with new_version(self._entry(key)) as folder:
            for n, a in arrays.items():
                np.save(folder / f"{check_name(n)}.npy", np.asarray(a), allow_pickle=False)
            write_manifest(
                folder, {"key": key.digest, **key.described, "arrays": sorted(arrays), "meta": meta}
            )
        return value
