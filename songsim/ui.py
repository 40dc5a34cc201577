"""The dashboard's glue: cached pipeline steps, per-session state and shared widgets.

Pages import only this module (and ``songsim.charts``) and stay free of computation. Heavy steps
are cached by Streamlit, keyed by the dataset fingerprint and the parameters, with bounded
entries: ``st.cache_resource`` for models, graphs and t-SNE affinities (treated as read-only),
``st.cache_data`` for arrays and tables. An uploaded playlist file belongs to its session
(``st.session_state``): its graph is cached under its own content fingerprint, so one user's
upload never changes what another user sees.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from . import pipeline
from .charts import graph_html
from .datasets import Dataset, datasets_root, list_datasets, load_dataset
from .errors import DatasetError, SongsimError
from .storage import current_version

KINDS_LABELS = {
    "raw": "Raw spectrogram",
    "pca": "PCA (64)",
    "mfcc": "MFCC statistics",
    "cae": "Convolutional autoencoder",
    "vae": "Variational autoencoder",
    "contrastive": "Contrastive encoder",
}
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


# -- session settings that survive page switches ---------------------------------------------


def setting(key: str, default):
    """The session's value of a setting shared by pages (set by :func:`widget_key`'s widgets)."""
    return st.session_state.setdefault(key, default)


def widget_key(key: str, default) -> dict:
    """Keyword arguments tying a widget to the persistent setting ``key``.

    Streamlit forgets a widget's state when its page is not shown; the value is copied to ``key``
    on every change and back into the widget when it is drawn again.
    """
    wkey = f"_w_{key}"
    st.session_state[wkey] = st.session_state.setdefault(key, default)

    def copy():
        st.session_state[key] = st.session_state[wkey]

    return {"key": wkey, "on_change": copy}


# -- datasets ---------------------------------------------------------------------------------


def _progress_callback(bar):
    def callback(done: int, total: int, message: str) -> None:
        bar.progress(min(1.0, done / max(total, 1)), text=f"{message} ({done}/{total})")

    return callback


def bootstrap() -> None:
    """On an empty cache, build the demo dataset with a progress bar (once per server)."""
    if pipeline.DEMO_NAME in list_datasets():
        return
    with st.status(
        "First start: building the demo corpus (320 songs in 8 styles)…", expanded=True
    ) as status:
        bar = st.progress(0.0)
        pipeline.ensure_demo(progress=_progress_callback(bar))
        status.update(label="Demo corpus ready", state="complete")


@st.cache_resource(max_entries=4, show_spinner="Loading dataset…")
def _load(name: str, version: str) -> Dataset:
    if name == pipeline.DEMO_NAME:
        return pipeline.ensure_demo()  # a corrupted demo entry is rebuilt (and logged)
    return load_dataset(name)


def _version(name: str) -> str:
    folder = current_version(datasets_root() / name)
    return folder.name if folder else ""


def dataset_names() -> list[str]:
    return list_datasets()


@st.cache_resource(max_entries=16)
def _with_upload(
    name: str, version: str, upload_key: str, _playlists: pd.DataFrame, source: str
) -> Dataset:
    return _load(name, version).with_playlists(_playlists, source=source)


_ROUTED: ContextVar[bool] = ContextVar("songsim_routed", default=False)
_SHOWN: ContextVar[set | None] = ContextVar(
    "songsim_shown", default=None
)  # errors shown in this run


@contextmanager
def router():
    """Mark this script run as started by app.py's router (``with ui.router(): ...`` in app.py)."""
    token, shown = _ROUTED.set(True), _SHOWN.set(set())
    try:
        yield
    finally:
        _ROUTED.reset(token)
        _SHOWN.reset(shown)


def _error_once(message: str) -> None:
    """``st.error`` that shows a message once per run (the sidebar and the page both load data)."""
    shown = _SHOWN.get()
    if shown is None or message not in shown:
        st.error(message)
        if shown is not None:
            shown.add(message)


