"""The playlist table held as integer codes: same values, same graph, same fingerprint as the
plain string table, and kept coded through reading many files, matching and storage."""

import json

import numpy as np
import pandas as pd
import pytest

from songsim.analysis.graph import build_graph
from songsim.data.ingest import read_playlist_files
from songsim.data.matching import match_tracks
from songsim.data.store import load_dataset, save_dataset
from songsim.io.table import COLUMNS, TEXT_COLUMNS, compact, concat_playlists


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """The table decoded: text columns as str, position as int64."""
    out = df.astype({c: str for c in TEXT_COLUMNS if c in df})
    return out.astype({"position": np.int64}) if "position" in out else out


def random_table(rng, n_playlists: int, n_tracks: int, prefix: str = "") -> pd.DataFrame:
    lengths = rng.integers(1, 12, n_playlists)
    return pd.DataFrame(
        {
            "playlist_id": np.repeat([f"{prefix}p{i}" for i in range(n_playlists)], lengths),
            "track_id": [f"t{t}" for t in rng.integers(0, n_tracks, lengths.sum())],
            "position": np.concatenate([np.arange(n) for n in lengths]),
            "title": [f"song {t}" for t in rng.integers(0, n_tracks, lengths.sum())],
            "artist": "",
            "playlist_name": np.repeat([f"mix {i % 5}" for i in range(n_playlists)], lengths),
        }
    )


def coded(df: pd.DataFrame) -> bool:
    return all(isinstance(df[c].dtype, pd.CategoricalDtype) for c in TEXT_COLUMNS if c in df)


def test_concat_keeps_codes_and_values():
    rng = np.random.default_rng(0)
    frames = [random_table(rng, 20, 50, prefix=f"f{i}:") for i in range(150)]
    joined = concat_playlists([compact(f) for f in frames], batch=7)  # several rounds of joins
    assert coded(joined) and joined["position"].dtype == np.int32
    pd.testing.assert_frame_equal(plain(joined), pd.concat(frames, ignore_index=True))
    assert len(joined["track_id"].cat.categories) == joined["track_id"].nunique()


def test_many_files_read_into_one_coded_table(tmp_path):
    """70 MPD slices (past the 64-file join) and a CSV, read as one table."""
    rng = np.random.default_rng(1)
    expected = []
    for s in range(70):
        tracks = rng.integers(0, 40, (3, 4))
        doc = {
            "playlists": [
                {
                    "pid": p,
                    "name": f"list {p}",
                    "tracks": [
                        {"pos": j, "track_uri": f"spotify:track:{t:022d}", "track_name": f"n{t}"}
                        for j, t in enumerate(row)
                    ],
                }
                for p, row in enumerate(tracks)
            ]
        }
        (tmp_path / f"mpd.slice.{s:03d}.json").write_text(json.dumps(doc))
        for p, row in enumerate(tracks):
            for j, t in enumerate(row):
                expected.append(
                    (f"mpd.slice.{s:03d}.json:{p}", f"{t:022d}", j, f"n{t}", "", f"list {p}")
                )
    (tmp_path / "zz.csv").write_text("playlist_id,track_id\nq,a.mp3\nq,b.mp3\n")
    expected += [("zz.csv:q", "a.mp3", 0, "", "", ""), ("zz.csv:q", "b.mp3", 1, "", "", "")]
    table = read_playlist_files([tmp_path])
    assert coded(table)
    want = pd.DataFrame(expected, columns=COLUMNS)
    pd.testing.assert_frame_equal(plain(table), want)


def test_matching_a_coded_table_equals_matching_strings():
    rng = np.random.default_rng(2)
    table = random_table(rng, 60, 80)
    table.loc[::7, "track_id"] = "http://example.com/stream"  # never matched
    library = pd.DataFrame({"track_id": [f"t{i}" for i in range(0, 80, 2)]})
    got, got_unmatched = match_tracks(compact(table), library)
    want, want_unmatched = match_tracks(table, library)
    assert coded(got) and got_unmatched == want_unmatched > 0
    pd.testing.assert_frame_equal(plain(got), plain(want))
    keep = table["track_id"].isin(library["track_id"])
    assert got_unmatched == int((~keep).sum())
    assert plain(got)["track_id"].tolist() == table["track_id"][keep].tolist()
    assert set(got["track_id"].cat.categories) == set(table["track_id"][keep])  # none unused


