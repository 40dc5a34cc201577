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
