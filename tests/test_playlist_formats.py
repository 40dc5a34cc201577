"""Playlist files as real players and exporters write them, matched to an ingested library.

The fixtures are modelled on what each program writes (line ends, encodings, URI forms, header
versions); every entry that names a file of the library must match it, and nothing else may.
"""

import gzip
import io
import json
import zipfile

import pandas as pd
import pytest

from songsim.data.ingest import read_playlist_files
from songsim.data.matching import match_tracks
from songsim.errors import PlaylistFormatError, SongsimError
from songsim.io.m3u import normalise_entry
from songsim.io.playlists import COLUMNS, read_playlists

LIBRARY = pd.DataFrame(
    {
        "track_id": [
            "Rock/My Song.mp3",
            "Rock/Ünïcødé – Live.flac",
            "Jazz/Take Five.ogg",
            "Jazz/Blue in Green.ogg",
            "Ambient/drift.wav",
        ]
    }
)


def read(tmp_path, name: str, data: bytes) -> pd.DataFrame:
    path = tmp_path / name
    path.write_bytes(data)
    return read_playlists(path)


def matched(df: pd.DataFrame) -> tuple[list[str], int]:
    m, unmatched = match_tracks(df, LIBRARY)
    return m["track_id"].tolist(), unmatched


# -- M3U / M3U8 ---------------------------------------------------------------------------------

M3U_FIXTURES = {
    # VLC: file:// URIs, percent-encoded UTF-8, #EXTINF with artist, #EXTM3U header, LF
    "vlc.m3u8": (
        "#EXTM3U\n#PLAYLIST:Evening\n#EXTINF:215,Band - My Song\nfile:///home/u/Music/Rock/My%20Song.mp3\n"
        "#EXTINF:301,Ünïcødé – Live\nfile:///home/u/Music/Rock/%C3%9Cn%C3%AFc%C3%B8d%C3%A9%20%E2%80%93%20Live.flac\n"
        "#EXTINF:-1,Radio\nhttp://radio.example.net/stream.mp3\n"
    ).encode(),
    # foobar2000: Windows paths with drive letters and backslashes, UTF-8 with BOM, CRLF
    "foobar.m3u8": "\ufeff#EXTM3U\r\n#EXTINF:324,Dave Brubeck - Take Five\r\nD:\\Music\\Jazz\\Take Five.ogg\r\n"
    "D:\\Music\\Ambient\\drift.wav\r\n".encode("utf-8"),
    # iTunes / Music: CR-only line ends, cp1252 .m3u, Windows paths
    "itunes.m3u": "#EXTM3U\r#EXTINF:337,Miles Davis - Blue in Green\rC:\\Users\\u\\Music\\Jazz\\Blue in Green.ogg\r"
    "#EXTINF:301,Ünïcødé – Live\rC:\\Users\\u\\Music\\Rock\\Ünïcødé – Live.flac\r".encode("cp1252"),
    # Strawberry: relative paths with .. segments, #EXTINF without artist
    "strawberry.m3u": b"#EXTM3U\n#EXTINF:215,My Song\n../Music/Rock/My Song.mp3\n#EXTINF:120,drift\n../Music/./Ambient/drift.wav\n",
    # Rhythmbox: file:// URIs, no #EXTINF
    "rhythmbox.m3u8": b"file:///home/u/Music/Jazz/Take%20Five.ogg\nfile:///home/u/Music/Jazz/Blue%20in%20Green.ogg\n",
    # MPD (the music player daemon): paths relative to its music folder, percent-encoded by some clients
    "mpd.m3u": b"Rock/My%20Song.mp3\nAmbient/drift.wav\nJazz/missing.ogg\n",
}

M3U_EXPECTED = {
    "vlc.m3u8": (["Rock/My Song.mp3", "Rock/Ünïcødé – Live.flac"], 1),
    "foobar.m3u8": (["Jazz/Take Five.ogg", "Ambient/drift.wav"], 0),
    "itunes.m3u": (["Jazz/Blue in Green.ogg", "Rock/Ünïcødé – Live.flac"], 0),
    "strawberry.m3u": (["Rock/My Song.mp3", "Ambient/drift.wav"], 0),
    "rhythmbox.m3u8": (["Jazz/Take Five.ogg", "Jazz/Blue in Green.ogg"], 0),
    "mpd.m3u": (["Rock/My Song.mp3", "Ambient/drift.wav"], 1),
}


