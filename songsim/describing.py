"""Tempo, key and loudness of a library's tracks (:mod:`songsim.analysis.descriptors`), measured
once per audio content and stored beside the embeddings, so an update measures only new files.

Each track is decoded in full from its source file (the demo's tracks are rendered again) — at
most :data:`MAX_SECONDS` of it — in worker processes or on a Dask cluster
(:func:`songsim.tasks.ordered_map`). The measures are kept in one atomic version folder per
dataset, ``<cache>/descriptors/<dataset>/`` (``descriptors.parquet``, one row per content:
the file's SHA-256, or the demo track's clips hash), with the version of the code that measured
them; measures of other code are measured again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis.descriptors import Descriptors
from .cache import code_version
from .config import cache_dir
from .data.datasets import Dataset
from .errors import DatasetError, SongsimError
from .progress import Callback, track
from .storage import (
    check_name,
    new_version,
    read_current,
    read_manifest,
    write_manifest,
)

log = logging.getLogger("songsim")
#: What each track gets, in this order (see :class:`~songsim.analysis.descriptors.Descriptors`).
COLUMNS = [
    "tempo",
    "tempo_confidence",
    "key",
    "camelot",
    "key_strength",
    "loudness",
    "loudness_range",
]
#: The longest stretch of a track that is decoded and measured, from its start (seconds).
MAX_SECONDS = 900.0


def code() -> str:
    """The version of the code that measures: stored measures of other code are redone."""
    return code_version("analysis/descriptors.py")


def entry_of(name: str) -> Path:
    """Where dataset ``name``'s measures are stored (an atomic versioned entry)."""
    return cache_dir() / "descriptors" / check_name(name)


def content_keys(ds: Dataset) -> list[str]:
    """What identifies each track's audio: its file's SHA-256, or (the demo) its clips hash."""
    column = "file_hash" if "file_hash" in ds.tracks and ds.info.get("kind") == "audio" else None
    values = ds.tracks[column or "clips_hash"].astype(str)
    return [f"{'file' if column else 'clips'}:{v}" for v in values]


def stored(ds: Dataset) -> pd.DataFrame:
    """The stored measures of ``ds``'s dataset, indexed by content key (empty when none, or
    when they were made by other code or fail their checksums)."""

    def load(folder: Path | None):
        if folder is None:
            return None
        manifest = read_manifest(folder, verify=True)
        if manifest.get("code") != code():
            return None
        return pd.read_parquet(folder / "descriptors.parquet").set_index("content")

    empty = pd.DataFrame(columns=COLUMNS, index=pd.Index([], name="content"))
    try:
        table = read_current(entry_of(ds.name), load)
    except DatasetError as exc:
        log.warning("measuring again: %s", exc)
        return empty
    return empty if table is None else table


def stored_version(ds: Dataset) -> str:
    """The name of the current version of ``ds``'s stored measures ("" when none)."""
    from .storage import current_version

    folder = current_version(entry_of(ds.name))
    return folder.name if folder else ""


def to_describe(ds: Dataset) -> int:
    """How many tracks of ``ds`` have no stored measures yet."""
    known = set(stored(ds).index)
    return sum(1 for k in set(content_keys(ds)) if k not in known)


def served_measures(ds: Dataset) -> list[dict] | None:
    """Each track's stored ``tempo``, ``key``, ``camelot`` and ``loudness`` (None where
    unknown) as plain values, for an answer or an export; None while no track is measured."""
    table = track_descriptors(ds)[["tempo", "key", "camelot", "loudness"]]
    if table.isna().all().all():
        return None
    table = table.astype(object)
    return table.where(table.notna(), None).to_dict(orient="records")


def track_descriptors(ds: Dataset, *, compute: bool = False, client=None, progress=None):
    """``(n_tracks, 1 + len(COLUMNS))`` table: ``track_id`` and each track's measures (NaN or
    None where unknown). With ``compute`` the tracks not measured yet are measured first
    (:func:`describe_library`); without, they are unknown (a page never starts the work)."""
    table = describe_library(ds, client=client, progress=progress) if compute else stored(ds)
    rows = table.reindex(content_keys(ds))
    out = pd.DataFrame({"track_id": ds.tracks["track_id"].to_numpy()})
    for c in COLUMNS:
        out[c] = rows[c].to_numpy() if c in rows else None
    return out


