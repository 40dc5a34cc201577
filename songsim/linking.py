"""A dataset and the user's music server: link them (read every song and playlist, match songs
to tracks), refresh the link, and write songsim's playlists to the server.

The steps ``songsim link``, ``ingest`` (of a linked dataset), ``similar --save-to-server``,
``tags --save-to-server``, the Data, Similar songs and Clusters pages and ``songsim serve``
share. The server is reached through :class:`~songsim.io.subsonic.SubsonicClient`; what is kept
is :mod:`songsim.data.link`'s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .data import link as stored
from .data.datasets import Dataset
from .data.store import commit_playlists, dataset_entry, load_dataset
from .errors import SongsimError
from .io.subsonic import SubsonicClient
from .progress import Callback, track

#: Environment variables with the server's password or OpenSubsonic API key.
PASSWORD_ENV, API_KEY_ENV = "SONGSIM_SUBSONIC_PASSWORD", "SONGSIM_SUBSONIC_API_KEY"
#: What songsim writes in the comment of a playlist it made.
MADE_BY = "made by songsim"


def server_secret(password_file: Path | None = None) -> dict:
    """``{"password": …}`` or ``{"api_key": …}`` from ``password_file`` (its first line), else
    from :data:`PASSWORD_ENV` / :data:`API_KEY_ENV`; ``{}`` when there is none."""
    if password_file is not None:
        try:
            text = Path(password_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise SongsimError(f"{password_file}: cannot read the password file ({exc})") from None
        if not text or not text[0].strip():
            raise SongsimError(f"{password_file}: the password file is empty")
        return {"password": text[0].strip()}
    if os.environ.get(API_KEY_ENV):
        return {"api_key": os.environ[API_KEY_ENV]}
    if os.environ.get(PASSWORD_ENV):
        return {"password": os.environ[PASSWORD_ENV]}
    return {}


def connect(url: str, user: str | None, secret: dict) -> SubsonicClient:
    """A checked session (``ping``) with the server; one-line errors otherwise."""
    if not secret:
        raise SongsimError(
            f"no password for {url}: set {PASSWORD_ENV} (or {API_KEY_ENV}) or pass --password-file"
        )
    if "password" in secret and not user:
        raise SongsimError("a password needs a user: pass --user")
    client = SubsonicClient(url, user, **secret)
    client.ping()
    return client


def linked_client(link: dict | None, name: str, password_file: Path | None = None):
    """A checked session with the server of a dataset's link (``info["link"]``), the secret
    from ``password_file`` or the environment; one line when ``name`` has no link."""
    if not link:
        raise SongsimError(f"dataset '{name}' is not linked to a server: run songsim link first")
    return connect(link["url"], link["user"], server_secret(password_file))


def link(
    name: str,
    client: SubsonicClient,
    *,
    path_map: list[tuple[str, str]] | None = None,
    progress: Callback | None = None,
) -> tuple[Dataset, dict]:
    """Read every song and playlist of ``client``'s server, match its songs to dataset
    ``name``'s tracks, keep the link, and put the server's playlists into the dataset's playlist
    table (one new version). ``path_map`` None keeps the previous link's. Returns the new version
    and :func:`songsim.data.link.summary`'s counts."""
    ds = load_dataset(name)
    entry = dataset_entry(name)
    previous = stored.load_link(entry)
    same_server = previous is not None and (previous.url, previous.user) == (
        client.url,
        client.user,
    )
    if path_map is None:
        path_map = previous.path_map if same_server else []
    songs = stored.songs_table(
        list(track(client.songs(), 0, "reading the server's songs", progress))
    )
    playlists = _server_playlists(client, progress)
    listed = set(playlists["playlist_id"])
    made = {n: i for n, i in (previous.made.items() if same_server else []) if i in listed}
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    new = stored.Link(client.url, client.user, list(path_map), now, made, songs, playlists)
    stored.save_link(entry, new)
    return _apply(ds, new)


def relink(
    name: str, client: SubsonicClient | None = None, progress=None
) -> tuple[Dataset, dict] | None:
    """After an update of a linked dataset: read the server again with ``client``, else match the
    songs it showed last time to the new tracks. None for a dataset without a link."""
    previous = stored.load_link(dataset_entry(name))
    if previous is None:
        return None
    if client is not None:
        return link(name, client, progress=progress)
    return _apply(load_dataset(name), previous)


def _apply(ds: Dataset, new: stored.Link) -> tuple[Dataset, dict]:
    match = _match(ds, new)
    counts = stored.summary(new, match, ds.tracks)
    files = ds.playlists[
        ~ds.playlists["playlist_id"].astype(str).str.startswith(stored.SERVER_PLAYLIST)
    ]
    from .io.table import concat_playlists

    table = concat_playlists([files, stored.playlist_table(new, match, ds.tracks)])
    return commit_playlists(ds.name, table, {"link": counts}), counts


def _match(ds: Dataset, new: stored.Link) -> stored.Match:
    root = (ds.info.get("sources") or [None])[0]
    return stored.match_songs(new.songs, ds.tracks, path_map=new.path_map, root=root)