@pytest.mark.parametrize("min_playlists", [1, 3])
def test_graph_of_a_coded_table_equals_graph_of_strings(min_playlists):
    rng = np.random.default_rng(3)
    table = random_table(rng, 300, 120)
    ids = [f"t{i}" for i in range(130)]  # some tracks in no playlist
    a = build_graph(table, ids, min_playlists=min_playlists)
    b = build_graph(compact(table), ids, min_playlists=min_playlists)
    assert np.array_equal(a.nodes, b.nodes)
    assert (a.adjacency != b.adjacency).nnz == 0 and a.n_components == b.n_components


def test_stored_dataset_keeps_codes_and_fingerprint(fresh_cache, tiny_dataset):
    ds = tiny_dataset("coded")
    assert coded(ds.playlists)
    as_strings = ds.playlists.astype({c: str for c in TEXT_COLUMNS})
    assert pd.util.hash_pandas_object(as_strings[["playlist_id", "track_id"]], index=False).equals(
        pd.util.hash_pandas_object(ds.playlists[["playlist_id", "track_id"]], index=False)
    )
    save_dataset(ds)
    back = load_dataset("coded")
    stored = back.fingerprint
    back._stored.pop("fingerprint")  # recomputed from the loaded table
    assert coded(back.playlists) and back.fingerprint == stored == ds.fingerprint
    pd.testing.assert_frame_equal(plain(back.playlists), plain(ds.playlists))


@pytest.mark.parametrize("batch", [3, 7, 10_000])
def test_builder_batches_and_merges_equal_one_pass(monkeypatch, batch):
    """Entries encoded a few at a time, their distinct values merged as they come (some batches
    all new, some all repeats), give the table pandas makes of the same rows at once."""
    from songsim.errors import PlaylistFormatError
    from songsim.io import table

    monkeypatch.setattr(table, "BATCH", batch)
    rng = np.random.default_rng(1)
    ref = random_table(rng, 40, 25)
    ref["artist"] = [f"a{i % 4}" for i in range(len(ref))]
    builder = table.TableBuilder("t.csv", PlaylistFormatError)
    for row in ref.itertuples():
        builder.add(row.playlist_id, row.track_id, row.position, row.title, row.artist)
    names = {f"p{i}": f"mix {i % 5}" for i in range(40)}
    got = builder.frame(names)
    assert coded(got) and list(got.columns) == COLUMNS
    pd.testing.assert_frame_equal(plain(got), plain(ref[COLUMNS]))
    for col in TEXT_COLUMNS:  # categories sorted and distinct, as pandas makes them
        cats = got[col].cat.categories
        assert list(cats) == sorted(set(ref[col])), col


def test_builder_names_the_first_value_over_the_limit(monkeypatch):
    from songsim.errors import PlaylistFormatError
    from songsim.io import table

    monkeypatch.setattr(table, "BATCH", 4)
    monkeypatch.setenv("SONGSIM_LIMIT_LINE_CHARS", "10")
    builder = table.TableBuilder("t.csv", PlaylistFormatError)
    with pytest.raises(PlaylistFormatError, match=r"^t.csv: entry 6: title: longer than 10"):
        for i in range(8):
            builder.add("p", f"t{i}", i, "x" * (11 if i >= 5 else 3))
            if i >= 5:
                builder.frame()


def test_text_lines_decode_one_line_at_a_time():
    from songsim.errors import PlaylistFormatError
    from songsim.io.table import text_lines

    data = "\ufeffa,b\r\nc,é\rlast".encode()
    assert list(text_lines(data, "f", PlaylistFormatError)) == ["a,b\r\n", "c,é\r", "last"]
    with pytest.raises(PlaylistFormatError, match=r"^f: not UTF-8 text \(bad byte at offset 5\)$"):
        list(text_lines(b"ok\nab\xffc\n", "f", PlaylistFormatError))


def test_text_lines_refuse_a_long_line_before_decoding_it(monkeypatch):
    from songsim.errors import PlaylistFormatError
    from songsim.io.table import text_lines

    monkeypatch.setenv("SONGSIM_LIMIT_LINE_CHARS", "8")
    assert list(text_lines("éééééééé\n".encode(), "f", PlaylistFormatError)) == ["éééééééé\n"]
    for data in (b"ok\n" + b"x" * 9 + b"\n", b"ok\n" + b"x" * 10_000):
        with pytest.raises(PlaylistFormatError, match=r"^f: line 2: longer than 8 characters"):
            list(text_lines(data, "f", PlaylistFormatError))
