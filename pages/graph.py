"""Graph: the song graph with its communities, and the playlist upload that rebuilds it."""

import streamlit as st

from songsim import ui

ds = ui.current_dataset()
st.title("Song graph")

upload_box = st.container()  # drawn above the settings, filled once they are read
c1, c2, c3, c4 = st.columns(4)
widgets = ui.GRAPH_WIDGETS
graph = ui.GraphParams(
    method=c1.selectbox("Method", ui.COMMUNITY_METHODS, **ui.widget_key(*widgets["method"])),
    max_communities=c2.number_input(
        "Communities (0 = automatic)",
        0,
        50,
        help="Leading eigenvector treats this as an upper bound per "
        "component: it stops early when no split raises modularity.",
        **ui.widget_key(*widgets["max_communities"]),
    )
    or None,
    refine=c3.checkbox("Vertex-moving refinement", **ui.widget_key(*widgets["refine"])),
    min_playlists=c4.number_input(
        "Min playlists per song", 1, 100, **ui.widget_key(*widgets["min_playlists"])
    ),
)

level, message = ui.upload_outcome()
uploaded = ui.current_upload() is not None or level is not None or ds.playlists.empty
with upload_box.expander("Upload playlists to rebuild the graph", expanded=uploaded):
    st.caption(
        "CSV (playlist_id,track_id, or DEEJ-A.I. rows), Spotify MPD JSON (plain, .gz or .zip), "
        "Exportify CSV, or M3U/M3U8. The upload is yours alone: other visitors keep their graph."
    )
    file = st.file_uploader("Playlist file", type=list(ui.UPLOAD_TYPES), key=ui.uploader_key())
    if ui.take_upload(file, graph):
        st.rerun()  # the whole app again: the sidebar's counts and file name follow the upload
    if level == "error":
        st.error(f"{ui.plain(ui.viewer_text(message))} — the previous graph is kept.")
    elif level == "success":
        st.success(message)
    if ui.current_upload() is not None and st.button("Back to the dataset's own playlists"):
        ui.clear_upload()
        st.rerun()

if ds.playlists.empty:
    st.info(
        "This library has no playlists, so there is no song graph yet: upload a playlist file "
        "above (CSV, MPD JSON, Exportify CSV or M3U) to build one for this session, or ingest "
        "the library with its playlists."
    )
    st.stop()
if ui.current_upload() is None and (link := ui.server_link(ds)) is not None:
    from_server = ui.server_playlist_count(ds)
    st.caption(
        f"{from_server:,} of this graph's {ds.summary()['playlists']:,} playlists come from the "
        f"music server {ui.plain(link['url'])} (read {ui.plain(link['refreshed_at'])}); playlists "
        "songsim saved there are left out."
    )
try:
    g, res = ui.current_graph(ds, graph)
except ui.SongsimError as exc:
    ui.show_error(exc)
    st.stop()

m1, m2, m3, m4 = st.columns(4)
m1.metric("Songs in the largest component", g.n_nodes)
m2.metric("Edges", f"{g.n_edges:,}")
m3.metric("Communities", res.n_communities)
m4.metric("Modularity", f"{res.modularity:.3f}")
if res.note:
    st.warning(res.note)

left, mid, right = st.columns(3)
color_by = left.radio(
    "Colour nodes by", ["community", "cluster"], horizontal=True, key="graph_color"
)
max_nodes = mid.slider("Nodes drawn (top by degree)", 20, 500, 300, step=10, key="graph_nodes")
kind = ui.chosen_kind(ds)
k = ui.chosen_k(ds, kind)
if color_by == "cluster":
    right.caption(
        f"Clusters: k-means, k = {k} on {ui.short_kind_label(kind)} (set on the Clusters page)."
    )
picked = ui.selected_song(ds)
near = ui.graph_neighbours(ds, graph, picked) if picked is not None else None
clusters = ui.clusters(ds, kind, k) if color_by == "cluster" else None
nodes, lines = ui.graph_view(ds, graph, max_nodes, clusters)
spec = ui.graph_spec(
    ds, graph, kind, k, color=color_by, max_nodes=max_nodes, picked=picked, group=ui.focus(ds)
)
ui.forget_chart("graph_chart")
view, details = st.columns([3, 1])
with view:
    event = st.vega_lite_chart(
        spec=spec, width="stretch", on_select="rerun", selection_mode="picked", key="graph_chart"
    )
if ui.pick_from_chart(ds, event, "graph_chart"):
    st.rerun()
st.caption(
    f"Showing {len(nodes)} of {g.n_nodes} songs (highest degree) and {len(lines):,} of "
    f"{g.n_edges:,} edges (each drawn song's {ui.EDGES_PER_NODE} strongest links), sized by degree. Hover a node for its "
    "title, click it to pick the song; scroll to zoom, drag to pan, double-click to reset."
)
with details:
    if picked is None:
        st.caption("Click a node to pick its song: it is then picked on every page.")
    else:
        st.markdown(f"**{ui.plain(ui.track_label(ds, picked))}**")
        ui.play(ds, picked)
        community = ui.community_series(ds, graph).get(picked)
        if community is None:
            st.caption("Not in the graph's largest component (no community).")
        else:
            st.caption(f"Community {community} ({res.sizes[community]} songs).")
            if st.button(f"Highlight community {community}", key="focus_community"):
                ui.set_focus(ds, "community", community)
                st.rerun()
            st.caption("Its strongest links (songs sharing the most playlists):")
            st.dataframe(
                near[["shared playlists", "title", "artist"]], hide_index=True, width="stretch"
            )
        st.page_link(
            "pages/similar.py", label="Songs that sound like it", icon=":material/headphones:"
        )
st.download_button(
    "Download this graph as an interactive page (HTML, works offline)",
    data=lambda: ui.graph_html_for(ds, graph, max_nodes, clusters)[0],
    file_name="songsim-graph.html",
    mime="text/html",
)

st.subheader("Community sizes")
ui.forget_chart("community_bars")
event = st.vega_lite_chart(
    spec=ui.community_sizes_spec(ds, graph),
    width="stretch",
    on_select="rerun",
    selection_mode="focus",
    key="community_bars",
)
if ui.focus_from_chart(ds, event, "community", "community_bars"):
    st.rerun()
ui.focus_caption(ds)

measured = ui.community_measures(ds, graph)
if measured is not None:
    st.dataframe(measured, width="stretch", hide_index=True)
    st.caption(
        "Each community's tempo (the middle half of its tracks' BPM), commonest key and share "
        "of minor keys, and median loudness, over its measured tracks."
    )

if ui.tags_available(ds) and st.toggle(
    "Say it in words: the musicnn tags that set each community apart",
    help="Playlist communities described by what the songs sound like: two musicnn taggers "
    "hear each track (computed once per dataset): the Million Song Dataset's tags (genres, "
    "eras) and MagnaTagATune's (instruments, voices, moods).",
    **ui.widget_key("show_tags", False),
):
    try:
        st.dataframe(ui.community_tags(ds, graph), width="stretch", hide_index=True)
    except ui.SongsimError as exc:  # the audio musicnn hears is gone
        ui.show_error(exc)
    st.caption(
        "A community's tags are those whose mean probability rises most above the mean over all "
        "tracks; compare them with the clusters' on the Clusters page to see how audio groups and "
        "playlist groups differ."
    )