def _route_through_app() -> None:
    """Rerun through app.py when a page was started on its own.

    Streamlit runs ``pages/*.py`` as old-style (v1) pages when a deep link such as ``/graph`` is
    among the first requests of a fresh server, before app.py has called ``st.navigation`` — then
    the sidebar and the router are missing. Such a run is not inside :func:`router`: clearing
    Streamlit's flag and rerunning sends it through app.py, whose navigation maps the same URL to
    the same page. The marker is per run (a context variable), so sessions that start at the same
    moment each notice on their own.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not _ROUTED.get():
        PagesManager.uses_pages_directory = False
        st.rerun()


def current_dataset() -> Dataset:
    """The session's dataset, with the session's uploaded playlists when it has some.

    Every page calls this first; it also makes sure the page runs under app.py's router.
    """
    _route_through_app()
    names = dataset_names()
    name = setting("dataset", pipeline.DEMO_NAME)
    if name not in names:
        name = st.session_state["dataset"] = names[0] if names else pipeline.DEMO_NAME
    version = _version(name)
    upload = st.session_state.get("upload")
    try:
        if upload and upload["dataset"] == name and upload["version"] == version:
            return _with_upload(name, version, upload["key"], upload["playlists"], upload["file"])
        return _load(name, version)
    except DatasetError as exc:
        if name == pipeline.DEMO_NAME:
            raise
        _error_once(
            f"Dataset '{plain(name)}' cannot be loaded ({plain(exc)}); showing the demo instead. "
            "Ingest it again to repair it."
        )
        return _load(pipeline.DEMO_NAME, _version(pipeline.DEMO_NAME))


def apply_upload(file_name: str, data: bytes) -> dict:
    """Read an uploaded playlist file for this session; returns its counts.

    Raises SongsimError (the previous playlists stay in force) when the file is unreadable or
    matches no track of the current dataset.
    """
    from .io.playlists import read_playlists

    if len(data) > MAX_UPLOAD_BYTES:
        raise SongsimError(
            f"{file_name}: {len(data)} bytes is over the {MAX_UPLOAD_BYTES}-byte upload limit"
        )
    name = setting("dataset", pipeline.DEMO_NAME)
    base = _load(name, _version(name))
    # The file name picks the format only: it is never used as a path.
    table = read_playlists(Path(Path(file_name).name or "upload.csv"), data, name=file_name)
    trial = base.with_playlists(table, source=file_name)
    if trial.playlists.empty:
        raise SongsimError(
            f"{file_name}: none of its {len(table)} entries matches a track of dataset '{name}'"
        )
    pipeline.dataset_graph(trial)  # fails here, before anything changes, if no graph can be built
    st.session_state["upload"] = {
        "dataset": name,
        "version": _version(name),
        "file": file_name,
        "key": hashlib.sha256(data).hexdigest()[:16],
        "playlists": table,
    }
    return {
        "entries": len(table),
        "matched": len(trial.playlists),
        "unmatched": trial.info["unmatched_playlist_entries"],
        "playlists": int(table["playlist_id"].nunique()),
    }


def clear_upload() -> None:
    st.session_state.pop("upload", None)


def ingest_roots() -> list[Path]:
    """Folders the dashboard may ingest from: ``$SONGSIM_INGEST_ROOTS`` (os.pathsep-separated), else the working folder."""
    raw = os.environ.get("SONGSIM_INGEST_ROOTS")
    roots = raw.split(os.pathsep) if raw else [os.getcwd()]
    return [Path(r).expanduser().resolve() for r in roots if r]


def ingest_folder(folder: str, name: str, *, kind: str, labels_from_parent: bool, bar) -> Dataset:
    """Ingest a server-side folder (inside :func:`ingest_roots`) into dataset ``name``."""
    path = Path(folder).expanduser().resolve()
    if not any(path == r or r in path.parents for r in ingest_roots()):
        raise SongsimError(
            f"{folder}: outside the folders this server may ingest from "
            f"({', '.join(map(str, ingest_roots()))}; set SONGSIM_INGEST_ROOTS)"
        )
    playlists = (
        sorted(p for p in path.rglob("*") if p.suffix.lower() in (".m3u", ".m3u8"))
        if kind == "audio"
        else []
    )
    ds = pipeline.ingest(
        name,
        audio=path if kind == "audio" else None,
        spectrograms=path if kind != "audio" else None,
        playlists=playlists,
        labels_from_parent=labels_from_parent,
        progress=_progress_callback(bar),
    )
    _load.clear()
    return ds


def track_audio(ds: Dataset, index: int):
    """``(data, sample_rate)`` to play a track — a re-rendered demo track or the source file — or None."""
    if ds.info.get("kind") == "demo":
        spec = ds.info.get("demo", {})
        return _demo_audio(int(spec.get("seed", 0)), int(spec.get("n_tracks", 320)), index)
    if ds.info.get("kind") == "audio" and ds.info.get("sources"):
        root = Path(ds.info["sources"][0]).resolve()
        path = (root / ds.tracks["track_id"].iloc[index]).resolve()
        if root in path.parents and path.is_file():
            return path.read_bytes(), None
    return None


@st.cache_data(max_entries=64, show_spinner=False)
def _demo_audio(seed: int, n_tracks: int, index: int) -> tuple[bytes, None]:
    """A demo track rendered again, as 16-bit WAV bytes (encoded once, then cached)."""
    import io

    import soundfile as sf

    from .demo import render_demo_track

    y, sr = render_demo_track({"seed": seed, "n_tracks": n_tracks}, index)
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue(), None


@st.cache_data(max_entries=256, show_spinner=False)
def chart_spec(key: tuple, _chart) -> dict:
    """Vega-Lite spec of the Altair chart that ``_chart()`` builds, built once per ``key``.

    ``key`` must name everything the chart shows (the dataset or graph key, the embedding, k…):
    a page rerun with the same key reuses the spec instead of rebuilding it (≈ 20–60 ms a chart).
    """
    from .charts import spec

    return spec(_chart())


@st.cache_data(max_entries=64, show_spinner=False)
def clip_png(_ds: Dataset, audio_key: str, clip: int) -> bytes:
    """PNG bytes of clip ``clip``'s spectrogram (for ``st.image``)."""
    from .charts import spectrogram_png

    return spectrogram_png(_ds.clips[clip])


