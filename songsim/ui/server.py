"""The dashboard and the user's music server: the link a dataset has, a refresh of it, and
playlists saved to the server (:mod:`songsim.linking`'s steps, for the owner only).

The server's password comes from the dashboard's environment (``SONGSIM_SUBSONIC_PASSWORD`` or
``SONGSIM_SUBSONIC_API_KEY``): it is never typed into a page, shown or stored.
"""

from __future__ import annotations

import pandas as pd

from .. import linking
from ..data.datasets import Dataset
from ..errors import SongsimError
from .library import writes_allowed
from .session import progress_callback


def server_link(ds: Dataset) -> dict | None:
    """What ``ds`` knows of its music server (:func:`songsim.data.link.summary`), or None."""
    return ds.info.get("link")


def server_writable(ds: Dataset) -> str | None:
    """Why this visitor cannot refresh the link or save playlists to the server (None: they can)."""
    if server_link(ds) is None:
        return "This dataset is not linked to a music server (songsim link)."
    if not writes_allowed():
        return "Only the dashboard's owner can talk to the music server."
    if not linking.server_secret():
        return (
            f"Set {linking.PASSWORD_ENV} (or {linking.API_KEY_ENV}) where the dashboard runs to "
            "talk to the music server."
        )
    return None


def _client(ds: Dataset):
    refused = server_writable(ds)
    if refused:
        raise SongsimError(refused)
    return linking.linked_client(server_link(ds), ds.name)


def refresh_link(ds: Dataset, bar) -> dict:
    """Read the server again (owner only): its songs, their match, its playlists."""
    new, counts = linking.link(ds.name, _client(ds), progress=progress_callback(bar))
    return counts


def save_to_server(ds: Dataset, rows: list[int], name: str) -> dict:
    """Save tracks ``rows`` as playlist ``name`` on the linked server (owner only; a playlist
    songsim made of that name is replaced, another is never touched)."""
    return linking.save_playlist(ds, _client(ds), [int(r) for r in rows], name)


def server_playlist_count(ds: Dataset) -> int:
    """How many of ``ds``'s playlists came from its music server."""
    from ..data.link import SERVER_PLAYLIST

    ids = ds.playlists["playlist_id"].astype(str)
    return int(ids[ids.str.startswith(SERVER_PLAYLIST)].nunique())


def save_clusters(ds: Dataset, kind: str, k: int, words: pd.DataFrame | None = None) -> list[dict]:
    """The ``k`` clusters of embedding ``kind`` as playlists ``songsim cluster N`` on the linked
    server (owner only), named by their tags too when ``words`` (:func:`cluster_tags`) is given."""
    from .results import clusters

    groups = clusters(ds, kind, k).astype(object)
    names = {g: f"songsim cluster {g}" for g in range(k)}
    if words is not None:
        for group, tags in zip(words.iloc[:, 0], words.iloc[:, 2]):
            if isinstance(tags, str) and tags and tags != "—":
                names[int(group)] = f"songsim cluster {group}: {tags}"
    return linking.save_groups(ds, _client(ds), groups, names)
