"""A music server's songs matched to a dataset's tracks (songsim.data.link.match_songs): by path
— absolute server paths by their tail, --path-map prefixes — then by artist and title where
unique and the durations agree; and the Subsonic client's one-line errors for bad addresses."""

import numpy as np
import pandas as pd
import pytest

from songsim.data.link import match_songs, parse_path_map, songs_table
from songsim.errors import SongsimError
from songsim.io.subsonic import SubsonicClient

TRACKS = pd.DataFrame(
    {
        "track_id": ["Rock/a.flac", "Rock/b.flac", "Jazz/a.flac", "Jazz/Live/c.mp3", "d.ogg"],
        "title": ["Alpha", "Beta", "Alpha", "Gamma", "Delta"],
        "artist": ["Band", "Band", "Trio", "Trio", "Solo"],
        "duration": [200.0, 180.0, 300.0, 240.0, 100.0],
    }
)


def songs(rows):
    return songs_table(
        [
            {"id": f"s{i}", "path": p, "title": t, "artist": a, "duration": d}
            for i, (p, t, a, d) in enumerate(rows)
        ]
    )


def test_paths_match_by_their_tail_and_by_the_path_map():
    server = songs(
        [
            ("/music/Rock/a.flac", "x", "y", 1),  # Navidrome's real path: its tail is the id
            ("Jazz/a.flac", "x", "y", 1),  # supysonic's: relative to its folder
            ("/srv/share/Live/c.mp3", "x", "y", 1),  # only with the map below
            ("/elsewhere/zzz.mp3", "x", "y", 1),  # nothing
        ]
    )
    plain = match_songs(server, TRACKS)
    assert plain.song_row.tolist() == [0, 2, 3, -1]  # c.mp3 is unique by file name
    mapped = match_songs(
        server,
        TRACKS,
        path_map=parse_path_map(["/srv/share=/home/u/Music/Jazz"]),
        root="/home/u/Music",
    )
    assert mapped.song_row.tolist() == [0, 2, 3, -1] and mapped.by_tags == 0
    with pytest.raises(SongsimError, match="SERVER_PREFIX=LOCAL_PREFIX"):
        parse_path_map(["no-equals-sign"])


def test_tag_made_paths_match_by_artist_and_title_when_unique():
    server = songs(
        [
            ("Band/Album/01 - Beta.flac", "Beta", "Band", 181),  # unique, durations agree
            ("Solo/Album/01 - Delta.ogg", "delta", "SOLO", 130),  # unique, but 30 s apart
            ("Band/Album/02 - Alpha.flac", "Alpha", "Trio", 299),  # unique (Trio, Alpha)
            ("X/Y/03 - Gamma.mp3", "Gamma", "Nobody", 240),  # no such artist
        ]
    )
    m = match_songs(server, TRACKS)
    assert m.song_row.tolist() == [1, -1, 2, -1] and m.by_tags == 2
    ids = m.server_ids(server, len(TRACKS))
    assert ids.tolist() == [None, "s0", "s2", None, None]
    # a copy of a track the server has is served under that track's id
    copies = m.server_ids(server, len(TRACKS), np.array([0, 1, 2, 3, 1]))
    assert copies[4] == "s0"


@pytest.mark.parametrize(
    "url, said",
    [
        ("ftp://host", "http://host"),
        ("http://user:pw@host", "must not hold a user or password"),
        ("not a url", "http://host"),
    ],
)
def test_a_bad_server_address_is_one_line(url, said):
    with pytest.raises(SongsimError, match=said) as exc:
        SubsonicClient(url, "u", password="p")
    assert "pw@" not in str(exc.value)  # a secret in the address is never echoed
