"""The embedded demo corpus: synthetic songs in eight styles, and playlists that mix them.

Everything follows from one seed. Each track is rendered as real audio by the synthesiser in
:mod:`songsim.data.synth` and becomes clips through the same code as a real file
(:func:`songsim.data.tracks.clips_from_signal`). Playlists are drawn so that most mix songs of one
style or of two related styles, some mix anything: communities exist but are imperfect. The
style is the track's label; :func:`render_demo_track` renders any track again for playback.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import AudioParams
from ..progress import Callback, track
from .synth import DEMO_VERSION, SECONDS, SR, STYLES, Style, render_track  # noqa: F401 (re-exported)

_WORDS_A = (
    "Neon",
    "Quiet",
    "Broken",
    "Golden",
    "Electric",
    "Hollow",
    "Velvet",
    "Iron",
    "Paper",
    "Silver",
    "Crimson",
    "Distant",
    "Lucky",
    "Midnight",
    "Frozen",
    "Wild",
)
_WORDS_B = (
    "Circuit",
    "River",
    "Engine",
    "Garden",
    "Signal",
    "Harbor",
    "Echo",
    "Mirror",
    "Window",
    "Storm",
    "Lantern",
    "Parade",
    "Orbit",
    "Meadow",
    "Machine",
    "Tide",
)


# -- corpus ------------------------------------------------------------------------------------


def track_table(*, n_tracks: int = 320, random_state: int = 0) -> pd.DataFrame:
    """The demo's tracks: ``track_id, title, artist, label, duration, style_index, track_seed``.

    Tracks are dealt round-robin over the styles, so every style has ``n_tracks / 8`` of them.
    """
    rng = np.random.default_rng([random_state, 1])
    rows = []
    for i in range(n_tracks):
        s = i % len(STYLES)
        style = STYLES[s]
        rows.append(
            {
                "track_id": f"demo/{style.name}/{i:04d}",
                "title": f"{_WORDS_A[rng.integers(len(_WORDS_A))]} {_WORDS_B[rng.integers(len(_WORDS_B))]}",
                "artist": f"The {style.name.title()} Ensemble {1 + int(rng.integers(5))}",
                "label": style.name,
                "duration": SECONDS,
                "style_index": s,
                "track_seed": int(rng.integers(2**31)),
            }
        )
    return pd.DataFrame(rows)


def related_styles() -> np.ndarray:
    """``(n_styles, n_styles)`` affinity: exp(−distance² / 0.08) between the styles' moods."""
    mood = np.array([s.mood for s in STYLES])
    d2 = ((mood[:, None, :] - mood[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / 0.08)


def make_playlists(
    tracks: pd.DataFrame, *, n_playlists: int = 1200, min_per_track: int = 10, random_state: int = 0
) -> pd.DataFrame:
    """Playlists over ``tracks``: ``playlist_id, track_id, position, title, artist, playlist_name``
    (named after the playlist's main style: "techno mix 12").

    Each playlist picks a main style, then draws most songs from it and from related styles
    (weighted by :func:`related_styles`) and about one in eight from anywhere, with popular songs
    more likely. Songs found in fewer than ``min_per_track`` playlists are then added to
    playlists of their own style until they are.
    """
    rng = np.random.default_rng([random_state, 2])
    styles = tracks["style_index"].to_numpy()
    n_styles = len(STYLES)
    popularity = 1.0 / (1 + rng.permutation(len(tracks)) % 40) ** 0.7
    affinity = related_styles()
    members: list[list[int]] = []
    mains = rng.integers(n_styles, size=n_playlists)
    for main in mains:
        length = min(int(rng.integers(8, 31)), len(tracks))
        w_style = affinity[main] ** 2
        w = popularity * w_style[styles]
        w = 0.88 * w / w.sum() + 0.12 / len(tracks)
        members.append(list(rng.choice(len(tracks), size=length, replace=False, p=w)))
    counts = np.bincount(np.concatenate(members), minlength=len(tracks))
    for t in np.flatnonzero(counts < min_per_track):
        options = [
            i for i in rng.permutation(n_playlists) if mains[i] == styles[t] and t not in members[i]
        ]
        for i in options[: min_per_track - counts[t]]:
            members[i].insert(int(rng.integers(len(members[i]) + 1)), int(t))
    ids = tracks["track_id"].to_numpy()
    rows = [
        (f"demo-{p:04d}", ids[t], pos) for p, m in enumerate(members) for pos, t in enumerate(m)
    ]
    df = pd.DataFrame(rows, columns=["playlist_id", "track_id", "position"])
    df["title"] = ""
    df["artist"] = ""
    names = [f"{STYLES[m].name} mix {p + 1}" for p, m in enumerate(mains)]
    df["playlist_name"] = [names[int(pid[5:])] for pid in df["playlist_id"]]
    return df


def _render_clips(style_index: int, track_seed: int, params: AudioParams):
    from .tracks import clips_from_signal

    return clips_from_signal(render_track(style_index, track_seed), SR, params)


def build_demo(
    *,
    random_state: int = 0,
    n_tracks: int = 320,
    n_playlists: int = 1200,
    params: AudioParams = AudioParams(),
    n_jobs: int | None = None,
    progress: Callback | None = None,
):
    """Build the demo :class:`~songsim.data.datasets.Dataset` named ``demo`` (not saved)."""
    from joblib import Parallel, delayed

    from ..tasks import default_jobs
    from .datasets import Dataset

    tracks = track_table(n_tracks=n_tracks, random_state=random_state)
    jobs = (
        delayed(_render_clips)(s, ts, params)
        for s, ts in zip(tracks["style_index"], tracks["track_seed"])
    )
    results = Parallel(n_jobs=n_jobs or default_jobs(), return_as="generator", batch_size=4)(jobs)
    clips, starts = zip(*track(results, len(tracks), "rendering demo tracks", progress))
    playlists = make_playlists(tracks, n_playlists=n_playlists, random_state=random_state)
    info = {
        "kind": "demo",
        "sources": [f"songsim demo (seed {random_state}, version {DEMO_VERSION})"],
        # stored as "seed": checkpoints trained on the demo match on this dict
        "demo": {
            "seed": random_state,
            "n_tracks": n_tracks,
            "n_playlists": n_playlists,
            "version": DEMO_VERSION,
        },
        "skipped_files": [],
    }
    return Dataset.assemble("demo", tracks, clips, starts, playlists, params=params, info=info)


def render_demo_track(spec: dict, track_index: int) -> tuple[np.ndarray, int]:
    """Audio of a demo track for playback: ``(y, sample_rate)``.

    ``spec`` is the demo dataset's ``info["demo"]`` (its seed and number of tracks).
    """
    table = track_table(n_tracks=spec.get("n_tracks", 320), random_state=spec.get("seed", 0))
    row = table.iloc[track_index]
    return render_track(int(row["style_index"]), int(row["track_seed"])), SR
