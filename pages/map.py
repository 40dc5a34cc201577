"""Map: t-SNE (perplexity slider) and PCA of the track embeddings; click a song to pick it."""

import streamlit as st

from songsim import ui

ds = ui.current_dataset()
st.title("Map")
c1, c2, c3 = st.columns(3)
kind = c1.selectbox("Embedding", **ui.kind_widget(ds))
graph = ui.graph_settings()  # communities as chosen on the Graph page
method = c2.radio(
    "Projection", ["t-SNE", "PCA"], horizontal=True, **ui.widget_key("projection", "t-SNE")
)
color_options = ui.color_options(ds, graph)
color = c3.radio(
    "Colour by",
    color_options,
    horizontal=True,
    **ui.widget_key("map_color", ui.default_color(color_options)),
)

c1, c2 = st.columns([1, 2])
search = c1.text_input(
    "Find songs", placeholder="title, artist or id", help="Matching songs stay bright."
)
perplexity = ui.MapParams().perplexity  # a small library lowers it (the caption says so)
if method == "t-SNE":
    lowest, top = ui.perplexity_range(ds)
    if top > lowest:
        perplexity = c2.slider(
            "Perplexity",
            lowest,
            top,
            help="About how many neighbours each song keeps close (at most a third of the tracks).",
            **ui.widget_key("perplexity", int(ui.MapParams().perplexity), bounds=(lowest, top)),
        )
params = ui.MapParams(method="tsne" if method == "t-SNE" else "pca", perplexity=perplexity)
tm = ui.track_map(ds, kind, params)
if tm is None:  # a large library's t-SNE map is computed in the background: PCA meanwhile
    ui.map_waiting()
    params = ui.MapParams(method="pca")
    tm = ui.track_map(ds, kind, params)
about = ui.map_caption(ds, tm)

k = ui.chosen_k(ds, kind)
picked = ui.selected_song(ds)
near = ui.similar(ds, kind, picked, 10) if picked is not None else None
mask = ui.highlight(ds, kind, k, graph, search, ui.focus(ds))
chart, details = st.columns([3, 1])
ui.forget_chart("map_chart")
drawing = dict(color=color, picked=picked, search=search, group=ui.focus(ds))
with chart:
    if ds.n_tracks > ui.WEBGL_ABOVE:  # WebGL: smooth with 100,000 songs
        event = ui.deck_event(
            st.pydeck_chart(
                ui.map_deck(ds, kind, params, k, graph, **drawing),
                on_select="rerun",
                selection_mode="single-object",
                key="map_chart",
            )
        )
    else:
        event = st.vega_lite_chart(
            spec=ui.map_spec(ds, kind, params, k, graph, **drawing),
            width="stretch",
            on_select="rerun",
            selection_mode="picked",
            key="map_chart",
        )
if ui.pick_from_chart(ds, event, "map_chart"):
    st.rerun()
st.caption(
    f"{about}. Clusters: k = {k} (set on the Clusters page). Scroll to zoom, drag to pan, "
    "double-click to reset; click a song to pick it, empty space to let go."
    + (f" {int(mask.sum())} songs match." if mask is not None else "")
)
ui.focus_caption(ds, hint="")

with details:
    if picked is None:
        st.caption("Click a point to pick its song: it is then picked on every page.")
    else:
        st.markdown(f"**{ui.plain(ui.track_label(ds, picked))}**")
        ui.play(ds, picked)
        st.page_link(
            "pages/similar.py", label="Similar songs and a playlist", icon=":material/headphones:"
        )
        st.caption(f"Its {len(near)} nearest songs (cosine similarity), drawn with dashed lines:")
        st.dataframe(near[["similarity", "title", "artist"]], hide_index=True, width="stretch")