def describe_library(
    ds: Dataset, *, client=None, n_jobs: int | None = None, progress: Callback | None = None
) -> pd.DataFrame:
    """Measure every track of ``ds`` whose audio has no stored measures (one task per track:
    local processes, or the Dask cluster of ``client``), store them with those kept (a removed
    track's dropped), and return the table indexed by content key."""
    from .tasks import ordered_map

    old = stored(ds)
    keys = content_keys(ds)
    todo: dict[str, int] = {}
    for row, k in enumerate(keys):
        if k not in old.index and k not in todo:
            todo[k] = row
    if not todo:
        return old
    refs = [_audio_ref(ds, row) for row in todo.values()]
    measured = track(
        ordered_map(measure_one, [(r,) for r in refs], client=client, n_jobs=n_jobs),
        len(refs),
        "measuring tempo, key and loudness",
        progress,
    )
    new = pd.DataFrame(list(measured), index=pd.Index(list(todo), name="content"))
    table = pd.concat([old[old.index.isin(keys)], new])[COLUMNS]
    with new_version(entry_of(ds.name)) as folder:
        table.reset_index().to_parquet(folder / "descriptors.parquet", index=False)
        write_manifest(folder, {"kind": "descriptors", "code": code(), "tracks": len(table)})
    return table


def _audio_ref(ds: Dataset, row: int) -> tuple:
    """What a worker needs to hear track ``row``: ``(source file or None, the demo's spec or
    None, row)``."""
    if ds.info.get("kind") == "demo":
        return None, ds.info.get("demo", {}), int(row)
    if ds.info.get("kind") != "audio":
        raise SongsimError(
            f"dataset '{ds.name}' holds spectrogram images: tempo, key and loudness need its "
            "audio (ingest the audio folder instead)"
        )
    path = ds.source_file(row)
    if path is None:
        gone = Path(ds.info["sources"][0]) / str(ds.tracks["file"].iloc[row])
        raise SongsimError(f"{gone}: the audio file is gone; measuring needs the source audio")
    return str(path), None, int(row)


def measure_one(ref: tuple) -> dict:
    """A worker's task: the measures of one track (all unknown when it cannot be decoded)."""
    from .analysis.descriptors import describe

    try:
        y, sr = _decoded(ref)
    except Exception as exc:  # a file that no longer decodes: unknown, said in the log
        log.warning("cannot measure %s: %s", ref[0] or f"demo track {ref[2]}", exc)
        return {c: None for c in COLUMNS}
    d: Descriptors = describe(y, sr)
    return {c: getattr(d, c) for c in COLUMNS}


def _decoded(ref: tuple) -> tuple[np.ndarray, int]:
    """``(frames (n, channels) float32, sample rate)`` of one :func:`_audio_ref`, at most
    :data:`MAX_SECONDS` long."""
    path, demo, row = ref
    if path is None:
        from .data.demo import render_demo_track

        y, sr = render_demo_track(demo, row)
        return np.asarray(y, np.float32)[:, None], sr
    import soundfile as sf

    from .limits import check_audio

    with sf.SoundFile(path) as f:
        check_audio(path, f.samplerate, f.channels, f.frames)
        n = min(f.frames, int(MAX_SECONDS * f.samplerate))
        return f.read(frames=n, dtype="float32", always_2d=True), f.samplerate


def matching(
    table: pd.DataFrame, row: int, *, tempo_within: float | None = None, keys: bool = False
) -> np.ndarray:
    """Which tracks ``(n_tracks,)`` bool of a :func:`track_descriptors` table suit track ``row``:
    a tempo within ``tempo_within`` percent of its tempo, its half or its double, and (``keys``)
    a key it mixes into (same, relative, or one step round the Camelot wheel). Tracks whose
    measure is unknown are left out; SongsimError when the track's own is unknown."""
    from .analysis.descriptors import compatible_camelot

    ok = np.ones(len(table), bool)
    track_id = table["track_id"].iloc[row]
    if tempo_within is not None:
        tempi = pd.to_numeric(table["tempo"], errors="coerce").to_numpy(float)
        own = tempi[row]
        if not np.isfinite(own):
            raise SongsimError(f"{track_id}: its tempo is unknown (measure it: songsim describe)")
        near = np.zeros(len(table), bool)
        for factor in (0.5, 1.0, 2.0):
            near |= np.abs(tempi - own * factor) <= own * factor * tempo_within / 100
        ok &= near
    if keys:
        own = table["camelot"].iloc[row]
        if not isinstance(own, str) or not own:
            raise SongsimError(f"{track_id}: its key is unknown (measure it: songsim describe)")
        ok &= table["camelot"].isin(compatible_camelot(own)).to_numpy()
    return ok


