"""Compare: clusters against communities and labels, and every embedding side by side."""

import streamlit as st

from songsim import ui

ds = ui.current_dataset()
st.title("Compare")
kind = st.selectbox("Embedding", **ui.kind_widget(ds))
k = ui.chosen_k(ds, kind)
graph = ui.graph_settings()  # communities as chosen on the Graph page
st.caption(f"Its k-means clusters at k = {k}, the k chosen on the Clusters page.")
st.page_link(
    "pages/clusters.py", label="Change k on the Clusters page", icon=":material/bar_chart:"
)

targets = (["communities"] if ui.has_graph(ds, graph) else []) + (
    ["labels"] if ds.labels is not None else []
)
if not targets:
    st.info(
        "This library has neither playlists nor labels: there is nothing to compare the clusters "
        "with. Upload playlists on the Graph page, or ingest with labels from folder names."
    )
rows = []
for target in targets:
    st.subheader(f"Clusters × {target}")
    try:
        heatmap, scores, left_out = ui.comparison(ds, graph, kind, k, target)
    except ui.SongsimError as exc:
        ui.show_error(exc)
        continue
    st.vega_lite_chart(spec=heatmap, width="stretch")
    if left_out:
        st.caption(f"{left_out} tracks are labelled by only one side and left out.")
    rows.append({"against": target, **scores})

if ui.tags_available(ds) and st.toggle(
    "Say it in words: the musicnn tags that set each cluster and each community apart",
    help="How audio clusters and playlist communities differ, in words: two musicnn taggers "
    "hear each track (computed once per dataset): the Million Song Dataset's tags (genres, "
    "eras) and MagnaTagATune's (instruments, voices, moods).",
    **ui.widget_key("show_tags", False),
):
    by_cluster, by_community = st.columns(2)
    by_cluster.markdown(f"**Clusters** (k = {k})")
    try:
        by_cluster.dataframe(ui.cluster_tags(ds, kind, k), width="stretch", hide_index=True)
    except ui.SongsimError as exc:  # the audio musicnn hears is gone
        ui.show_error(exc, by_cluster)
    if ui.has_graph(ds, graph):
        by_community.markdown("**Playlist communities**")
        try:
            by_community.dataframe(ui.community_tags(ds, graph), width="stretch", hide_index=True)
        except ui.SongsimError as exc:
            ui.show_error(exc, by_community)
    st.caption(
        "A group's tags are those whose mean probability in the group rises most above the mean "
        "over all tracks."
    )

if rows:
    st.subheader("Agreement")
    st.dataframe(ui.scores_table(rows), width="stretch", hide_index=True)
    st.caption(
        "AMI (adjusted mutual information) and ARI (adjusted Rand index) are 0 for chance "
        "agreement and 1 for the same grouping; NMI is mutual information scaled to 0–1, not "
        "corrected for chance; V-measure is the harmonic mean of homogeneity and completeness (0–1)."
    )

measured = ui.explained_by_measures(ds, kind, k)
if measured is not None:
    st.subheader("What tempo, key or loudness alone explains")
    st.dataframe(measured, width="stretch", hide_index=True)
    st.caption(
        "The clusters against each measure's groups alone — 10-BPM tempo bands, the 24 keys, "
        "3-LU loudness bands — over the measured tracks: near 0, the clusters are not about it."
    )

st.subheader("All embeddings side by side")
scorable = ui.scorable_kinds(ds, ui.available_kinds(ds))
with_raw = "raw" in scorable and st.checkbox(
    "Include the raw spectrogram",
    help="20,736 dimensions per track: its k sweep takes far longer than the others'.",
    **ui.widget_key("compare_raw", False),
)
chosen = [k for k in scorable if k != "raw" or with_raw]
bar = st.progress(0.0, text="Scoring the embeddings…")
table_rows = []
for i, each in enumerate(chosen):
    bar.progress(
        i / len(chosen), text=f"Scoring {ui.short_kind_label(each)} ({i + 1}/{len(chosen)})…"
    )
    table_rows.append(ui.embedding_scores(ds, graph, each))
bar.empty()
st.dataframe(ui.embeddings_table(table_rows), width="stretch", hide_index=True)
st.caption(
    "Each embedding's k-means clusters against the communities and the labels, with k = the "
    "number of communities (or of labels) — not the chosen k, so a score here differs from the "
    f"Agreement table's at k = {k}. AMI, ARI and V-measure: 0 for chance agreement, 1 for the "
    "same grouping. The silhouette (−1 to 1) says "
    f"how well separated the clusters are at the best and the elbow k of a k sweep from "
    f"{ui.SweepParams().k_min} to {ui.SweepParams().k_max} "
    "(the sweep the Clusters page shows). precision@10: the share of each song's 10 nearest songs "
    "(by cosine similarity) that have its label. Each row is computed once per dataset and graph."
)