@pytest.mark.parametrize("name", sorted(M3U_FIXTURES))
def test_m3u_as_players_write_it(tmp_path, name):
    df = read(tmp_path, name, M3U_FIXTURES[name])
    assert list(df.columns) == COLUMNS
    assert matched(df) == M3U_EXPECTED[name]
    assert df["position"].tolist() == list(range(len(df)))


def test_m3u_titles_artists_and_playlist_name(tmp_path):
    vlc = read(tmp_path, "vlc.m3u8", M3U_FIXTURES["vlc.m3u8"])
    assert vlc["title"].tolist()[:2] == ["My Song", "Ünïcødé – Live"]
    assert vlc["artist"].tolist()[:2] == ["Band", ""]
    assert set(vlc["playlist_name"]) == {"Evening"}
    assert (
        vlc["track_id"].iloc[2] == "http://radio.example.net/stream.mp3"
    )  # kept, reported unmatched
    straw = read(tmp_path, "strawberry.m3u", M3U_FIXTURES["strawberry.m3u"])
    assert straw["title"].tolist() == ["My Song", "drift"] and set(straw["artist"]) == {""}
    assert set(straw["playlist_name"]) == {""}


@pytest.mark.parametrize(
    "entry, path",
    [
        ("file:///home/u/A%20B.mp3", "/home/u/A B.mp3"),
        ("file://localhost/home/u/x.mp3", "/home/u/x.mp3"),
        ("file:///C:/Music/a%23b.flac", "/Music/a#b.flac"),
        ("C:\\Music\\Rock\\x.mp3", "/Music/Rock/x.mp3"),
        ("..\\..\\Rock\\x.mp3", "../../Rock/x.mp3"),
        ("a/./b/../c.ogg", "a/c.ogg"),
        ("Rock/50%25 off.mp3", "Rock/50% off.mp3"),
        ("https://example.com/a%20b.mp3", "https://example.com/a%20b.mp3"),
    ],
)
def test_normalise_entry(entry, path):
    assert normalise_entry(entry) == path


def test_urls_never_match_by_their_tail():
    df = pd.DataFrame(
        {
            "playlist_id": "p",
            "track_id": ["http://host/Rock/My Song.mp3"],
            "position": 0,
            "title": "",
            "artist": "",
            "playlist_name": "",
        }
    )
    assert matched(df) == ([], 1)


def test_windows_case_differences_match():
    df = pd.DataFrame(
        {
            "playlist_id": "p",
            "track_id": ["/Music/ROCK/my song.MP3"],
            "position": 0,
            "title": "",
            "artist": "",
            "playlist_name": "",
        }
    )
    assert matched(df) == (["Rock/My Song.mp3"], 0)


# -- Exportify and DEEJ-A.I. CSV ----------------------------------------------------------------

EXPORTIFY_HEADERS = {
    "original": (
        "Spotify URI,Track Name,Artist Name,Album Name,Disc Number,Track Number,Track Duration (ms),Added By,Added At",
        "spotify:track:{id},{title},{artist},Album,1,1,200000,u,2016-01-01",
    ),
    "original-name": ("Spotify URI,Name,Artist,Album", "spotify:track:{id},{title},{artist},Album"),
    "track-uri-artist-name": (
        "Track URI,Track Name,Artist URI,Artist Name,Album URI,Album Name",
        "spotify:track:{id},{title},spotify:artist:z,{artist},spotify:album:y,Album",
    ),
    "track-uri-artist-names": (
        "Track URI,Track Name,Artist URI(s),Artist Name(s),Album Name,Track Duration (ms)",
        "spotify:track:{id},{title},spotify:artist:z,{artist},Album,1000",
    ),
    "track-uri-newest": (
        "Track URI,Track Name,Album Name,Artist Name(s),Release Date,Duration (ms),Popularity",
        "https://open.spotify.com/track/{id}?si=abc,{title},Album,{artist},2020,1000,50",
    ),
    "fork-spotify-id": (
        "Spotify ID,Artist IDs,Track Name,Album Name,Artist Name(s),Release Date",
        "{id},z,{title},Album,{artist},2020",
    ),
    "fork-track-id": (
        "Track ID,Track Name,Album Name,Artist Name(s),Release Date,Duration (ms)",
        "{id},{title},Album,{artist},2020,1000",
    ),
}
TRACKS = [
    ("4uLU6hMCjMI75M1A2tKUQC", "Never Gonna", "Rick"),
    ("7GhIk7Il098yCjg4BQjzvb", "Take, Five", "Dave"),
]


