"""Cached pipeline steps the pages call: models, embeddings, k sweeps, 2-D maps, comparisons,
similar songs, and chart specs.

Every public function takes the dataset and plain parameters; it keys its Streamlit cache on the
dataset's fingerprints itself (``st.cache_resource`` for models and t-SNE affinities, treated as
read-only, ``st.cache_data`` for arrays and tables, all with bounded entries).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ..data.datasets import Dataset
from ..embeddings import MODEL_KINDS, PREFERENCE
from ..errors import SongsimError
from ..storage import current_version
from .graphs import community_series, graph_key
from .session import progress_callback

#: The models the Model page trains, best first (one list: :data:`songsim.embeddings.MODEL_KINDS`).
MODEL_CHOICES = tuple(k for k in PREFERENCE if k in MODEL_KINDS)
KINDS_LABELS = {
    "raw": "Raw spectrogram",
    "pca": "PCA (64)",
    "mfcc": "MFCC statistics",
    "cae": "Convolutional autoencoder",
    "vae": "Variational autoencoder",
    "contrastive": "Contrastive encoder",
    "musicnn": "musicnn (pretrained tagger)",
}


@st.cache_data(max_entries=256, show_spinner=False)
def _chart_spec(key: tuple, _chart) -> dict:
    from .charts import spec

    return spec(_chart())


def chart_spec(ds: Dataset, key: tuple, chart) -> dict:
    """Vega-Lite spec of the Altair chart that ``chart()`` builds, built once per ``key`` and
    version of ``ds`` and of its graph (clips, playlists with the session's upload, graph settings).

    ``key`` must name everything else the chart shows (the embedding, k, the colouring…): a page
    rerun with the same key reuses the spec instead of rebuilding it (≈ 20–60 ms a chart).
    """
    return _chart_spec((graph_key(ds), ds.audio_fingerprint, *key), chart)


def checkpoint_available(ds: Dataset, kind: str, latent: int) -> bool:
    """Whether a checkpoint fits ``ds``; cached until a checkpoint entry changes (a new
    ``CURRENT`` pointer), since checking one hashes its weights file against its manifest."""
    from ..models.checkpoints import checkpoint_entry, shipped_entry

    pointers = tuple(
        str(current_version(e))
        for e in (checkpoint_entry(ds.name, kind, latent), shipped_entry(kind, latent))
    )
    return _has_checkpoint(ds, ds.audio_fingerprint, kind, latent, pointers)


@st.cache_data(max_entries=64, show_spinner=False)
def _has_checkpoint(_ds: Dataset, audio_key: str, kind: str, latent: int, pointers: tuple) -> bool:
    from ..embeddings.modeling import find_checkpoint

    return find_checkpoint(_ds, kind, latent) is not None


def model(ds: Dataset, kind: str, latent: int):
    """``(model, manifest)`` of a matching checkpoint (no training)."""
    return _model(ds, ds.audio_fingerprint, kind, latent)


@st.cache_resource(max_entries=4, show_spinner="Loading model…")
def _model(_ds: Dataset, audio_key: str, kind: str, latent: int):
    from ..embeddings.modeling import get_model

    return get_model(_ds, kind, latent=latent, train_if_missing=False)


def train_model(ds: Dataset, kind: str, latent: int, epochs: int, bar) -> dict:
    from ..embeddings.modeling import train_and_save
    from ..models.train import TrainParams

    params = TrainParams.for_model(kind, latent=latent, epochs=epochs)
    _, manifest = train_and_save(ds, params, progress=progress_callback(bar))
    _model.clear()
    _embedding.clear()
    return manifest


def reconstructions(
    ds: Dataset, kind: str, latent: int, clip_ids: tuple, version: str
) -> list[tuple[bytes, bytes]]:
    """PNG pairs ``(original, reconstruction)`` of clips ``clip_ids`` through checkpoint ``version``."""
    return _reconstructions(ds, ds.audio_fingerprint, kind, latent, tuple(clip_ids), version)


@st.cache_data(max_entries=16, show_spinner=False)
def _reconstructions(
    _ds: Dataset, audio_key: str, kind: str, latent: int, clip_ids: tuple, version: str
) -> list[tuple[bytes, bytes]]:
    from ..models.train import reconstruct
    from .charts import spectrogram_png

    net, _ = _model(_ds, audio_key, kind, latent)
    originals = _ds.clips[list(clip_ids)]
    return [
        (spectrogram_png(o), spectrogram_png(r))
        for o, r in zip(originals, reconstruct(net, originals))
    ]


def training_views(ds: Dataset, clip_ids: tuple, crop_frames: int) -> list[tuple[bytes, bytes]]:
    """PNG pairs: two random training views (crop, noise, masks) of each clip in ``clip_ids``."""
    return _training_views(ds, ds.audio_fingerprint, tuple(clip_ids), crop_frames)


@st.cache_data(max_entries=16, show_spinner=False)
def _training_views(
    _ds: Dataset, audio_key: str, clip_ids: tuple, crop_frames: int
) -> list[tuple[bytes, bytes]]:
    import torch

    from ..models.contrastive import augment
    from .charts import spectrogram_png

    x = torch.from_numpy(_ds.clips[list(clip_ids)]).unsqueeze(1)
    gen = torch.Generator().manual_seed(0)
    a, b = (
        augment(x, gen, crop_frames=crop_frames).squeeze(1).clamp(0, 1).numpy() for _ in range(2)
    )
    return [(spectrogram_png(u), spectrogram_png(v)) for u, v in zip(a, b)]


def model_defaults(kind: str) -> tuple[int, int]:
    """``(latent size, epochs)`` a new training run of ``kind`` uses by default."""
    from ..models import DEFAULT_LATENT
    from ..models.train import TrainParams

    return DEFAULT_LATENT[kind], TrainParams.for_model(kind).epochs


def available_kinds(ds: Dataset) -> list[str]:
    """:func:`songsim.embeddings.available_kinds`, with the checkpoint lookups cached."""
    from ..embeddings import available_kinds as kinds_for
    from ..models import DEFAULT_LATENT

    return kinds_for(ds, lambda d, kind: checkpoint_available(d, kind, DEFAULT_LATENT[kind]))


def default_kind(kinds: list[str]) -> str:
    """The embedding pages start on: the best available (see :func:`songsim.embeddings.best_kind`)."""
    from ..embeddings import best_kind

    return best_kind(kinds)


def embedding(ds: Dataset, kind: str) -> np.ndarray:
    """Track vectors ``(n_tracks, d)`` of one embedding kind."""
    return _embedding(ds, ds.audio_fingerprint, kind)


@st.cache_data(max_entries=16, show_spinner="Computing embeddings…")
def _embedding(_ds: Dataset, audio_key: str, kind: str) -> np.ndarray:
    from ..embeddings import embed

    return embed(_ds, kind, train_if_missing=False).track


def sweep(ds: Dataset, kind: str, k_max: int = 20) -> dict:
    """k-means over k = 2…``k_max``: ``{"table", "labels", "elbow_k", "best_k"}``."""
    s = _fitted_sweep(ds, ds.audio_fingerprint, kind, k_max)
    return {"table": s.table(), "labels": s.labels_, "elbow_k": s.elbow_k_, "best_k": s.best_k_}


@st.cache_data(max_entries=16, show_spinner="Sweeping k…")
def _fitted_sweep(_ds: Dataset, audio_key: str, kind: str, k_max: int):
    """The fitted :class:`~songsim.analysis.clustering.KSweep` (the Compare table reuses it)."""
    from ..analysis.clustering import KSweep

    X = _embedding(_ds, audio_key, kind)
    return KSweep(range(2, min(k_max, len(X) - 1) + 1)).fit(X)


def clusters(ds: Dataset, kind: str, k: int) -> np.ndarray:
    """k-means labels ``(n_tracks,)`` at ``k`` (from the cached sweep)."""
    labels = sweep(ds, kind)["labels"]
    if k not in labels:
        raise SongsimError(f"k = {k} is outside the sweep (2–{max(labels)})")
    return labels[k]


def tags_available(ds: Dataset) -> bool:
    """Whether musicnn can hear ``ds`` (the demo or an audio dataset), so groups get words."""
    from ..embeddings import AUDIO_KINDS

    return all(k in available_kinds(ds) for k in AUDIO_KINDS)


@st.cache_data(
    max_entries=8, show_spinner="Listening with musicnn (once per dataset; minutes on a large one)…"
)
def _track_tags(_ds: Dataset, audio_key: str) -> pd.DataFrame:
    from ..analysis.tags import track_tags

    return track_tags(_ds)


def _words(table: pd.DataFrame, what: str) -> pd.DataFrame:
    from ..analysis.tags import describe

    return pd.DataFrame(
        {what: table["group"], "songs": table["size"], "tags that set it apart": describe(table)}
    )


def cluster_tags(ds: Dataset, kind: str, k: int) -> pd.DataFrame:
    """Per cluster: its size and the musicnn tags that rise most above the corpus mean."""
    from ..analysis.tags import distinctive_tags

    probs = _track_tags(ds, ds.audio_fingerprint)
    return _words(distinctive_tags(probs, clusters(ds, kind, k)), "cluster")


def community_tags(ds: Dataset) -> pd.DataFrame:
    """Per community of the session's graph: its size and the tags that set it apart."""
    from ..analysis.tags import distinctive_tags

    probs = _track_tags(ds, ds.audio_fingerprint)
    comm = community_series(ds).reindex(np.arange(ds.n_tracks))
    groups = np.array([None if pd.isna(c) else int(c) for c in comm], dtype=object)
    return _words(distinctive_tags(probs, groups), "community")


def cluster_sizes(ds: Dataset, kind: str, k: int) -> list[int]:
    return np.bincount(clusters(ds, kind, k), minlength=k).tolist()


#: The perplexity slider's top; a small library allows less (see :func:`max_perplexity`).
MAX_PERPLEXITY = 50


@st.cache_resource(max_entries=8, show_spinner="Finding nearest neighbours for t-SNE…")
def _tsne_mapper(_ds: Dataset, audio_key: str, kind: str):
    from ..analysis.maps import TSNEMapper

    return TSNEMapper(max_perplexity=MAX_PERPLEXITY).fit(_embedding(_ds, audio_key, kind))


def max_perplexity(ds: Dataset) -> int:
    """The largest perplexity t-SNE allows for ``ds``: :data:`MAX_PERPLEXITY`, or (n − 1) / 3
    for a library of fewer than 151 tracks (at least 1)."""
    return int(max(1, min(MAX_PERPLEXITY, (ds.n_tracks - 1) // 3)))


def tsne(ds: Dataset, kind: str, perplexity: float) -> np.ndarray:
    """t-SNE map ``(n_tracks, 2)`` at ``perplexity`` (neighbours found once per embedding);
    the perplexity must be at most :func:`max_perplexity`."""
    if not 1 <= perplexity <= max_perplexity(ds):
        raise SongsimError(
            f"perplexity {perplexity:g} is outside 1–{max_perplexity(ds)} for {ds.n_tracks} tracks"
        )
    return _tsne(ds, ds.audio_fingerprint, kind, float(perplexity))


@st.cache_data(max_entries=32, show_spinner="Running t-SNE…")
def _tsne(_ds: Dataset, audio_key: str, kind: str, perplexity: float) -> np.ndarray:
    return _tsne_mapper(_ds, audio_key, kind).transform(perplexity)


def pca(ds: Dataset, kind: str) -> tuple[np.ndarray, list[float]]:
    """PCA map ``(n_tracks, 2)`` and the variance ratio of its two components."""
    return _pca(ds, ds.audio_fingerprint, kind)


@st.cache_data(max_entries=16, show_spinner=False)
def _pca(_ds: Dataset, audio_key: str, kind: str) -> tuple[np.ndarray, list[float]]:
    from ..analysis.maps import pca_2d

    return pca_2d(_embedding(_ds, audio_key, kind))


def map_points(ds: Dataset, xy: np.ndarray, kind: str, k: int) -> pd.DataFrame:
    """Points of a 2-D map with what the tooltips and colours need (index = track row)."""
    from .charts import NO_GROUP

    pts = ds.tracks[["track_id", "title", "artist"]].copy()
    pts["x"], pts["y"] = xy[:, 0], xy[:, 1]
    pts["cluster"] = clusters(ds, kind, k).astype(str)
    comm = community_series(ds)
    pts["community"] = (
        pd.Series(comm.astype(str), index=comm.index)
        .reindex(np.arange(ds.n_tracks))
        .fillna(NO_GROUP)
        .to_numpy()
    )
    if ds.labels is not None:
        pts["label"] = ds.labels
    if tags_computed(ds):  # musicnn has heard this dataset: its top tags in the tooltip
        from ..analysis.tags import top_tags

        pts["tags"] = [", ".join(t) for t in top_tags(_track_tags(ds, ds.audio_fingerprint), 3)]
    return pts


def highlight(ds: Dataset, kind: str, k: int, search: str = "", group=None) -> np.ndarray | None:
    """Which tracks to show in full ``(n_tracks,)`` bool — those whose title, artist or id
    contains ``search`` (any case) and that are in ``group`` (``("cluster" | "community", id)``)
    — or None when neither narrows anything."""
    from .charts import NO_GROUP

    mask = np.ones(ds.n_tracks, bool)
    text = search.strip().casefold()
    if text:
        t = ds.tracks
        found = (t["title"] + "\n" + t["artist"] + "\n" + t["track_id"]).str.casefold()
        mask &= found.str.contains(text, regex=False).to_numpy()
    if group is not None:
        what, gid = group
        if what == "cluster":
            mask &= clusters(ds, kind, k).astype(str) == gid
        else:
            comm = community_series(ds).reindex(np.arange(ds.n_tracks))
            mask &= comm.astype("string").fillna(NO_GROUP).to_numpy() == gid
    return mask if (text or group is not None) else None


def scores_table(rows: list[dict]) -> pd.DataFrame:
    """The agreement scores of each comparison, rounded, with the metrics' own names."""
    names = {"n": "tracks", "ami": "AMI", "ari": "ARI", "nmi": "NMI", "v_measure": "V-measure"}
    return pd.DataFrame(rows).round(4).rename(columns=names)


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
    from ..analysis.compare import aligned, contingency, scores
    from .charts import contingency_heatmap, spec

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


def tags_computed(ds: Dataset) -> bool:
    """Whether musicnn has already heard ``ds`` (its embedding is stored): then its tags are shown
    wherever they cost nothing more (map tooltips, the Compare table)."""
    from ..embeddings.kinds import embedding_stored

    return embedding_stored(ds, "musicnn")


def scorable_kinds(ds: Dataset, kinds) -> list[str]:
    """The kinds the Compare table scores: musicnn (:data:`~songsim.embeddings.AUDIO_KINDS`: it
    decodes the audio again) only once it has been computed for the dataset, as
    ``songsim evaluate`` does."""
    from ..embeddings import AUDIO_KINDS

    listened = tags_computed(ds)
    return [k for k in kinds if k not in AUDIO_KINDS or listened]


def embedding_scores(ds: Dataset, kind: str) -> dict:
    """One row of the Compare table: ``kind``'s figures of
    :func:`songsim.analysis.evaluation.score_embedding`, from the cached k sweep; cached per
    embedding and graph."""
    return _embedding_scores(ds, graph_key(ds), ds.audio_fingerprint, kind)


@st.cache_data(max_entries=64, show_spinner=False)
def _embedding_scores(_ds: Dataset, graph_key: str, audio_key: str, kind: str) -> dict:
    from ..analysis.evaluation import score_embedding

    out = score_embedding(
        embedding(_ds, kind),
        labels=_ds.complete_labels,
        communities=community_series(_ds),
        sweep=_fitted_sweep(_ds, audio_key, kind, 20),
    )
    return {"embedding": KINDS_LABELS.get(kind, kind), **out}


def embeddings_table(rows: list[dict]) -> pd.DataFrame:
    """The Compare table of :func:`embedding_scores` rows, with the measures' readable names.

    One column per embedding and one row per measure, so that it fits any width; values as
    text, three decimals (— where a measure does not apply)."""
    table = pd.DataFrame(rows).drop(columns=["silhouette"], errors="ignore")
    table = table[[c for c in SCORE_NAMES if c in table]].rename(columns=SCORE_NAMES)
    by_measure = table.set_index("embedding").T.astype(object)
    for measure in by_measure.index:
        whole = SCORE_NAMES.get(measure) in _WHOLE or measure in _WHOLE
        by_measure.loc[measure] = [_figure(v, whole) for v in by_measure.loc[measure]]
    return by_measure.rename_axis(columns=None).reset_index(names="measure")


_WHOLE = {"dimensions", "best k (silhouette)", "elbow k"}  # measures that are counts


def _figure(value, whole: bool) -> str:
    if value is None or pd.isna(value):
        return "—"
    return str(int(value)) if whole else f"{float(value):.3f}"


#: The Compare table's columns as a reader says them (``songsim evaluate --json`` keeps the keys).
SCORE_NAMES = {
    "embedding": "embedding",
    "dim": "dimensions",
    "best_k_silhouette": "best k (silhouette)",
    "elbow_k": "elbow k",
    "silhouette_at_best_k": "silhouette at best k",
    "silhouette_at_elbow_k": "silhouette at elbow k",
    "ami_communities": "AMI vs communities",
    "ari_communities": "ARI vs communities",
    "v_measure_communities": "V-measure vs communities",
    "ami_labels": "AMI vs labels",
    "ari_labels": "ARI vs labels",
    "v_measure_labels": "V-measure vs labels",
    "precision_at_10": "precision@10 vs labels",
}


def similar(ds: Dataset, kind: str, index: int, n: int) -> pd.DataFrame:
    from ..analysis.similar import nearest

    idx, sim = nearest(embedding(ds, kind), index, n=n)
    out = ds.tracks.iloc[idx][["track_id", "title", "artist", "label"]].copy()
    out.insert(0, "similarity", np.round(sim, 4))
    out.insert(0, "row", idx)
    return out.reset_index(drop=True)


def grow(ds: Dataset, kind: str, index: int, length: int) -> pd.DataFrame:
    from ..analysis.similar import grow_playlist

    order = grow_playlist(embedding(ds, kind), index, length=length)
    out = ds.tracks.iloc[order][["track_id", "title", "artist", "label", "duration"]].copy()
    out.insert(0, "row", order)
    return out.reset_index(drop=True)


def exports(table: pd.DataFrame, name: str) -> tuple[str, str]:
    """``(m3u8 text, csv text)`` of a playlist table, neutralised against formula injection."""
    from ..analysis.similar import to_csv, to_m3u8

    cols = [c for c in ("track_id", "title", "artist", "label", "duration") if c in table]
    return to_m3u8(table, name=name), to_csv(table[cols])
