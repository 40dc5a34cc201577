"""The Compare page's results: clusters against communities and labels (contingency and scores),
and every embedding's figures side by side — the ``comparison_with_*`` and ``embedding_scores``
steps of :mod:`songsim.steps`, asked for by name."""

from __future__ import annotations

import pandas as pd

from ..data.datasets import Dataset
from ..steps import comparison as compared
from .results import ensure_embedded, short_kind_label
from .stepcache import app_flow


def scores_table(rows: list[dict]) -> pd.DataFrame:
    """The agreement scores of each comparison, rounded, with the metrics' own names."""
    names = {"n": "tracks", "ami": "AMI", "ari": "ARI", "nmi": "NMI", "v_measure": "V-measure"}
    return pd.DataFrame(rows).round(4).rename(columns=names)


def comparison(ds: Dataset, graph, kind: str, k: int, against: str) -> tuple[dict, dict, int]:
    """``(contingency heatmap spec, scores, tracks left out)`` of the k-means clusters against
    'communities' (of the graph with parameters ``graph``) or 'labels'."""
    from .charts import contingency_heatmap, spec

    ensure_embedded(ds, kind)
    done = compared(app_flow(ds), against, kind=kind, k=k, graph=graph)
    return spec(contingency_heatmap(done.table)), done.scores, done.left_out


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
    """One row of the Compare table: ``kind``'s figures (the ``embedding_scores`` step, as
    ``songsim evaluate`` gives them) against the communities of the graph with parameters
    ``graph``."""
    ensure_embedded(ds, kind)
    row = app_flow(ds).get("embedding_scores", kind=kind, graph=graph)
    return {"embedding": short_kind_label(kind), **row}


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