@pytest.mark.parametrize("version", sorted(EXPORTIFY_HEADERS))
@pytest.mark.parametrize("bom", [False, True])
def test_every_exportify_header_version(tmp_path, version, bom):
    header, row = EXPORTIFY_HEADERS[version]
    lines = [header] + [row.format(id=i, title=f'"{t}"', artist=a) for i, t, a in TRACKS]
    df = read(
        tmp_path, "My Mix.csv", (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode()
    )
    assert df["track_id"].tolist() == [t[0] for t in TRACKS]
    assert df["title"].tolist() == [t[1] for t in TRACKS]
    assert df["artist"].tolist() == [t[2] for t in TRACKS]
    assert set(df["playlist_id"]) == {"My Mix"} and df["position"].tolist() == [0, 1]


def test_deej_rows_with_semicolons(tmp_path):
    df = read(tmp_path, "old.csv", b"p1;a;b;c\r\np2;c;d\r\n")
    assert df[df.playlist_id == "p1"]["track_id"].tolist() == ["a", "b", "c"]
    assert df[df.playlist_id == "p2"]["track_id"].tolist() == ["c", "d"]


@pytest.mark.parametrize(
    "header", ["Title,Artist,Album", "Name;Artist;Duration (ms)", "URL,Song,Added At"]
)
def test_unknown_header_is_an_error_naming_its_columns(tmp_path, header):
    with pytest.raises(PlaylistFormatError) as err:
        read(tmp_path, "export.csv", f"{header}\nx,y,z\n".encode())
    msg = str(err.value)
    assert "export.csv" in msg and "header not recognised" in msg and "\n" not in msg
    assert all(repr(c) in msg for c in header.replace(";", ",").split(","))


# -- Million Playlist Dataset folders -----------------------------------------------------------


def slice_doc(first_pid: int, n: int, *, challenge: bool = False) -> dict:
    playlists = []
    for pid in range(first_pid, first_pid + n):
        pl = {
            "pid": pid,
            "collaborative": "false" if pid % 2 else False,
            "tracks": [
                {"pos": j, "track_uri": f"spotify:track:T{(pid + j) % 7}"} for j in range(3)
            ],
        }
        if not challenge or pid % 3:
            pl["name"] = f"list {pid}"
        if challenge and pid % 4 == 0:
            pl["tracks"] = []
            pl["num_samples"] = 0
        playlists.append(pl)
    return (
        {"playlists": playlists}
        if challenge
        else {"info": {"slice": f"{first_pid}-{first_pid + n - 1}"}, "playlists": playlists}
    )


def test_mpd_folder_of_slices_json_gz_zip(tmp_path):
    data = tmp_path / "mpd" / "data"
    data.mkdir(parents=True)
    (data / "mpd.slice.0-2.json").write_text(json.dumps(slice_doc(0, 3)))
    (data / "mpd.slice.3-5.json.gz").write_bytes(
        gzip.compress(json.dumps(slice_doc(3, 3)).encode())
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mpd.slice.6-8.json", json.dumps(slice_doc(6, 3)))
    (data / "mpd.slice.6-8.zip").write_bytes(buf.getvalue())
    (tmp_path / "mpd" / "README.md").write_text("not a playlist")
    seen = []
    df = read_playlist_files(
        [tmp_path / "mpd"], progress=lambda done, total, msg: seen.append((done, total))
    )
    assert df["playlist_id"].str.split(":").str[1].astype(int).nunique() == 9 and len(df) == 27
    assert df["playlist_name"].str.startswith("list ").all()
    assert seen[-1] == (3, 3)


def test_mpd_challenge_set(tmp_path):
    df = read(tmp_path, "challenge_set.json", json.dumps(slice_doc(0, 12, challenge=True)).encode())
    assert set(df["playlist_id"]) == {
        str(p) for p in range(12) if p % 4
    }  # empty playlists add no entries
    names = df.drop_duplicates("playlist_id").set_index("playlist_id")["playlist_name"]
    assert names["1"] == "list 1" and names["3"] == "" and names["6"] == ""


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SongsimError, match="no playlist files"):
        read_playlist_files([tmp_path / "empty"])


def test_a_huge_field_is_a_clear_error_and_the_csv_limit_stays_global_default(tmp_path):
    import csv

    limit = csv.field_size_limit()
    with pytest.raises(PlaylistFormatError, match="huge.csv: line 2: longer than 32768"):
        read(tmp_path, "huge.csv", b'playlist_id,track_id\np1,"' + b"x" * (limit + 10) + b'"\n')
    assert csv.field_size_limit() == limit == 131072
