"""The dashboard's layer over the pipeline: pages import ``from songsim import ui`` and only lay
out what these functions return.

* :mod:`.session` — settings that survive page switches, the session's dataset and playlist
  upload, the router marker, server-side ingest;
* :mod:`.cached` — cached pipeline steps: models, embeddings, k sweeps, maps, comparisons and
  similar songs (each keys its cache on the dataset's fingerprints itself);
* :mod:`.graphs` — the session's song graph, its communities and the drawn network;
* :mod:`.media` — audio, spectrogram images, escaped text, and the chart-spec cache.
"""

from ..analysis.communities import METHODS as COMMUNITY_METHODS
from ..errors import SongsimError
from .cached import (
    KINDS_LABELS,
    MODEL_CHOICES,
    available_kinds,
    chart_spec,
    checkpoint_available,
    cluster_sizes,
    clusters,
    comparison,
    default_kind,
    embedding,
    embeddings_table,
    exports,
    grow,
    map_points,
    model,
    model_defaults,
    pca,
    picked_track,
    reconstructions,
    scores_table,
    similar,
    sweep,
    train_model,
    training_views,
    tsne,
)
from .graphs import community_series, current_graph, graph_html_for, graph_key
from .media import clip_png, plain, play, track_audio, track_label, track_labels
from .session import (
    MAX_UPLOAD_BYTES,
    UPLOAD_TYPES,
    Upload,
    apply_upload,
    bootstrap,
    clear_upload,
    current_dataset,
    current_upload,
    dataset_names,
    ingest_folder,
    ingest_roots,
    progress_callback,
    router,
    setting,
    widget_key,
)

__all__ = [
    "COMMUNITY_METHODS",
    "KINDS_LABELS",
    "MODEL_CHOICES",
    "UPLOAD_TYPES",
    "MAX_UPLOAD_BYTES",
    "SongsimError",
    "Upload",
    "apply_upload",
    "available_kinds",
    "bootstrap",
    "chart_spec",
    "checkpoint_available",
    "clear_upload",
    "clip_png",
    "cluster_sizes",
    "clusters",
    "community_series",
    "comparison",
    "current_dataset",
    "current_graph",
    "current_upload",
    "dataset_names",
    "default_kind",
    "embedding",
    "embeddings_table",
    "exports",
    "graph_html_for",
    "graph_key",
    "grow",
    "ingest_folder",
    "ingest_roots",
    "map_points",
    "model",
    "model_defaults",
    "pca",
    "picked_track",
    "play",
    "plain",
    "progress_callback",
    "reconstructions",
    "router",
    "scores_table",
    "setting",
    "similar",
    "sweep",
    "track_audio",
    "track_label",
    "track_labels",
    "train_model",
    "training_views",
    "tsne",
    "widget_key",
]