@st.cache_data(max_entries=256, show_spinner=False)
def track_labels(_ds: Dataset, audio_key: str) -> list[str]:
    """ "Title — Artist (id)" of every track, for searchable song pickers."""
    t = _ds.tracks
    return [
        f"{ti} — {ar} ({tid})" if ar else f"{ti} ({tid})"
        for ti, ar, tid in zip(t["title"], t["artist"], t["track_id"])
    ]


def play(ds: Dataset, index: int, container=st) -> None:
    audio = track_audio(ds, index)
    if audio is None:
        container.caption("No audio for this track (spectrogram dataset).")
    else:
        data, sr = audio
        container.audio(data, sample_rate=sr) if sr else container.audio(data)


def plain(text) -> str:
    """User text made safe for Streamlit markdown: markdown and HTML characters escaped."""
    import html as _html
    import re

    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>$])", r"\\\1", _html.escape(str(text), quote=False))


def track_label(ds: Dataset, i: int) -> str:
    return track_labels(ds, ds.audio_fingerprint)[i]


# -- models and embeddings ------------------------------------------------------------------


def checkpoint_available(ds: Dataset, kind: str, latent: int) -> bool:
    """Whether a checkpoint fits ``ds``; cached until a checkpoint entry changes (a new
    ``CURRENT`` pointer), since checking one reads and verifies its weights."""
    from .models.checkpoints import checkpoint_entry, shipped_entry

    pointers = tuple(
        str(current_version(e))
        for e in (checkpoint_entry(ds.name, kind, latent), shipped_entry(kind, latent))
    )
    return _has_checkpoint(ds, ds.audio_fingerprint, kind, latent, pointers)


@st.cache_data(max_entries=64, show_spinner=False)
def _has_checkpoint(_ds: Dataset, audio_key: str, kind: str, latent: int, pointers: tuple) -> bool:
    from .modeling import find_checkpoint

    return find_checkpoint(_ds, kind, latent) is not None


@st.cache_resource(max_entries=4, show_spinner="Loading model…")
def model(_ds: Dataset, audio_key: str, kind: str, latent: int):
    """``(model, manifest)`` of a matching checkpoint (no training)."""
    from .modeling import get_model

    return get_model(_ds, kind, latent=latent, train_if_missing=False)