def group_measures(table: pd.DataFrame, groups) -> pd.DataFrame:
    """Per group of tracks — ``groups (n_tracks,)``: a cluster or community each, None for none —
    its size and, over its measured tracks, the middle half of its tempi ("118–126 BPM"), its
    commonest key and how minor it is ("A minor · 70 % minor"), and its median loudness
    ("−9.1 LUFS"); "—" where none of its tracks is measured."""
    groups = pd.Series(np.asarray(groups, dtype=object))
    tempo = pd.to_numeric(table["tempo"], errors="coerce")
    loud = pd.to_numeric(table["loudness"], errors="coerce")
    rows = []
    for group in sorted({g for g in groups if g is not None and g == g}, key=str):
        mine = (groups == group).to_numpy()
        t, lufs, keys = tempo[mine].dropna(), loud[mine].dropna(), table["key"][mine].dropna()
        if len(t):
            lo, hi = np.percentile(t, [25, 75])
            tempo_text = f"{lo:.0f}–{hi:.0f} BPM" if round(hi) > round(lo) else f"{lo:.0f} BPM"
        else:
            tempo_text = "—"
        if len(keys):
            minor = keys.str.endswith("minor").mean()
            key_text = f"{keys.value_counts().index[0]} · {minor:.0%} minor"
        else:
            key_text = "—"
        loud_text = f"{np.median(lufs):.1f} LUFS".replace("-", "−") if len(lufs) else "—"
        rows.append(
            {
                "group": group,
                "songs": int(mine.sum()),
                "tempo": tempo_text,
                "key": key_text,
                "loudness": loud_text,
            }
        )
    return pd.DataFrame(rows, columns=["group", "songs", "tempo", "key", "loudness"])


def bands(table: pd.DataFrame) -> pd.DataFrame:
    """Each track's measures as the groups a map colours by: tempo in 10-BPM bands ("120–129
    BPM"), key as its Camelot code, loudness in 3-LU bands ("−12 to −9 LUFS"); None where
    unknown."""
    tempo = pd.to_numeric(table["tempo"], errors="coerce")
    loud = pd.to_numeric(table["loudness"], errors="coerce")
    low_t = (tempo // 10 * 10).astype("Int64")
    low_l = (loud // 3 * 3).astype("Int64")
    return pd.DataFrame(
        {
            "tempo": [None if pd.isna(v) else f"{v}–{v + 9} BPM" for v in low_t],
            "key": [c if isinstance(c, str) and c else None for c in table["camelot"]],
            "loudness": [
                None if pd.isna(v) else f"{v} to {v + 3} LUFS".replace("-", "−") for v in low_l
            ],
        }
    )


def explained(clusters: np.ndarray, table: pd.DataFrame) -> pd.DataFrame:
    """How much of a clustering ``clusters (n_tracks,)`` tempo, key or loudness alone explains:
    per measure, the AMI and V-measure of the clusters against its :func:`bands` (10-BPM bands,
    the 24 keys, 3-LU bands) over the tracks whose measure is known."""
    from sklearn.metrics import adjusted_mutual_info_score, v_measure_score

    groups = bands(table)
    rows = []
    for measure in groups.columns:
        known = groups[measure].notna().to_numpy()
        if known.sum() < 2:
            continue
        a, b = np.asarray(clusters)[known], groups[measure][known].to_numpy()
        rows.append(
            {
                "measure": measure,
                "tracks": int(known.sum()),
                "AMI": round(float(adjusted_mutual_info_score(b, a)), 4),
                "V-measure": round(float(v_measure_score(b, a)), 4),
            }
        )
    return pd.DataFrame(rows, columns=["measure", "tracks", "AMI", "V-measure"])


def camelot_steps(a: str, b: str) -> int:
    """Steps between two Camelot codes: round the wheel, plus one to change letter (mode)."""
    na, nb = int(a[:-1]), int(b[:-1])
    around = min((na - nb) % 12, (nb - na) % 12)
    return around + (a[-1] != b[-1])


def dj_order(rows: list[int], table: pd.DataFrame) -> list[int]:
    """``rows`` (the first kept first) reordered so tempo and key move smoothly: each next song
    is the one left whose tempo (half or double allowed) is nearest the current one's — a 6 %
    step costs 1 — plus its Camelot steps from the current key; an unknown measure costs 3."""
    tempo = pd.to_numeric(table["tempo"], errors="coerce").to_numpy(float)
    codes = table["camelot"].to_numpy(object)

    def cost(a: int, b: int) -> float:
        if np.isfinite(tempo[a]) and np.isfinite(tempo[b]) and tempo[a] > 0 and tempo[b] > 0:
            ratio = np.log2(tempo[b] / tempo[a])
            t = min(abs(ratio - shift) for shift in (-1, 0, 1)) / np.log2(1.06)
        else:
            t = 3.0
        ka, kb = codes[a], codes[b]
        k = camelot_steps(ka, kb) if isinstance(ka, str) and isinstance(kb, str) else 3.0
        return t + k

    order, left = list(rows[:1]), list(rows[1:])
    while left:
        nxt = min(left, key=lambda r: cost(order[-1], r))
        order.append(nxt)
        left.remove(nxt)
    return order
