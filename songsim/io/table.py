"""The playlist table every reader returns: its columns, held as integer codes.

Columns (:data:`COLUMNS`): ``playlist_id``, ``track_id``, ``position`` (int32, 0-based within the
playlist), ``title``, ``artist``, ``playlist_name``. The text columns are integer codes into
their distinct values (pandas ``category``, a dictionary column in Parquet; :func:`compact`), so
a Million-Playlist-sized table costs about 30 bytes an entry where plain strings cost about 100
(docs/BENCHMARKS.md). Tables are joined with :func:`concat_playlists`, which keeps them coded
(``pd.concat`` would decode them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


class TableBuilder:
    """Playlist entries added one at a time, held as codes from the first one.

    Each text value is stored once and each entry costs five 32-bit integers, so reading a file
    costs about what its table will, not a Python tuple per entry. Positions are range-checked
    (0 to 2³¹ − 1, never wrapped) and the entry count is bounded by
    :attr:`songsim.limits.Limits.entries`; both raise ``error`` naming ``label``.
    """

    _TEXT = ("playlist_id", "track_id", "title", "artist")

    def __init__(self, label: str, error):
        from array import array

        lim = limits()  # read once a file: add() runs once an entry
        self.label, self.error = label, error
        self.max_entries, self.max_chars = lim.entries, lim.line_chars
        self._values: list[dict[str, int]] = [{} for _ in self._TEXT]
        self._codes = [array("i") for _ in self._TEXT]
        self._position = array("i")

    def __len__(self) -> int:
        return len(self._position)

    def add(self, playlist_id: str, track_id: str, position: int, title="", artist="") -> None:
        check_int(position, self.label, "position", self.error)
        for values, codes, value, col in zip(
            self._values, self._codes, (playlist_id, track_id, title, artist), self._TEXT
        ):
            code = values.get(value)
            if code is None:
                if len(value) > self.max_chars:
                    raise self.error(
                        f"{self.label}: entry {len(self) + 1}: {col}: longer than "
                        f"{self.max_chars} characters (limit)"
                    )
                code = values[value] = len(values)
            codes.append(code)
        self._position.append(position)
        if len(self._position) > self.max_entries:
            check_count(len(self._position), self.label, error=self.error)

    def frame(self, names: dict[str, str] | None = None) -> pd.DataFrame:
        """The table (:data:`COLUMNS`, text as sorted categories); ``names`` maps playlist ids to
        their names. Raises ``error`` when no entry was added."""
        if not len(self):
            raise self.error(f"{self.label}: no playlist entries found")
        cols = {}
        for col, values, codes in zip(self._TEXT, self._values, self._codes):
            cats = np.array(list(values), dtype=object)
            order = np.argsort(cats, kind="stable")
            rank = np.empty(len(order), dtype=np.int32)
            rank[order] = np.arange(len(order), dtype=np.int32)
            cols[col] = pd.Categorical.from_codes(
                rank[np.frombuffer(codes, dtype=np.int32)], categories=pd.Index(cats[order])
            )
        cols["position"] = np.frombuffer(self._position, dtype=np.int32).copy()
        df = pd.DataFrame(cols)
        pid = df["playlist_id"].cat
        names = names or {}
        name_of = np.array([names.get(p, "") for p in pid.categories], dtype=object)
        df["playlist_name"] = pd.Categorical(
            name_of[pid.codes.to_numpy()] if names else [""] * len(df)
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


def spotify_id(uri: str) -> str:
    """The bare track id of ``spotify:track:ID``, ``https://open.spotify.com/track/ID?…`` or ``ID``."""
    uri = uri.strip()
    if uri.startswith("spotify:track:"):
        return uri[len("spotify:track:") :]
    if "open.spotify.com/" in uri and "/track/" in uri:
        return uri.split("/track/", 1)[1].split("?")[0].strip("/")
    return uri
