import gzip
import io
import json
import zipfile

import pandas as pd
import pytest

from songsim.data.matching import match_tracks
from songsim.errors import PlaylistFormatError
from songsim.io.playlists import COLUMNS, read_playlists


def write(tmp_path, name, content, mode="w"):
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8", newline="")
    return p


def test_plain_csv_with_bom_crlf_unicode_and_quoted_commas(tmp_path):
    text = (
        '\ufeffplaylist_id,track_id,title\r\np1,t1,"Hello, World"\r\np1,t2,Ünïcødé ♪\r\np2,t1,x\r\n'
    )
    df = read_playlists(write(tmp_path, "a.csv", text))
    assert list(df.columns) == COLUMNS
    assert df["playlist_id"].tolist() == ["p1", "p1", "p2"]
    assert df["title"].tolist() == ["Hello, World", "Ünïcødé ♪", "x"]
    assert df["position"].tolist() == [0, 1, 0]


def test_deej_rows(tmp_path):
    df = read_playlists(write(tmp_path, "d.csv", "p1,a,b,c\np2,c,d\n"))
    assert df[df.playlist_id == "p1"]["track_id"].tolist() == ["a", "b", "c"]
    assert df[df.playlist_id == "p2"]["position"].tolist() == [0, 1]


@pytest.mark.parametrize(
    "content, needle",
    [
        ("", "empty"),
        ("\r\n\r\n", "empty"),
        ("playlist_id,song\np1,t1\n", "missing column 'track_id'"),
        ("playlist_id,track_id\np1\n", "line 2"),
        ("playlist_id,track_id\np1,\n", "line 2: empty"),
        ("p1\n", "line 1"),
        ("playlist_id,track_id,position\np1,t1,first\n", "not an integer"),
    ],
)
def test_bad_csv_names_file_and_problem(tmp_path, content, needle):
    p = write(tmp_path, "bad.csv", content)
    with pytest.raises(PlaylistFormatError) as err:
        read_playlists(p)
    assert "bad.csv" in str(err.value) and needle in str(err.value)
    assert "\n" not in str(err.value)


def test_not_utf8(tmp_path):
    with pytest.raises(PlaylistFormatError, match="not UTF-8"):
        read_playlists(write(tmp_path, "x.csv", b"playlist_id,track_id\np1,\xff\xfe\n"))


def mpd_doc():
    return {
        "info": {},
        "playlists": [
            {
                "pid": 7,
                "name": "chill",
                "tracks": [
                    {
                        "pos": 0,
                        "track_uri": "spotify:track:AAA",
                        "track_name": "A",
                        "artist_name": "X",
                    },
                    {
                        "pos": 1,
                        "track_uri": "spotify:track:BBB",
                        "track_name": "B, b",
                        "artist_name": "Y",
                    },
                ],
            },
            {"pid": 8, "name": "two", "tracks": [{"pos": 0, "track_uri": "spotify:track:AAA"}]},
        ],
    }


def test_mpd_plain_gzip_zip(tmp_path):
    raw = json.dumps(mpd_doc()).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data/mpd.slice.0-999.json", raw)
    for name, data in [
        ("s.json", raw),
        ("s.json.gz", gzip.compress(raw)),
        ("s.zip", buf.getvalue()),
    ]:
        df = read_playlists(write(tmp_path, name, data))
        assert df["track_id"].tolist() == ["AAA", "BBB", "AAA"], name
        assert df["playlist_id"].tolist() == ["7", "7", "8"]
        assert df["title"].tolist()[:2] == ["A", "B, b"]


