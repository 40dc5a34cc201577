"""songsim's steps, declared once (:mod:`songsim.flow`): a :class:`~songsim.flow.Flow` over a
dataset answers any of them by name and parameters, keyed through the steps it reads.

======================  ==========================================  =========================
step                    result                                      reads
======================  ==========================================  =========================
vectors_id *            what identifies an embedding's vectors       audio (+ its checkpoint)
track_vectors           an embedding's track vectors                 audio, vectors_id
vector_index            the index for similar songs                  audio, vectors_id
checkpoint_pointers *   the stored checkpoint versions               audio
checkpoint              the checkpoint that fits, its manifest       checkpoint_pointers
model                   the model of that checkpoint                 checkpoint
reconstructions         clips through the model                      model
training_views          two training views of clips                  audio
with_playlists          the dataset with an upload matched           dataset
song_graph              the graph and its communities                dataset
communities             each track's community (or None)             song_graph
graph_layout            the Graph page's drawing                     song_graph
graph_counts            ``info``'s graph counts (stored on disk)     dataset
k_sweep                 the fitted k sweep                           track_vectors
cluster_labels          clusters at k                                k_sweep (track_vectors)
comparison_with_*       clusters against communities or labels       cluster_labels, …
embedding_scores        one embedding's figures (``evaluate``)       k_sweep, communities
map_neighbours          t-SNE's neighbour search                     track_vectors
track_map               a t-SNE or PCA map                           map_neighbours
track_tags              a vocabulary's tags per track                audio
group_tags              the tags that set each group apart           track_tags
descriptors_version *   which measures are stored                    audio
descriptors             each track's tempo, key and loudness         descriptors_version
======================  ==========================================  =========================

\\* volatile: a cheap look-up run whenever a key is asked for. The dashboard declares its charts
and map drawings as steps too (:mod:`songsim.ui.figures`).
"""

from __future__ import annotations

from ..flow import Flow, Lazy, step
from . import clusters, descriptors, embedding, graph, maps, tags  # noqa: F401  (every step declared)
from .clusters import TARGETS, Comparison, comparison
from .evaluation import evaluate
from .graph import dataset_graph, dataset_incidence_graph
from .maps import TrackMap, drawn_map

__all__ = [
    "TARGETS",
    "Comparison",
    "Flow",
    "Lazy",
    "TrackMap",
    "comparison",
    "dataset_graph",
    "dataset_incidence_graph",
    "drawn_map",
    "evaluate",
    "step",
]
