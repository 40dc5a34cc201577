"""Hostile playlist files: every reader either parses or raises songsim's own one-line error."""

import gzip
import io
import json
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from songsim.errors import PlaylistFormatError
from songsim.io.playlists import COLUMNS, read_playlists
from songsim.io.table import TEXT_COLUMNS

NAMES = ["x.csv", "x.json", "x.json.gz", "x.zip", "x.m3u", "x.m3u8"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(name: str, data: bytes) -> None:
    try:
        df = read_playlists(name, data)
    except PlaylistFormatError as exc:
        msg = str(exc)
        assert msg.startswith(name) and "\n" not in msg
        return
    assert list(df.columns) == COLUMNS and len(df) > 0
    assert df["position"].dtype == "int32"
    assert all(isinstance(df[c].dtype, pd.CategoricalDtype) for c in TEXT_COLUMNS)


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.binary(max_size=2000))
def test_random_bytes(name, data):
    check(name, data)


@FUZZ
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=500),
    name=st.sampled_from(["a.csv", "a.m3u8", "a.json"]),
)
def test_random_text(text, name):
    check(name, text.encode("utf-8"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
mpd_like = st.fixed_dictionaries(
    {
        "playlists": st.lists(
            st.fixed_dictionaries(
                {
                    "pid": json_values,
                    "tracks": st.lists(
                        st.fixed_dictionaries({"track_uri": json_values, "pos": json_values}),
                        max_size=5,
                    ),
                }
            ),
            max_size=5,
        )
    }
)


@FUZZ
@given(doc=st.one_of(json_values, mpd_like), packing=st.sampled_from(["json", "gz", "zip"]))
def test_mpd_shaped_json(doc, packing):
    raw = json.dumps(doc).encode()
    if packing == "gz":
        check("s.json.gz", gzip.compress(raw))
    elif packing == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("s.json", raw)
        check("s.zip", buf.getvalue())
    else:
        check("s.json", raw)


@FUZZ
@given(
    rows=st.lists(st.lists(st.text(max_size=12), max_size=5), max_size=20),
    header=st.sampled_from(["playlist_id,track_id\n", "Track URI,Track Name\n", ""]),
)
def test_csv_shaped(rows, header):
    buf = io.StringIO()
    import csv

    csv.writer(buf).writerows(rows)
    check("p.csv", (header + buf.getvalue()).encode())


def test_nested_json_and_huge_lines_and_duplicates():
    check("deep.json", b"[" * 200_000 + b"]" * 200_000)
    check("long.csv", b"playlist_id,track_id\np," + b"x" * 5_000_000 + b"\n")
    df = read_playlists("d.csv", b"playlist_id,track_id\np,a\np,a\np,b\n")
    assert (
        len(df) == 3
    )  # duplicates are kept in the table; the graph counts a song once per playlist
    with pytest.raises(PlaylistFormatError):
        read_playlists("e.csv", b"playlist_id,track_id\n,\n")


def test_a_million_rows_parse():
    data = b"playlist_id,track_id\n" + b"".join(
        b"p%d,t%d\n" % (i // 50, i % 9973) for i in range(1_000_000)
    )
    df = read_playlists("big.csv", data)
    assert len(df) == 1_000_000 and isinstance(df, pd.DataFrame)


def test_gzip_bomb_is_bounded(monkeypatch):
    monkeypatch.setenv("SONGSIM_LIMIT_INFLATED_BYTES", "1000000")
    monkeypatch.setenv("SONGSIM_LIMIT_INFLATE_RATIO", "100000")
    bomb = gzip.compress(b"\x00" * 20_000_000)
    with pytest.raises(PlaylistFormatError, match="more than 1000000 bytes"):
        read_playlists("bomb.json.gz", bomb)
