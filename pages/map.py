"""Map: t-SNE (perplexity slider) and PCA of the track embeddings; click a point to play it."""

import streamlit as st

from songsim import ui
from songsim.ui.charts import scatter_map

ds = ui.current_dataset()
st.title("Map")
kinds = ui.available_kinds(ds)
c1, c2, c3 = st.columns(3)
kind = c1.selectbox(
    "Embedding",
    kinds,
    format_func=ui.KINDS_LABELS.get,
    **ui.widget_key("kind", ui.default_kind(kinds)),
)
method = c2.radio(
    "Projection", ["t-SNE", "PCA"], horizontal=True, **ui.widget_key("projection", "t-SNE")
)
color_options = (
    ["cluster"]
    + (["community"] if ui.has_graph(ds) else [])
    + (["label"] if ds.labels is not None else [])
)
color = c3.radio(
    "Colour by", color_options, horizontal=True, **ui.widget_key("map_color", color_options[-1])
)

perplexity = None
if method == "t-SNE":
    perplexity = st.slider("Perplexity", 5, 50, **ui.widget_key("perplexity", 30))
    xy = ui.tsne(ds, kind, float(perplexity))
    st.caption(
        f"t-SNE of {ds.n_tracks} track vectors at perplexity {perplexity} "
        "(the neighbour search is done once and reused for every perplexity)."
    )
else:
    xy, ratio = ui.pca(ds, kind)
    st.caption(
        f"PCA: the two components explain {ratio[0]:.1%} and {ratio[1]:.1%} of the variance."
    )

# everything the map shows: the points (embedding, projection), the graph, k and the colouring
k = ui.sweep_k(ds, kind, ui.setting("k", 8))  # set on the Clusters page
key = ("map", kind, method, perplexity, k, color, ui.tags_computed(ds))
chart = ui.chart_spec(ds, key, lambda: scatter_map(ui.map_points(ds, xy, kind, k), color=color))
event = st.vega_lite_chart(spec=chart, width="stretch", on_select="rerun", key="map_chart")
picked = ui.picked_track(ds, event)
if picked is None:
    st.caption("Click a point to play its song.")
else:
    st.markdown(f"**{ui.plain(ui.track_label(ds, picked))}**")
    ui.play(ds, picked)
