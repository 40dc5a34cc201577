"""The playlist table every reader returns: its columns, held as integer codes.

Columns (:data:`COLUMNS`): ``playlist_id``, ``track_id``, ``position`` (int32, 0-based within the
playlist), ``title``, ``artist``, ``playlist_name``. The text columns are integer codes into
their distinct values (pandas ``category``, a dictionary column in Parquet; :func:`compact`), so
a Million-Playlist-sized table costs about 30 bytes an entry where plain strings cost about 100
(docs/BENCHMARKS.md). Tables are joined with :func:`concat_playlists`, which keeps them coded
(``pd.concat`` would decode them).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..limits import check_count, check_int, limits

COLUMNS = ["playlist_id", "track_id", "position", "title", "artist", "playlist_name"]
TEXT_COLUMNS = ("playlist_id", "track_id", "title", "artist", "playlist_name")


def compact(playlists: pd.DataFrame) -> pd.DataFrame:
    """``playlists`` with its text columns as codes (``category``) and ``position`` as int32."""
    out = playlists.copy(deep=False)
    for col in TEXT_COLUMNS:
        if col in out and not isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(str).astype("category")
    if "position" in out and out["position"].dtype != np.int32:
        out["position"] = out["position"].astype(np.int32)
    return out


def concat_playlists(frames: list[pd.DataFrame], *, batch: int = 64) -> pd.DataFrame:
    """Tables stacked in order, text columns kept coded: their distinct values are united and
    the codes renumbered (``union_categoricals``), ``batch`` tables at a time so the peak stays
    near the size of the result."""
    from pandas.api.types import union_categoricals

    def join(group: list[pd.DataFrame]) -> pd.DataFrame:
        group = [compact(f) for f in group]
        cols = {}
        for col in group[0].columns:
            if isinstance(group[0][col].dtype, pd.CategoricalDtype):
                cols[col] = union_categoricals([f[col] for f in group])
            else:
                cols[col] = np.concatenate([f[col].to_numpy() for f in group])
        return pd.DataFrame(cols)

    if not frames:
        return compact(pd.DataFrame({c: [] for c in COLUMNS}).astype({"position": np.int32}))
    done = list(frames)
    while len(done) > 1:
        done = [join(done[i : i + batch]) for i in range(0, len(done), batch)]
    return compact(done[0])


class _TextColumn:
    """One text column read an entry at a time, kept as Arrow text and 32-bit codes.

    Values wait in a list of at most :data:`BATCH`; each full batch is dictionary-encoded by
    Arrow, and the batches' distinct values are merged into one distinct array, old values
    first, so earlier codes never change. A merge happens when the waiting distinct values
    outnumber the merged ones, so hashing stays proportional to the text. Memory is about the
    distinct values' bytes plus 4 bytes an entry — no Python object per value.
    """

    def __init__(self):
        self._distinct = pa.array([], type=pa.large_string())
        self._codes: list[np.ndarray] = []  # codes into _distinct
        self._waiting: list[tuple] = []  # (batch's distinct values, codes into them)
        self._waiting_size = 0
        self.batch: list[str] = []

    def flush(self) -> pa.Array:
        """Encode the batch; returns it as Arrow text (for checks) before it is dropped."""
        values = pa.array(self.batch, type=pa.large_string())
        self.batch = []
        encoded = values.dictionary_encode()
        self._waiting.append((encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False)))
        self._waiting_size += len(encoded.dictionary)
        if self._waiting_size >= max(len(self._distinct), BATCH):
            self._merge()
        return values

    def _merge(self) -> None:
        if not self._waiting:
            return
        # Codes by first appearance, over the chunks as they are (no joined copy): the values
        # already merged come first and keep their codes.
        known = [self._distinct] if len(self._distinct) else []  # Arrow drops empty chunks
        every = pa.chunked_array(known + [d for d, _ in self._waiting])
        encoded = every.dictionary_encode()
        assert encoded.num_chunks == len(known) + len(self._waiting)
        for chunk, (_, codes) in zip(encoded.chunks[len(known) :], self._waiting):
            new_code = chunk.indices.to_numpy(zero_copy_only=False).astype(np.int32)
            self._codes.append(new_code[codes])
        self._distinct = encoded.chunks[0].dictionary
        self._waiting, self._waiting_size = [], 0
        del every, encoded
        pa.default_memory_pool().release_unused()  # what the merge held goes back now

    def categorical(self) -> pd.Categorical:
        """Every entry's value, categories sorted."""
        self._merge()
        order = pc.sort_indices(self._distinct).to_numpy()
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        codes = rank[np.concatenate(self._codes)] if self._codes else np.zeros(0, np.int32)
        categories = pd.Index(pd.array(self._distinct.take(order), dtype="str"))
        return pd.Categorical.from_codes(codes, dtype=_distinct_dtype(categories))


def _distinct_dtype(categories: pd.Index) -> pd.CategoricalDtype:
    """The dtype of categories known to be distinct (Arrow's dictionary made them). pandas would
    check them again by building a hash table of one Python string per value — as much memory
    as the whole table — so its own unchecked constructor is used where this pandas has it."""
    unchecked = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return unchecked(categories, False) if unchecked else pd.CategoricalDtype(categories)