@pytest.mark.parametrize(
    "data, needle",
    [
        (b'{"playlists": [', "invalid JSON"),
        (b'{"info": {}}', "'playlists'"),
        (b'{"playlists": [{"pid": 1}]}', "no playlist entries"),
        (b'{"playlists": [{"name": "x", "tracks": []}]}', "playlists[0]: needs a 'pid'"),
        (b'{"playlists": [{"pid": 1, "tracks": {}}]}', "playlists[0]"),
        (b'{"playlists": [{"pid": 1, "tracks": [{"pos": 0}]}]}', "track_uri"),
        (b"[" * 100000 + b"]" * 100000, "JSON"),
    ],
)
def test_bad_mpd(tmp_path, data, needle):
    with pytest.raises(PlaylistFormatError) as err:
        read_playlists(write(tmp_path, "m.json", data))
    assert "m.json" in str(err.value) and needle in str(err.value)


def test_bad_archives(tmp_path):
    with pytest.raises(PlaylistFormatError, match="gzip"):
        read_playlists(write(tmp_path, "a.json.gz", b"not gzip"))
    with pytest.raises(PlaylistFormatError, match="zip"):
        read_playlists(write(tmp_path, "a.zip", b"PK\x03\x04garbage"))


def test_zip_bomb_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.json", b" " * (50 * 1024 * 1024))
    with pytest.raises(PlaylistFormatError, match=r"decompresses to more than \d+ bytes \(limit\)"):
        read_playlists(write(tmp_path, "bomb.zip", buf.getvalue()))


def test_exportify(tmp_path):
    text = (
        '"Track URI","Track Name","Artist Name(s)","Album Name"\n'
        '"spotify:track:AAA","Song, with comma","Ana","Al"\n'
        '"spotify:track:CCC","Other","Bo","Al"\n'
    )
    df = read_playlists(write(tmp_path, "My Mix.csv", text))
    assert df["playlist_id"].unique().tolist() == ["My Mix"]
    assert df["track_id"].tolist() == ["AAA", "CCC"]
    assert df["title"].tolist() == ["Song, with comma", "Other"]
    assert df["artist"].tolist() == ["Ana", "Bo"]


def test_m3u_extinf_and_matching(tmp_path):
    text = "#EXTM3U\r\n#EXTINF:123,Ana - First Song\r\n../music/rock/one.mp3\r\nC:\\music\\jazz\\two.flac\r\nthree.ogg\r\nmissing.mp3\r\n"
    df = read_playlists(write(tmp_path, "mix.m3u8", text))
    assert df["title"].tolist()[0] == "First Song" and df["artist"].tolist()[0] == "Ana"
    tracks = pd.DataFrame(
        {"track_id": ["rock/one.mp3", "jazz/two.flac", "sub/three.ogg", "x/y.wav"]}
    )
    matched, unmatched = match_tracks(df, tracks)
    assert matched["track_id"].tolist() == ["rock/one.mp3", "jazz/two.flac", "sub/three.ogg"]
    assert unmatched == 1


def test_unknown_ids_are_counted_not_dropped_silently():
    pl = pd.DataFrame(
        {
            "playlist_id": ["p"] * 3,
            "track_id": ["a", "zzz", "b"],
            "position": [0, 1, 2],
            "title": "",
            "artist": "",
        }
    )
    matched, unmatched = match_tracks(pl, pd.DataFrame({"track_id": ["a", "b"]}))
    assert unmatched == 1 and matched["track_id"].tolist() == ["a", "b"]


def test_stem_matches_spotify_named_files():
    pl = pd.DataFrame(
        {
            "playlist_id": ["p"],
            "track_id": ["4uLU6hMCjMI75M1A2tKUQC"],
            "position": [0],
            "title": "",
            "artist": "",
        }
    )
    matched, unmatched = match_tracks(
        pl, pd.DataFrame({"track_id": ["album/4uLU6hMCjMI75M1A2tKUQC.mp3"]})
    )
    assert unmatched == 0 and matched["track_id"].iloc[0] == "album/4uLU6hMCjMI75M1A2tKUQC.mp3"


def test_unknown_extension(tmp_path):
    with pytest.raises(PlaylistFormatError, match="unknown playlist format"):
        read_playlists(write(tmp_path, "a.txt", "x"))
