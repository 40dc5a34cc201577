"""A dataset's link to the user's music server: what the server holds, and which of its songs
are which of the dataset's tracks.

The link is kept inside the dataset's entry, as an atomic versioned folder of its own
(``<entry>/link/``, :mod:`songsim.storage`):

================== ===============================================================
link.json          server address, user, path map, when, the playlists songsim made there
songs.parquet      every song the server showed: server_id, path, title, artist,
                   artist_id, album, duration (s)
playlists.parquet  the server's playlists: playlist_id, playlist_name, position, server_id
================== ===============================================================

Never a password or a token. Server songs are matched to tracks (:func:`match_songs`) by their
path — after ``path_map`` (``SERVER_PREFIX=LOCAL_PREFIX``), by :func:`~songsim.data.matching.
entry_resolver`'s rules, so an absolute server path matches the track whose id is its tail —
then, for songs whose path names no track (Navidrome reports tag-made paths unless "Report Real
Path" is on), by artist and title where those are unique and the durations agree within
:data:`DURATION_TOLERANCE` seconds.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..storage import current_version, new_version, read_current, read_manifest, write_manifest
from .matching import EXAMPLES, entry_resolver

FOLDER = "link"
#: Playlist ids of the server's playlists in a dataset's playlist table start with this.
SERVER_PLAYLIST = "server:"
#: Seconds two durations may differ by for a song matched by artist and title.
DURATION_TOLERANCE = 3.0
SONG_COLUMNS = ["server_id", "path", "title", "artist", "artist_id", "album", "duration"]
PLAYLIST_COLUMNS = ["playlist_id", "playlist_name", "position", "server_id"]


@dataclasses.dataclass
class Link:
    """What a dataset knows of its server (the module docstring's files).

    Attributes
    ----------
    url, user : str
    path_map : list of (server prefix, local prefix)
    refreshed_at : str               ISO time of the last read of the server
    made : dict                      playlist name → server playlist id, for playlists songsim made
    songs : pd.DataFrame             :data:`SONG_COLUMNS`
    playlists : pd.DataFrame         :data:`PLAYLIST_COLUMNS`
    """

    url: str
    user: str | None
    path_map: list
    refreshed_at: str
    made: dict
    songs: pd.DataFrame
    playlists: pd.DataFrame

    def header(self) -> dict:
        return {
            "url": self.url,
            "user": self.user,
            "path_map": [list(p) for p in self.path_map],
            "refreshed_at": self.refreshed_at,
            "made": dict(self.made),
        }


def songs_table(songs: list[dict]) -> pd.DataFrame:
    """Subsonic song objects (``id``, ``path``, ``title``, ``artist``, ``artistId``, ``album``,
    ``duration``) → :data:`SONG_COLUMNS`."""

    def text(song, key):
        value = song.get(key)
        return "" if value is None else str(value)

    def seconds(song):
        try:
            return float(song.get("duration"))
        except (TypeError, ValueError):
            return float("nan")

    return pd.DataFrame(
        {
            "server_id": [text(s, "id") for s in songs],
            "path": [text(s, "path") for s in songs],
            "title": [text(s, "title") for s in songs],
            "artist": [text(s, "artist") for s in songs],
            "artist_id": [text(s, "artistId") for s in songs],
            "album": [text(s, "album") for s in songs],
            "duration": np.array([seconds(s) for s in songs], dtype=np.float64),
        },
        columns=SONG_COLUMNS,
    )


def parse_path_map(items: list[str]) -> list[tuple[str, str]]:
    """``["SERVER_PREFIX=LOCAL_PREFIX", …]`` → pairs; :class:`DatasetError` for a malformed one."""
    pairs = []
    for item in items:
        server, sep, local = item.partition("=")
        if not sep or not server:
            raise DatasetError(f"--path-map '{item}': write it as SERVER_PREFIX=LOCAL_PREFIX")
        pairs.append((server, local))
    return pairs


# -- matching ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Match:
    """Server songs against a track table.

    Attributes
    ----------
    song_row : np.ndarray [shape=(n_server_songs,)] int   track row of each server song, -1 if none
    by_tags : int                                          songs matched by artist and title
    """

    song_row: np.ndarray
    by_tags: int

    def server_ids(self, songs: pd.DataFrame, n_tracks: int, track_songs=None) -> np.ndarray:
        """``(n_tracks,)`` object: the server id of each track (the first server song matched to
        it, else — given ``track_songs``, each track's song — one of a copy's), None where the
        server has none."""
        out = np.full(n_tracks, None, dtype=object)
        ids = songs["server_id"].to_numpy(dtype=object)
        for i in np.flatnonzero(self.song_row >= 0)[::-1]:  # the first song wins
            out[self.song_row[i]] = ids[i]
        if track_songs is not None:
            by_song: dict = {}
            for row, sid in enumerate(out):
                if sid is not None:
                    by_song.setdefault(int(track_songs[row]), sid)
            for row in np.flatnonzero(out == None):  # noqa: E711 (element-wise)
                out[row] = by_song.get(int(track_songs[row]))
        return out


def match_songs(
    songs: pd.DataFrame, tracks: pd.DataFrame, *, path_map=(), root: str | None = None
) -> Match:
    """Which track each server song is (module docstring). ``root``: the dataset's folder, so
    that a mapped absolute path is made relative to it first."""
    ids = tracks["track_id"].astype(str).tolist()
    resolve = entry_resolver(ids)
    row_of = {t: i for i, t in enumerate(ids)}
    rows = np.full(len(songs), -1, dtype=np.int64)
    for i, path in enumerate(songs["path"].astype(str)):
        local = _mapped(path.replace("\\", "/"), path_map, root)
        found = resolve(local) if local else None
        rows[i] = row_of[found] if found is not None else -1
    by_tags = _match_by_tags(songs, tracks, rows)
    return Match(rows, by_tags)


def _mapped(path: str, path_map, root: str | None) -> str:
    for server, local in path_map:
        if path.startswith(server):
            path = local.rstrip("/") + "/" + path[len(server) :].lstrip("/")
            break
    if root and path.startswith(root.rstrip("/") + "/"):
        path = path[len(root.rstrip("/")) + 1 :]
    return path


def _match_by_tags(songs: pd.DataFrame, tracks: pd.DataFrame, rows: np.ndarray) -> int:
    """Fill ``rows`` (in place) for songs whose path named no track, by unique (artist, title)."""
    if not (rows < 0).any():
        return 0
    taken = set(rows[rows >= 0].tolist())
    keys = (
        tracks["artist"].fillna("").astype(str).str.casefold()
        + "\t"
        + tracks["title"].fillna("").astype(str).str.casefold()
    ).tolist()
    counts = pd.Series(keys).value_counts()
    unique = {k: i for i, k in enumerate(keys) if counts[k] == 1 and i not in taken}
    durations = tracks["duration"].to_numpy(dtype=np.float64)
    found = 0
    for i in np.flatnonzero(rows < 0):
        song = songs.iloc[i]
        key = f"{str(song['artist']).casefold()}\t{str(song['title']).casefold()}"
        row = unique.pop(key, None)
        if row is None:
            continue
        if (
            np.isfinite(song["duration"])
            and abs(durations[row] - song["duration"]) > DURATION_TOLERANCE
        ):
            unique[key] = row
            continue
        rows[i] = row
        found += 1
    return found


def summary(link: Link, match: Match, tracks: pd.DataFrame) -> dict:
    """Counts and first examples of a link for ``info``, the Data page and ``link``'s line."""
    matched = match.song_row >= 0
    on_server = np.zeros(len(tracks), dtype=bool)
    on_server[match.song_row[matched]] = True
    return {
        "url": link.url,
        "user": link.user,
        "refreshed_at": link.refreshed_at,
        "server_songs": int(len(link.songs)),
        "matched": int(matched.sum()),
        "matched_by_tags": int(match.by_tags),
        "server_songs_not_in_dataset": int((~matched).sum()),
        "server_examples": link.songs["path"][~matched].head(EXAMPLES).tolist(),
        "tracks_not_on_server": int((~on_server).sum()),
        "track_examples": tracks["track_id"][~on_server].head(EXAMPLES).astype(str).tolist(),
        "playlists": int(link.playlists["playlist_id"].nunique()),
        "made_by_songsim": len(link.made),
    }


def playlist_table(link: Link, match: Match, tracks: pd.DataFrame) -> pd.DataFrame:
    """The server's playlists (not those songsim made) as rows of the dataset's playlist table
    (:data:`songsim.io.table.COLUMNS`), each entry naming its track's id; entries of songs the
    dataset lacks are left out."""
    made = set(map(str, link.made.values()))
    pl = link.playlists[~link.playlists["playlist_id"].astype(str).isin(made)]
    row_of = dict(zip(link.songs["server_id"], match.song_row))
    rows = np.array([row_of.get(s, -1) for s in pl["server_id"]], dtype=np.int64)
    pl, rows = pl[rows >= 0], rows[rows >= 0]
    ids = tracks["track_id"].astype(str).to_numpy()
    return pd.DataFrame(
        {
            "playlist_id": SERVER_PLAYLIST + pl["playlist_id"].astype(str),
            "track_id": ids[rows],
            "position": pl["position"].to_numpy(dtype=np.int32),
            "title": tracks["title"].astype(str).to_numpy()[rows],
            "artist": tracks["artist"].fillna("").astype(str).to_numpy()[rows],
            "playlist_name": pl["playlist_name"].astype(str),
        }
    ).reset_index(drop=True)


# -- storage -----------------------------------------------------------------------------------


def link_folder(entry: Path) -> Path:
    return entry / FOLDER


def save_link(entry: Path, link: Link) -> None:
    """Write ``link`` as the new version of ``<entry>/link/`` (atomic)."""
    with new_version(link_folder(entry)) as folder:
        (folder / "link.json").write_text(json.dumps(link.header(), indent=2, sort_keys=True))
        link.songs[SONG_COLUMNS].to_parquet(folder / "songs.parquet", index=False)
        link.playlists[PLAYLIST_COLUMNS].to_parquet(folder / "playlists.parquet", index=False)
        write_manifest(folder, {"kind": "subsonic-link"})


def load_link(entry: Path) -> Link | None:
    """The dataset's link, or None when it has none; :class:`DatasetError` when it is damaged."""
    if current_version(link_folder(entry)) is None:
        return None

    def load(folder):
        read_manifest(folder, verify=True)
        try:
            header = json.loads((folder / "link.json").read_text())
            return Link(
                url=header["url"],
                user=header.get("user"),
                path_map=[tuple(p) for p in header.get("path_map", [])],
                refreshed_at=header.get("refreshed_at", ""),
                made=dict(header.get("made", {})),
                songs=pd.read_parquet(folder / "songs.parquet"),
                playlists=pd.read_parquet(folder / "playlists.parquet"),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DatasetError(f"{folder}: the server link cannot be read ({exc})") from None

    return read_current(link_folder(entry), load)


def empty_playlists() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in PLAYLIST_COLUMNS}).astype(
        {"position": np.int32}
    )