BATCH = 16_384  # entries a text column holds as Python strings before Arrow encodes them


class TableBuilder:
    """Playlist entries added one at a time, held as codes from the first one.

    Text is encoded by Arrow a batch at a time (:class:`_TextColumn`), so reading a file costs
    about what its table will — the distinct values' bytes and five 32-bit integers an entry —
    not a Python object per value. Positions are range-checked (0 to 2³¹ − 1, never wrapped),
    values are at most :attr:`songsim.limits.Limits.line_chars` characters, and the entry count
    is bounded by :attr:`songsim.limits.Limits.entries`; each raises ``error`` naming ``label``.
    """

    _TEXT = ("playlist_id", "track_id", "title", "artist")

    def __init__(self, label: str, error):
        from array import array

        lim = limits()  # read once a file: add() runs once an entry
        self.label, self.error = label, error
        self.max_entries, self.max_chars = lim.entries, lim.line_chars
        self._columns = [_TextColumn() for _ in self._TEXT]
        self._position = array("i")

    def __len__(self) -> int:
        return len(self._position)

    def add(self, playlist_id: str, track_id: str, position: int, title="", artist="") -> None:
        check_int(position, self.label, "position", self.error)
        columns = self._columns
        columns[0].batch.append(playlist_id)
        columns[1].batch.append(track_id)
        columns[2].batch.append(title)
        columns[3].batch.append(artist)
        self._position.append(position)
        if len(self._position) > self.max_entries:
            check_count(len(self._position), self.label, error=self.error)
        if len(columns[0].batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        first = len(self) - len(self._columns[0].batch)
        for col, column in zip(self._TEXT, self._columns):
            values = column.flush()
            too_long = pc.greater(pc.utf8_length(values), self.max_chars)
            if pc.any(too_long).as_py():
                at = pc.index(too_long, True).as_py()
                raise self.error(
                    f"{self.label}: entry {first + at + 1}: {col}: longer than "
                    f"{self.max_chars} characters (limit)"
                )

    def frame(self, names: dict[str, str] | None = None) -> pd.DataFrame:
        """The table (:data:`COLUMNS`, text as sorted categories); ``names`` maps playlist ids to
        their names. Raises ``error`` when no entry was added."""
        if not len(self):
            raise self.error(f"{self.label}: no playlist entries found")
        if self._columns[0].batch:
            self._flush()
        cols = {col: column.categorical() for col, column in zip(self._TEXT, self._columns)}
        cols["position"] = np.frombuffer(self._position, dtype=np.int32).copy()
        df = pd.DataFrame(cols)
        pid = df["playlist_id"].cat  # a name per playlist, spread to its entries by code
        names = names or {}
        name_of = np.array([names.get(p, "") for p in pid.categories] or [""], dtype=object)
        name_codes, distinct_names = pd.factorize(name_of, sort=True)
        df["playlist_name"] = pd.Categorical.from_codes(
            name_codes.astype(np.int32)[pid.codes.to_numpy()], categories=distinct_names
        )
        return df[COLUMNS]


def decode_text(data: bytes, label: str, error, *, fallback: str | None = None) -> str:
    """``data`` as UTF-8 text (a BOM dropped), else decoded as ``fallback`` when given;
    ``error`` naming the offset of the first bad byte otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback:
            return data.decode(fallback, errors="replace")
        raise error(f"{label}: not UTF-8 text (bad byte at offset {exc.start})") from None


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def text_lines(data: bytes, label: str, error) -> Iterator[str]:
    """The lines of UTF-8 ``data`` (a BOM dropped), each with its line end, decoded one at a
    time — so a file is never held twice, as bytes and as text. A line longer than
    :attr:`songsim.limits.Limits.line_chars` characters raises ``error`` before it becomes a
    string (a 48 MB one-line CSV becomes no row); so does a bad byte, with its offset."""
    lim = limits().line_chars
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    for number, match in enumerate(_LINE.finditer(data, start), start=1):
        begin, end = match.span()
        if (
            end - begin > lim
            and (  # in bytes; then in characters (at most 4 bytes each)
                end - begin > 4 * (lim + 2)
                or len(data[begin:end].rstrip(b"\r\n").decode("utf-8", errors="replace")) > lim
            )
        ):
            raise error(f"{label}: line {number}: longer than {lim} characters (limit)")
        try:
            yield match.group().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(
                f"{label}: not UTF-8 text (bad byte at offset {begin + exc.start})"
            ) from None


def spotify_id(uri: str) -> str:
    """The bare track id of ``spotify:track:ID``, ``https://open.spotify.com/track/ID?…`` or ``ID``."""
    uri = uri.strip()
    if uri.startswith("spotify:track:"):
        return uri[len("spotify:track:") :]
    if "open.spotify.com/" in uri and "/track/" in uri:
        return uri.split("/track/", 1)[1].split("?")[0].strip("/")
    return uri