def train_model(ds: Dataset, kind: str, latent: int, epochs: int, bar) -> dict:
    from .modeling import train_and_save
    from .models.train import TrainParams

    params = TrainParams.for_model(kind, latent=latent, epochs=epochs)
    _, manifest = train_and_save(ds, params, progress=_progress_callback(bar))
    model.clear()
    embedding.clear()
    return manifest


@st.cache_data(max_entries=16, show_spinner=False)
def reconstructions(
    _ds: Dataset, audio_key: str, kind: str, latent: int, clip_ids: tuple, version: str
) -> list[tuple[bytes, bytes]]:
    """PNG pairs ``(original, reconstruction)`` of clips ``clip_ids`` through checkpoint ``version``."""
    from .charts import spectrogram_png
    from .models.train import reconstruct

    net, _ = model(_ds, audio_key, kind, latent)
    originals = _ds.clips[list(clip_ids)]
    return [
        (spectrogram_png(o), spectrogram_png(r))
        for o, r in zip(originals, reconstruct(net, originals))
    ]


@st.cache_data(max_entries=16, show_spinner=False)
def training_views(
    _ds: Dataset, audio_key: str, clip_ids: tuple, crop_frames: int
) -> list[tuple[bytes, bytes]]:
    """PNG pairs: two random training views (crop, shift, EQ, noise, masks) of each clip in ``clip_ids``."""
    import torch

    from .charts import spectrogram_png
    from .models.contrastive import augment

    x = torch.from_numpy(_ds.clips[list(clip_ids)]).unsqueeze(1)
    gen = torch.Generator().manual_seed(0)
    a, b = (
        augment(x, gen, crop_frames=crop_frames).squeeze(1).clamp(0, 1).numpy() for _ in range(2)
    )
    return [(spectrogram_png(u), spectrogram_png(v)) for u, v in zip(a, b)]


def model_defaults(kind: str) -> tuple[int, int]:
    """``(latent size, epochs)`` a new training run of ``kind`` uses by default."""
    from .models import DEFAULT_LATENT
    from .models.train import TrainParams

    return DEFAULT_LATENT[kind], TrainParams.for_model(kind).epochs


def available_kinds(ds: Dataset) -> list[str]:
    from .embeddings import KINDS, MODEL_KINDS
    from .models import DEFAULT_LATENT

    return [
        k for k in KINDS if k not in MODEL_KINDS or checkpoint_available(ds, k, DEFAULT_LATENT[k])
    ]


def default_kind(kinds: list[str]) -> str:
    """The embedding pages start on: the best available (see :func:`songsim.embeddings.best_kind`)."""
    from .embeddings import best_kind

    return best_kind(kinds)


@st.cache_data(max_entries=16, show_spinner="Computing embeddings…")
def embedding(_ds: Dataset, audio_key: str, kind: str) -> np.ndarray:
    """Track vectors ``(n_tracks, d)`` of one embedding kind."""
    from .embeddings import embed

    return embed(_ds, kind, train_if_missing=False).track


@st.cache_data(max_entries=16, show_spinner="Sweeping k…")
def sweep(_ds: Dataset, audio_key: str, kind: str, k_max: int = 20) -> dict:
    from .clustering import sweep_k

    X = embedding(_ds, audio_key, kind)
    s = sweep_k(X, range(2, min(k_max, len(X) - 1) + 1))
    return {"table": s.table(), "labels": s.labels, "elbow_k": s.elbow_k, "best_k": s.best_k}


def clusters(ds: Dataset, kind: str, k: int) -> np.ndarray:
    """k-means labels ``(n_tracks,)`` at ``k`` (from the cached sweep)."""
    labels = sweep(ds, ds.audio_fingerprint, kind)["labels"]
    if k not in labels:
        raise SongsimError(f"k = {k} is outside the sweep (2–{max(labels)})")
    return labels[k]


def cluster_sizes(ds: Dataset, kind: str, k: int) -> list[int]:
    return np.bincount(clusters(ds, kind, k), minlength=k).tolist()


# -- graph ------------------------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner="Building the song graph…")
def graph(
    _ds: Dataset, key: str, min_playlists: int, method: str, n_communities: int | None, refine: bool
):
    """``(SongGraph, CommunityResult)`` for the dataset's (or the session's uploaded) playlists."""
    from .communities import detect

    g = pipeline.dataset_graph(_ds, min_playlists=min_playlists)
    return g, detect(g, method=method, clusters=n_communities, refine_partition=refine)