def _server_playlists(client: SubsonicClient, progress) -> pd.DataFrame:
    frames = []
    listed = client.playlists()
    for p in track(listed, len(listed), "reading the server's playlists", progress):
        entries = client.playlist_songs(str(p["id"]))
        frames.append(
            pd.DataFrame(
                {
                    "playlist_id": str(p["id"]),
                    "playlist_name": str(p.get("name") or ""),
                    "position": np.arange(len(entries), dtype=np.int32),
                    "server_id": [str(e.get("id", "")) for e in entries],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else stored.empty_playlists()


@dataclasses.dataclass
class LinkedIds:
    """A dataset's tracks against its linked server: ``server_ids`` ``(n_tracks,)`` object (None
    where the server lacks a track or every copy of it) and ``row_of`` server id → track row."""

    link: stored.Link
    server_ids: np.ndarray
    row_of: dict


def linked_ids(ds: Dataset) -> LinkedIds | None:
    """The server ids of ``ds``'s tracks, or None when ``ds`` has no link."""
    found = stored.load_link(dataset_entry(ds.name)) if ds.info.get("link") else None
    if found is None:
        return None
    match = _match(ds, found)
    ids = found.songs["server_id"].to_numpy(dtype=object)
    row_of = {ids[i]: int(r) for i, r in enumerate(match.song_row) if r >= 0}
    return LinkedIds(found, match.server_ids(found.songs, ds.n_tracks, ds.songs), row_of)


def save_playlist(
    ds: Dataset,
    client: SubsonicClient,
    rows: list[int],
    playlist_name: str,
    *,
    replace: str | None = None,
) -> dict:
    """Put tracks ``rows`` on the linked server as playlist ``playlist_name``: a playlist songsim
    made of that name is replaced (its id kept), as is the server playlist named ``replace``;
    another playlist of that name is never touched. Returns ``{"id", "name", "songs", "missing",
    "replaced"}``."""
    return _Saver(ds, client).save(rows, playlist_name, replace=replace)


def save_groups(
    ds: Dataset, client: SubsonicClient, groups: np.ndarray, names: dict, *, progress=None
) -> list[dict]:
    """Each group of ``groups [shape=(n_tracks,)]`` (a cluster or community per track, None for
    none) as a playlist ``names[group]`` on the linked server — one track per song — by
    :func:`save_playlist`'s rule. Returns what each save did."""
    saver = _Saver(ds, client)
    present = set(groups.tolist())
    wanted = [g for g in names if g in present]
    done = []
    for group in track(wanted, len(wanted), "saving playlists to the server", progress):
        rows = np.flatnonzero(groups == group)
        _, first = np.unique(ds.songs[rows], return_index=True)  # one track per song
        done.append(saver.save(rows[np.sort(first)].tolist(), names[group]))
    return done


class _Saver:
    """Playlists written to the linked server of ``ds``: the link matched and the server's
    playlists listed once, the link kept after each save (which playlists songsim made)."""

    def __init__(self, ds: Dataset, client: SubsonicClient):
        ids = linked_ids(ds)
        if ids is None:
            raise SongsimError(
                f"dataset '{ds.name}' is not linked to a server: run songsim link first"
            )
        if (client.url, client.user) != (ids.link.url, ids.link.user):
            raise SongsimError(f"dataset '{ds.name}' is linked to {ids.link.url}, not {client.url}")
        self.entry, self.client, self.ids = dataset_entry(ds.name), client, ids
        self.on_server = {str(p["id"]): p for p in client.playlists()}

    def save(self, rows: list[int], playlist_name: str, *, replace: str | None = None) -> dict:
        name = " ".join(str(playlist_name).split())
        if not name:
            raise SongsimError("a playlist needs a name")
        songs = [self.ids.server_ids[r] for r in rows]
        present = [s for s in dict.fromkeys(songs) if s is not None]
        if not present:
            raise SongsimError("none of these songs is on the server")
        link = self.ids.link
        target = _target(link.made, self.on_server, name, replace)
        replaced = target is not None
        if replaced:
            self.client.replace_playlist(target, present, comment=MADE_BY)
        else:
            target = self.client.create_playlist(name, present)
            self.client.comment_playlist(target, MADE_BY)
            self.on_server[target] = {"id": target, "name": name}
        self.ids.link = dataclasses.replace(link, made={**link.made, name: target})
        stored.save_link(self.entry, self.ids.link)
        return {
            "id": target,
            "name": name,
            "songs": len(present),
            "missing": len(songs) - len(present),
            "replaced": replaced,
        }


def _target(made: dict, on_server: dict, name: str, replace: str | None) -> str | None:
    """The id of the server playlist to replace, None for a new one (module rule)."""
    if replace is not None:
        hits = [i for i, p in on_server.items() if p.get("name") == replace or i == replace]
        if len(hits) != 1:
            raise SongsimError(
                f"--replace '{replace}': {len(hits)} server playlists have that name or id"
            )
        return hits[0]
    mine = made.get(name)
    if mine is not None and mine in on_server:
        return mine
    if any(p.get("name") == name for p in on_server.values()):
        raise SongsimError(
            f"the server has a playlist named '{name}' that songsim did not make: choose another "
            "name, or pass --replace to overwrite it"
        )
    return None
