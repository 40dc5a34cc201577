"""Data: what the dataset holds, example spectrograms with audio, and folder ingest."""

import streamlit as st

from songsim import ui

ds = ui.current_dataset()
s = ds.summary()
st.title("Data")
st.caption(
    f"Dataset **{ui.plain(ds.name)}** · "
    + ui.plain(", ".join(ui.viewer_text(s) for s in ds.info.get("sources", [])))
)

cols = st.columns(6)
cols[0].metric("Tracks", f"{s['tracks']:,}")
cols[1].metric("Songs", f"{s['songs']:,}", help="Copies of one recording count once")
cols[2].metric("Clips", f"{s['clips']:,}")
cols[3].metric("Playlists", f"{s['playlists']:,}")
cols[4].metric("Unmatched entries", f"{s['unmatched_playlist_entries']:,}")
cols[5].metric("Skipped files", f"{s['skipped_files']:,}")
if last := ds.info.get("last_update"):
    st.caption(
        f"Last update: added {last['added']:,} · changed {last['changed']:,} · removed "
        f"{last['removed']:,} · unchanged {last['unchanged']:,} · skipped {last['skipped']:,} "
        f"({last['decoded']:,} files decoded)."
    )
if ui.updatable(ds):
    if st.button(
        "Update library",
        help="Read the folder again: new and changed files are decoded, removed ones dropped, "
        "unchanged ones kept as they are.",
    ):
        bar = st.progress(0.0, text="checking the folder…")
        try:
            new = ui.update_library(ds, bar)
        except ui.SongsimError as exc:
            ui.show_error(exc)
        else:
            last = new.info["last_update"]
            ui.show_dataset(
                new.name,
                f"Updated '{ui.plain(new.name)}': added {last['added']}, changed {last['changed']}, "
                f"removed {last['removed']}, unchanged {last['unchanged']}, skipped {last['skipped']}.",
            )
            st.rerun()

if (link := ui.server_link(ds)) is not None:
    st.subheader("Music server")
    st.caption(
        f"Linked to **{ui.plain(link['url'])}** as {ui.plain(link['user'] or 'an API key')} · "
        f"last read {ui.plain(link['refreshed_at'])}. Its songs are matched to tracks by path "
        "(then by artist and title); its playlists are in the song graph."
    )
    cols = st.columns(4)
    cols[0].metric("Server songs matched", f"{link['matched']:,} of {link['server_songs']:,}")
    cols[1].metric("Server songs not here", f"{link['server_songs_not_in_dataset']:,}")
    cols[2].metric("Tracks not on the server", f"{link['tracks_not_on_server']:,}")
    cols[3].metric("Server playlists", f"{link['playlists']:,}")
    refused = ui.server_writable(ds)
    if st.button("Refresh from server", disabled=refused is not None, help=refused):
        bar = st.progress(0.0, text="reading the server…")
        try:
            counts = ui.refresh_link(ds, bar)
        except ui.SongsimError as exc:
            ui.show_error(exc)
        else:
            ui.show_dataset(
                ds.name,
                f"Read the server again: {counts['matched']:,} of {counts['server_songs']:,} "
                f"songs matched, {counts['playlists']:,} playlists.",
            )
            st.rerun()
    if refused is not None:
        st.caption(ui.plain(refused))

if ds.info.get("skipped_files"):
    with st.expander(f"{s['skipped_files']} skipped files"):
        skipped = [{"file": x["file"], "reason": x["reason"]} for x in ds.info["skipped_files"]]
        st.dataframe(skipped, width="stretch")
if s["duplicates"]:
    with st.expander(f"{s['tracks'] - s['songs']:,} tracks are copies of another song"):
        st.caption(
            "The same recording under several paths (found from the audio). Similar songs and "
            "grown playlists show each song once."
        )
        st.dataframe(ui.duplicate_table(ds), width="stretch", hide_index=True)

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
    clip = int(ds.track_clips(track)[0])
    t = ds.tracks.iloc[track]
    col.image(
        ui.clip_png(ds, clip),
        caption=ui.plain(f"{t['title']} ({t['label'] or t['track_id']})"),
        width="stretch",
        output_format="PNG",
    )
    ui.play(ds, track, col)

st.subheader("Tracks")
search = st.text_input("Find tracks", placeholder="title, artist or path", key="track_search")
rows, found = ui.track_table(ds, search)
st.dataframe(rows, width="stretch", height=260)
if found > len(rows):
    st.caption(f"The first {len(rows):,} of {found:,} tracks; type to narrow them.")
todo = ui.unmeasured(ds)
if todo:
    st.caption(
        f"Tempo, key and loudness: {todo:,} of {ds.n_tracks:,} tracks not measured yet "
        "(each is decoded in full: about a second a track on one core)."
    )
    if not ui.writes_allowed():
        st.caption(f"The owner measures them with `python -m songsim describe {ds.name}`.")
    elif st.button("Measure tempo, key and loudness"):
        bar = st.progress(0.0, text="Measuring…")
        try:
            ui.measure_library(ds, bar)
        except ui.SongsimError as exc:
            ui.show_error(exc)
        else:
            bar.empty()
            st.rerun()

st.subheader("Ingest a folder on this server")
if not ui.writes_allowed():
    st.info("This dashboard is read-only: ingesting, updating and training are turned off.")
    st.stop()
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
    replace = st.checkbox(
        "Replace it",
        help="Needed when a dataset of this name was made from another folder (the demo is "
        "never replaced). The same folder again updates its dataset.",
    )
    if st.form_submit_button("Ingest or update"):
        bar = st.progress(0.0, text="starting…")
        try:
            new = ui.ingest_folder(
                folder, name, kind=kind, labels_from_parent=by_parent, bar=bar, replace=replace
            )
        except ui.SongsimError as exc:
            ui.show_error(exc)
        else:
            last = new.info["last_update"]
            ui.show_dataset(
                new.name,
                f"'{ui.plain(new.name)}': {new.n_tracks:,} tracks (added {last['added']}, changed "
                f"{last['changed']}, removed {last['removed']}, unchanged {last['unchanged']}, "
                f"skipped {last['skipped']}); it is the dataset shown now (the sidebar switches "
                "between datasets).",
            )
            st.rerun()  # the whole app again, on the new dataset: its sidebar list includes it
if (news := ui.take_news()) is not None:
    st.success(news)