def _graph_params() -> tuple:
    return (
        setting("min_playlists", 1),
        setting("method", "leading-eigenvector"),
        setting("n_communities", 0) or None,
        setting("refine", True),
    )


def graph_key(ds: Dataset) -> str:
    """Cache key of everything derived from the current graph: playlists and graph settings."""
    return f"{ds.fingerprint}:{_graph_params()}"


def current_graph(ds: Dataset):
    return graph(ds, ds.fingerprint, *_graph_params())


def community_series(ds: Dataset) -> pd.Series:
    g, res = current_graph(ds)
    return pd.Series(res.membership, index=g.nodes)


@st.cache_data(max_entries=8, show_spinner="Laying out the graph…")
def graph_page(
    _ds: Dataset,
    key: str,
    _g,
    _colors: np.ndarray,
    color_key: str,
    max_nodes: int,
    edges_per_node: int,
) -> tuple[str, int, int]:
    """``(html, nodes drawn, edges drawn)``: the top ``max_nodes`` by degree, each with its
    ``edges_per_node`` strongest edges, on a Fruchterman–Reingold layout computed here."""
    import igraph as ig
    import scipy.sparse as sp

    deg = _g.degree()
    keep = np.sort(np.argsort(-deg, kind="stable")[:max_nodes])
    A = sp.csr_matrix(_g.adjacency[keep][:, keep])
    pairs = set()
    for i in range(A.shape[0]):
        row = slice(A.indptr[i], A.indptr[i + 1])
        cols, w = A.indices[row], A.data[row]
        for j in cols[np.argsort(-w, kind="stable")[:edges_per_node]]:
            pairs.add((min(i, j), max(i, j)))
    edges = np.array(sorted(pairs), dtype=int).reshape(-1, 2)
    layout = ig.Graph(n=len(keep), edges=edges.tolist()).layout_fruchterman_reingold(
        seed=None, niter=500
    )
    tracks = _ds.tracks.iloc[_g.nodes[keep]]
    titles = [
        f"{t.title} — {t.artist}\n{t.track_id}\ndegree {d}"
        for t, d in zip(tracks.itertuples(), deg[keep])
    ]
    sizes = 6 + 18 * np.sqrt(deg[keep] / max(1, deg.max()))
    html = graph_html(
        np.array(layout.coords),
        edges,
        titles=titles,
        labels=tracks["title"].tolist(),
        groups=_colors[keep],
        sizes=sizes,
    )
    return html, len(keep), len(edges)


# -- maps -----------------------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner="Finding nearest neighbours for t-SNE…")
def tsne_mapper(_ds: Dataset, audio_key: str, kind: str):
    from .maps import TSNEMapper

    return TSNEMapper(max_perplexity=50).fit(embedding(_ds, audio_key, kind))


@st.cache_data(max_entries=32, show_spinner="Running t-SNE…")
def tsne(_ds: Dataset, audio_key: str, kind: str, perplexity: float) -> np.ndarray:
    return tsne_mapper(_ds, audio_key, kind).transform(perplexity)


@st.cache_data(max_entries=16, show_spinner=False)
def pca(_ds: Dataset, audio_key: str, kind: str) -> tuple[np.ndarray, list[float]]:
    from .maps import pca_2d

    return pca_2d(embedding(_ds, audio_key, kind))


def map_points(ds: Dataset, xy: np.ndarray, kind: str, k: int) -> pd.DataFrame:
    """Points of a 2-D map with what the tooltips and colours need."""
    pts = ds.tracks[["track_id", "title", "artist"]].copy()
    pts["x"], pts["y"] = xy[:, 0], xy[:, 1]
    pts["cluster"] = clusters(ds, kind, k).astype(str)
    comm = community_series(ds)
    pts["community"] = (
        pd.Series(comm.astype(str), index=comm.index)
        .reindex(np.arange(ds.n_tracks))
        .fillna("none")
        .to_numpy()
    )
    if ds.labels is not None:
        pts["label"] = ds.labels
    return pts


