"""Compare: clusters against communities and labels, and every embedding side by side."""

import streamlit as st

from songsim import ui

ds = ui.current_dataset()
st.title("Compare")
kinds = ui.available_kinds(ds)
c1, c2 = st.columns(2)
kind = c1.selectbox(
    "Embedding",
    kinds,
    format_func=ui.KINDS_LABELS.get,
    **ui.widget_key("kind", ui.default_kind(kinds)),
)
ks = ui.sweep(ds, kind)["table"]["k"]
k = c2.slider(
    "k (clusters)", int(ks.min()), int(ks.max()), **ui.widget_key("k", ui.sweep_k(ds, kind, 8))
)

targets = (["communities"] if ui.has_graph(ds) else []) + (
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
        heatmap, scores, left_out = ui.comparison(ds, kind, k, target)
    except ui.SongsimError as exc:
        ui.show_error(exc)
        continue
    st.vega_lite_chart(spec=heatmap, width="stretch")
    if left_out:
        st.caption(f"{left_out} tracks are labelled by only one side and left out.")
    rows.append({"against": target, **scores})

if rows:
    st.subheader("Agreement")
    st.dataframe(ui.scores_table(rows), width="stretch", hide_index=True)

st.subheader("All embeddings side by side")
st.caption(
    "Each embedding's k-means clusters, with k = the number of communities (or of labels), against "
    "the communities and the labels. AMI (adjusted mutual information) and ARI (adjusted Rand "
    "index) are 0 for chance agreement and 1 for the same grouping; V-measure is the harmonic mean "
    "of homogeneity and completeness (0–1). The silhouette (−1 to 1) says how well separated the "
    "clusters are at the best and the elbow k of a k sweep from 2 to 20. precision@10: the share "
    "of each song's 10 nearest songs (by cosine similarity) that have its label."
)
st.dataframe(ui.embeddings_table(ds, tuple(kinds)), width="stretch", hide_index=True)
