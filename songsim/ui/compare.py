"""The Compare page's steps: clusters against communities and labels (contingency and scores), and
every embedding's figures side by side, from the cached k sweeps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from .. import pipeline
from ..data.datasets import Dataset
from ..errors import SongsimError
from .cached import (
    clusters,
    embedding,
    fitted_sweep,
    short_kind_label,
)
from .graphs import community_series, graph_key


def scores_table(rows: list[dict]) -> pd.DataFrame:
    """The agreement scores of each comparison, rounded, with the metrics' own names."""
    names = {"n": "tracks", "ami": "AMI", "ari": "ARI", "nmi": "NMI", "v_measure": "V-measure"}
    return pd.DataFrame(rows).round(4).rename(columns=names)


def comparison(ds: Dataset, graph, kind: str, k: int, against: str) -> tuple[dict, dict, int]:
    """``(contingency heatmap spec, scores, tracks left out)`` of the k-means clusters against
    'communities' (of the graph with parameters ``graph``) or 'labels'; cached per graph,
    version of the embedding's vectors, k and target."""
    if against == "labels" and ds.labels is None:
        raise SongsimError("this dataset has no labels")
    vectors = pipeline.track_vectors_key(ds, kind)
    return _comparison(ds, graph_key(ds, graph), graph, vectors, kind, k, against)


@st.cache_data(max_entries=64, show_spinner=False)
def _comparison(
    _ds: Dataset, graph_key: str, _graph, vectors_key: str, kind: str, k: int, against: str
) -> tuple[dict, dict, int]:
    from ..analysis.compare import aligned, contingency, scores
    from .charts import contingency_heatmap, spec

    cl = pd.Series(clusters(_ds, kind, k), index=np.arange(_ds.n_tracks))
    if against == "labels":
        ref = pd.Series(_ds.labels, index=np.arange(_ds.n_tracks)).replace("", np.nan)
    else:
        ref = community_series(_ds, _graph)
    a, b, left_out = aligned(cl, ref)
    table = contingency(
        a, b, names=("cluster", {"communities": "community", "labels": "label"}[against])
    )
    return spec(contingency_heatmap(table)), scores(a, b), left_out


def scorable_kinds(ds: Dataset, kinds) -> list[str]:
    """The kinds the Compare table scores: a tagger kind or one joined from them
    (:data:`~songsim.embeddings.AUDIO_KINDS`: they decode the audio again) only once its vectors
    are stored for every track, as ``songsim evaluate`` does."""
    from ..embeddings import AUDIO_KINDS
    from ..embeddings.kinds import embedding_stored
    from ..embeddings.names import COMPOSITES, TAGGERS

    heard = {k for k in TAGGERS if embedding_stored(ds, k)}  # each store checked once
    parts = {k: set(COMPOSITES.get(k, [k])) & set(TAGGERS) for k in AUDIO_KINDS}
    return [k for k in kinds if k not in AUDIO_KINDS or parts[k] <= heard]


def embedding_scores(ds: Dataset, graph, kind: str) -> dict:
    """One row of the Compare table: ``kind``'s figures of
    :func:`songsim.analysis.evaluation.score_embedding` against the communities of the graph with
    parameters ``graph``, from the cached k sweep; cached per version of the embedding's vectors
    (its checkpoint included) and graph."""
    vectors = pipeline.track_vectors_key(ds, kind)
    return _embedding_scores(ds, graph_key(ds, graph), graph, vectors, kind)


@st.cache_data(max_entries=64, show_spinner=False)
def _embedding_scores(_ds: Dataset, graph_key: str, _graph, vectors_key: str, kind: str) -> dict:
    from ..analysis.evaluation import score_embedding

    out = score_embedding(
        embedding(_ds, kind),
        labels=_ds.complete_labels,
        communities=community_series(_ds, _graph),
        sweep=fitted_sweep(_ds, kind),
    )
    return {"embedding": short_kind_label(kind), **out}


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