def picked_track(ds: Dataset, event) -> int | None:
    """Row of the track clicked in a map chart's selection event, or None."""
    try:
        picked = event["selection"]["picked"]
    except (KeyError, TypeError):
        return None
    if not picked:
        return None
    ids = ds.tracks["track_id"].tolist()
    tid = picked[0].get("track_id")
    return ids.index(tid) if tid in ids else None


def scores_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).round(4)


# -- comparisons and similar songs ------------------------------------------------------------


def comparison(ds: Dataset, kind: str, k: int, against: str) -> tuple[dict, dict, int]:
    """``(contingency heatmap spec, scores, tracks left out)`` of the k-means clusters against
    'communities' or 'labels'; cached per graph, embedding, k and target."""
    if against == "labels" and ds.labels is None:
        raise SongsimError("this dataset has no labels")
    return _comparison(ds, graph_key(ds), ds.audio_fingerprint, kind, k, against)


@st.cache_data(max_entries=64, show_spinner=False)
def _comparison(
    _ds: Dataset, graph_key: str, audio_key: str, kind: str, k: int, against: str
) -> tuple[dict, dict, int]:
    from .charts import contingency_heatmap, spec
    from .compare import aligned, contingency, scores

    cl = pd.Series(clusters(_ds, kind, k), index=np.arange(_ds.n_tracks))
    if against == "labels":
        ref = pd.Series(_ds.labels, index=np.arange(_ds.n_tracks)).replace("", np.nan)
    else:
        ref = community_series(_ds)
    a, b, left_out = aligned(cl, ref)
    table = contingency(
        a, b, names=("cluster", {"communities": "community", "labels": "label"}[against])
    )
    return spec(contingency_heatmap(table)), scores(a, b), left_out


def embeddings_table(ds: Dataset, kinds: tuple) -> pd.DataFrame:
    """Every embedding scored side by side (see :func:`songsim.evaluation.score_embedding`)."""
    return _embeddings_table(ds, graph_key(ds), kinds)


@st.cache_data(max_entries=8, show_spinner="Scoring every embedding…")
def _embeddings_table(_ds: Dataset, graph_key: str, kinds: tuple) -> pd.DataFrame:
    from .evaluation import score_embedding

    labels = _ds.labels if _ds.labels is not None and not (_ds.labels == "").any() else None
    rows = []
    for kind in kinds:
        e = score_embedding(
            embedding(_ds, _ds.audio_fingerprint, kind),
            labels=labels,
            communities=community_series(_ds),
        )
        rows.append({"embedding": kind, **{k: v for k, v in e.items() if k != "silhouette"}})
    return pd.DataFrame(rows)


def similar(ds: Dataset, kind: str, index: int, n: int) -> pd.DataFrame:
    from .similar import nearest

    idx, sim = nearest(embedding(ds, ds.audio_fingerprint, kind), index, n=n)
    out = ds.tracks.iloc[idx][["track_id", "title", "artist", "label"]].copy()
    out.insert(0, "similarity", np.round(sim, 4))
    out.insert(0, "row", idx)
    return out.reset_index(drop=True)


def grow(ds: Dataset, kind: str, index: int, length: int) -> pd.DataFrame:
    from .similar import grow_playlist

    order = grow_playlist(embedding(ds, ds.audio_fingerprint, kind), index, length=length)
    out = ds.tracks.iloc[order][["track_id", "title", "artist", "label", "duration"]].copy()
    out.insert(0, "row", order)
    return out.reset_index(drop=True)


def exports(table: pd.DataFrame, name: str) -> tuple[str, str]:
    """``(m3u8 text, csv text)`` of a playlist table, neutralised against formula injection."""
    from .similar import to_csv, to_m3u8

    cols = [c for c in ("track_id", "title", "artist", "label", "duration") if c in table]
    return to_m3u8(table, name=name), to_csv(table[cols])


def graph_html_for(
    ds: Dataset, color_by: str, kind: str, k: int, max_nodes: int
) -> tuple[str, int, int]:
    g, res = current_graph(ds)
    colors = res.membership if color_by == "community" else clusters(ds, kind, k)[g.nodes]
    key = f"{color_by}:{kind}:{k}" if color_by != "community" else "community"
    return graph_page(ds, graph_key(ds), g, np.asarray(colors), key, max_nodes, 4)
