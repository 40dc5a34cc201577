"""Playlist entries → tracks: which ingested track each entry of a playlist file names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.table import TEXT_COLUMNS, compact

#: Unmatched entries named to the user (the count says how many there are).
EXAMPLES = 5


def match_tracks(
    playlists: pd.DataFrame, tracks: pd.DataFrame, *, examples: list[str] | None = None
) -> tuple[pd.DataFrame, int]:
    """Map playlist entries to ingested tracks; return the matched rows and the unmatched count
    (the first :data:`EXAMPLES` + 1 distinct unmatched entries are appended to ``examples`` when
    given: one more than is shown says there are more).

    An entry matches a track, in this order: when it equals its ``track_id`` (a relative path for
    audio, the file stem for PNGs); when a trailing part of its path does (``/home/u/Music/Rock/a.mp3``
    → ``Rock/a.mp3``), the longest first, then the same ignoring case (Windows paths); and — where
    unique — when its file name or its file name without extension equals the track's. URLs
    (``http://…``) never match.
    """
    resolve = entry_resolver(tracks["track_id"].astype(str).tolist())

    playlists = compact(playlists)
    entries = playlists["track_id"].cat  # each distinct entry is resolved once
    codes, matched_ids = pd.factorize(np.array([resolve(e) for e in entries.categories], object))
    if examples is not None:
        examples.extend(entries.categories[codes < 0][: EXAMPLES + 1].astype(str))
    entry_codes = entries.codes.to_numpy()
    per_row = np.where(entry_codes >= 0, codes[entry_codes], -1) if len(codes) else entry_codes
    keep = per_row >= 0
    matched = playlists[keep].reset_index(drop=True)
    matched["track_id"] = pd.Categorical.from_codes(per_row[keep], categories=matched_ids)
    for col in TEXT_COLUMNS:
        if col in matched:
            matched[col] = matched[col].cat.remove_unused_categories()
    return matched, int((~keep).sum())


def entry_resolver(ids: list[str]):
    """A function from a playlist entry (a path, an id, a file name) to the track id in ``ids``
    it names, or None, by :func:`match_tracks`' rules."""
    by_id = {t: t for t in ids}
    by_lower = _unique_map(ids, str.lower)
    by_name, by_stem = (
        _unique_map(ids, lambda t: t.rsplit("/", 1)[-1]),
        _unique_map(ids, lambda t: t.rsplit("/", 1)[-1].rsplit(".", 1)[0]),
    )
    # A trailing part of an entry can only equal a track id of as many folders: only the last
    # `depth` parts of an entry are ever joined, so matching is linear in the entry's length.
    depth = max((t.count("/") + 1 for t in ids), default=1)

    def resolve(entry: str) -> str | None:
        if entry in by_id:
            return entry
        if "://" in entry:
            return None
        pieces = entry.rsplit("/", depth)
        parts = pieces[1:] if len(pieces) > depth else pieces
        tails = ["/".join(parts[k:]) for k in range(len(parts))]
        for lookup, key in ((by_id, str), (by_lower, str.lower)):
            found = next((lookup[key(t)] for t in tails if key(t) in lookup), None)
            if found:
                return found
        name = parts[-1]
        return by_name.get(name) or by_stem.get(name) or by_stem.get(name.rsplit(".", 1)[0])

    return resolve


def _unique_map(ids: list[str], key) -> dict[str, str]:
    seen: dict[str, str | None] = {}
    for t in ids:
        k = key(t)
        seen[k] = None if k in seen else t
    return {k: v for k, v in seen.items() if v is not None}
