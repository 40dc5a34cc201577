"""Data: what the dataset holds, example spectrograms with audio, and folder ingest."""

import streamlit as st

from songsim import ui

ds = ui.current_dataset()
s = ds.summary()
st.title("Data")
st.caption(f"Dataset **{ui.plain(ds.name)}** · {ui.plain(', '.join(ds.info.get('sources', [])))}")

cols = st.columns(5)
cols[0].metric("Tracks", s["tracks"])
cols[1].metric("Clips", s["clips"])
cols[2].metric("Playlists", s["playlists"])
cols[3].metric("Unmatched entries", s["unmatched_playlist_entries"])
cols[4].metric("Skipped files", s["skipped_files"])

if ds.info.get("skipped_files"):
    with st.expander(f"{s['skipped_files']} skipped files"):
        st.dataframe(ds.info["skipped_files"], width="stretch")

st.subheader("Example spectrograms")
st.caption(
    f"Log-mel clips of {ds.params.n_mels} mel bands × {ds.params.n_frames} frames "
    f"({ds.params.clip_seconds:g} s at {ds.params.sr} Hz), low frequencies at the bottom."
)
labels = ds.labels
examples = (
    ds.tracks.reset_index().groupby("label", dropna=False).head(1).index.tolist()[:8]
    if labels is not None
    else list(range(min(8, ds.n_tracks)))
)
grid = st.columns(4)
for n, track in enumerate(examples):
    col = grid[n % 4]
    clip = int((ds.clip_track == track).argmax())
    t = ds.tracks.iloc[track]
    col.image(
        ui.clip_png(ds, clip),
        caption=ui.plain(f"{t['title']} ({t['label'] or t['track_id']})"),
        width="stretch",
        output_format="PNG",
    )
    ui.play(ds, track, col)

st.subheader("Tracks")
st.dataframe(
    ds.tracks[["track_id", "title", "artist", "label", "duration"]], width="stretch", height=260
)

st.subheader("Ingest a folder on this server")
with st.form("ingest"):
    folder = st.text_input(
        "Folder",
        placeholder="/path/to/music",
        help="Audio (WAV, FLAC, OGG, Opus, MP3) or PNG "
        "spectrograms, scanned recursively; M3U playlists inside an audio folder are read too. "
        f"Allowed below: {', '.join(map(str, ui.ingest_roots()))}",
    )
    name = st.text_input("Dataset name", value="my-music")
    kind = st.radio("Contents", ["audio", "spectrograms"], horizontal=True)
    by_parent = st.checkbox("Label each track by its folder name")
    if st.form_submit_button("Ingest"):
        bar = st.progress(0.0, text="starting…")
        try:
            new = ui.ingest_folder(folder, name, kind=kind, labels_from_parent=by_parent, bar=bar)
        except ui.SongsimError as exc:
            ui.show_error(exc)
        else:
            ui.show_dataset(
                new.name,
                f"Ingested {new.n_tracks} tracks into '{ui.plain(new.name)}' "
                f"({len(new.info.get('skipped_files', []))} files skipped); it is the dataset shown "
                "now (the sidebar switches between datasets).",
            )
            st.rerun()  # the whole app again, on the new dataset: its sidebar list includes it
if (news := ui.take_news()) is not None:
    st.success(news)
