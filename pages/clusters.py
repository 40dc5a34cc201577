"""Clusters: the k sweep (silhouette and elbow) and the clusters at the chosen k."""

import streamlit as st

from songsim import ui

ds = ui.current_dataset()
st.title("Clusters")
kind = st.selectbox("Embedding", **ui.kind_widget(ds))
result = ui.k_sweep(ds, kind)
ks = result["table"]["k"]
k = st.slider(
    "k (clusters)",
    int(ks.min()),
    int(ks.max()),
    help="Used on every page that shows clusters (Map, Graph, Compare), for this dataset and "
    "embedding; a dataset starts at its best-silhouette k.",
    **ui.k_widget(ds, kind),
)

st.vega_lite_chart(spec=ui.sweep_spec(ds, kind, k), width="stretch")
st.caption(
    f"Best silhouette at k = {result['best_k']}; elbow (kneedle) at k = {result['elbow_k'] or '—'}. "
    "The silhouette is exact, computed once for every k from one pass over the pairwise distances."
    + (f" ({result['note']}.)" if result["note"] else "")
)

st.subheader(f"{k} clusters")
ui.forget_chart("cluster_bars")
event = st.vega_lite_chart(
    spec=ui.cluster_sizes_spec(ds, kind, k),
    width="stretch",
    on_select="rerun",
    selection_mode="focus",
    key="cluster_bars",
)
if ui.focus_from_chart(ds, event, "cluster", "cluster_bars"):
    st.rerun()
ui.focus_caption(ds)

measured = ui.cluster_measures(ds, kind, k)
if measured is not None:
    st.dataframe(measured, width="stretch", hide_index=True)
    st.caption(
        "Each cluster's tempo (the middle half of its tracks' BPM), commonest key and share of "
        "minor keys, and median loudness, over its measured tracks."
    )

words = None
if ui.tags_available(ds) and st.toggle(
    "Say it in words: the musicnn tags that set each cluster apart",
    help="Two musicnn taggers hear each track's clip windows in one pass (computed once per "
    "dataset: about a second a track on 2 cores): one pretrained on the Million Song Dataset "
    "(genres and eras), one on MagnaTagATune (instruments, voices and moods).",
    **ui.widget_key("show_tags", False),
):
    try:
        words = ui.cluster_tags(ds, kind, k)
        st.dataframe(words, width="stretch", hide_index=True)
    except ui.SongsimError as exc:  # the audio musicnn hears is gone
        ui.show_error(exc)
    st.caption(
        "A cluster's tags are those whose mean probability in the cluster rises most above the "
        "mean over all tracks, from each vocabulary: the Million Song Dataset's 50 tags (genres, "
        "eras) and MagnaTagATune's 50 (instruments, voices, moods)."
    )

if ui.server_link(ds) is not None:
    refused = ui.server_writable(ds)
    if st.button(
        "Save the clusters to the music server",
        disabled=refused is not None,
        help=refused
        or "Each cluster as a playlist 'songsim cluster N' (with its tags when shown), one track "
        "a song; songsim replaces only playlists it made.",
    ):
        try:
            saved = ui.save_clusters(ds, kind, k, words)
        except ui.SongsimError as exc:
            ui.show_error(exc)
        else:
            st.success(f"Saved {len(saved)} clusters as playlists on the music server.")
