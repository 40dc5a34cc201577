"""The dashboard's layer over the steps (:mod:`songsim.steps`): pages import ``from songsim import ui`` and only lay
out what these functions return.

* :mod:`.navigation` — the pages and the router that runs them;
* :mod:`.settings` — settings that survive page switches;
* :mod:`.session` — the session's dataset and playlist upload, server-side ingest;
* :mod:`.stepcache` — the dashboard's flow: the steps' results in Streamlit's caches (with
  :mod:`.media`'s bytes the only Streamlit caches);
* :mod:`.results` — models, embeddings, k sweeps, clusters and their tags, asked for by step name
  (never by key); :mod:`.maps`, :mod:`.compare` and :mod:`.similar` — the Map, Compare and
  Similar songs pages' results, over those;
* :mod:`.selection` — what one page picks and every page shows: k, the song, the highlighted group;
* :mod:`.graphs` — the session's song graph, its communities and the drawn network;
* :mod:`.figures` — the charts and map drawings, declared as steps;
* :mod:`.media` — audio, spectrogram images and escaped text;
* :mod:`.server` — the user's music server: its link and the playlists saved to it.
"""

from pathlib import Path

from ..analysis.communities import METHODS as COMMUNITY_METHODS
from ..embeddings.kinds import kind_name
from ..errors import SongsimError
from ..models.checkpoints import describe as describe_checkpoint
from ..params import GraphParams, MapParams, SweepParams
from . import _preload  # noqa: F401  (first: see its docstring)
from .compare import (
    comparison,
    embedding_scores,
    embeddings_table,
    scorable_kinds,
    scores_table,
)
from .deck import WEBGL_ABOVE, deck_event
from .figures import (
    cluster_sizes_spec,
    community_sizes_spec,
    graph_spec,
    loss_spec,
    map_deck,
    map_spec,
    sweep_spec,
)
from .graphs import (
    EDGES_PER_NODE,
    GRAPH_WIDGETS,
    community_series,
    current_graph,
    graph_html_for,
    graph_neighbours,
    graph_settings,
    graph_view,
    has_graph,
)
from .library import (
    ingest_folder,
    training_refused,
    updatable,
    update_library,
    writes_allowed,
)
from .links import publish as publish_view
from .links import restore as restore_view
from .maps import (
    color_options,
    default_color,
    highlight,
    map_caption,
    map_points,
    map_waiting,
    perplexity_range,
    track_map,
)
from .media import (
    clip_png,
    plain,
    play,
    show_error,
    track_audio,
    track_label,
    track_labels,
    viewer_text,
)
from .navigation import pages, router
from .results import (
    KINDS_LABELS,
    MODEL_CHOICES,
    available_kinds,
    checkpoint_available,
    checkpoint_origin,
    checkpoint_summary,
    cluster_sizes,
    cluster_tags,
    clusters,
    community_tags,
    default_kind,
    embedding,
    k_sweep,
    kind_label,
    model,
    model_defaults,
    reconstructions,
    short_kind_label,
    tags_available,
    tags_computed,
    train_model,
    training_views,
)
from .selection import (
    PICKER_ALL,
    chosen_k,
    chosen_kind,
    focus,
    focus_caption,
    focus_from_chart,
    forget_chart,
    k_widget,
    kind_widget,
    pick_from_chart,
    select_song,
    selected_song,
    set_focus,
    song_options,
    song_widget,
)
from .server import (
    refresh_link,
    save_clusters,
    save_to_server,
    server_link,
    server_playlist_count,
    server_writable,
)
from .session import (
    UPLOAD_TYPES,
    Upload,
    apply_upload,
    bootstrap,
    clear_upload,
    current_dataset,
    current_upload,
    dataset_names,
    default_dataset,
    progress_callback,
    show_dataset,
    stop_training,
    take_news,
    take_upload,
    training_was_stopped,
    upload_outcome,
    uploader_key,
)
from .settings import ingest_roots, setting, widget_key
from .similar import (
    exports,
    grow,
    library_folder,
    similar,
    song_path,
)
from .tables import (
    cluster_measures,
    community_measures,
    duplicate_table,
    explained_by_measures,
    measure_library,
    measured,
    track_table,
    unmeasured,
)

#: The page icon (shipped with the package, so nothing is fetched from another host).
ICON = str(Path(__file__).parent / "assets" / "icon.png")

__all__ = [
    "cluster_sizes_spec",
    "community_sizes_spec",
    "graph_spec",
    "loss_spec",
    "map_spec",
    "map_deck",
    "map_waiting",
    "WEBGL_ABOVE",
    "deck_event",
    "sweep_spec",
    "GRAPH_WIDGETS",
    "GraphParams",
    "MapParams",
    "SweepParams",
    "graph_settings",
    "describe_checkpoint",
    "ICON",
    "EDGES_PER_NODE",
    "chosen_k",
    "chosen_kind",
    "checkpoint_summary",
    "checkpoint_origin",
    "kind_label",
    "kind_name",
    "kind_widget",
    "short_kind_label",
    "focus",
    "focus_caption",
    "focus_from_chart",
    "forget_chart",
    "k_widget",
    "pick_from_chart",
    "select_song",
    "selected_song",
    "set_focus",
    "song_widget",
    "song_options",
    "PICKER_ALL",
    "COMMUNITY_METHODS",
    "KINDS_LABELS",
    "MODEL_CHOICES",
    "UPLOAD_TYPES",
    "SongsimError",
    "Upload",
    "apply_upload",
    "available_kinds",
    "bootstrap",
    "checkpoint_available",
    "clear_upload",
    "clip_png",
    "cluster_sizes",
    "cluster_tags",
    "clusters",
    "community_series",
    "community_tags",
    "comparison",
    "current_dataset",
    "current_graph",
    "current_upload",
    "dataset_names",
    "default_dataset",
    "default_kind",
    "embedding",
    "embedding_scores",
    "embeddings_table",
    "highlight",
    "map_caption",
    "perplexity_range",
    "scorable_kinds",
    "exports",
    "library_folder",
    "graph_html_for",
    "graph_neighbours",
    "graph_view",
    "grow",
    "has_graph",
    "ingest_folder",
    "ingest_roots",
    "updatable",
    "training_refused",
    "update_library",
    "uploader_key",
    "writes_allowed",
    "track_table",
    "measure_library",
    "measured",
    "explained_by_measures",
    "color_options",
    "default_color",
    "cluster_measures",
    "community_measures",
    "unmeasured",
    "duplicate_table",
    "map_points",
    "model",
    "model_defaults",
    "play",
    "plain",
    "progress_callback",
    "reconstructions",
    "pages",
    "router",
    "show_dataset",
    "stop_training",
    "take_news",
    "take_upload",
    "training_was_stopped",
    "upload_outcome",
    "scores_table",
    "setting",
    "show_error",
    "viewer_text",
    "publish_view",
    "restore_view",
    "similar",
    "k_sweep",
    "tags_available",
    "tags_computed",
    "track_audio",
    "track_label",
    "track_labels",
    "train_model",
    "training_views",
    "track_map",
    "widget_key",
    "refresh_link",
    "save_clusters",
    "save_to_server",
    "server_link",
    "server_playlist_count",
    "server_writable",
    "song_path",
]
