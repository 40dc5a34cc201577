"""Similar songs: nearest neighbours of a song, a playlist grown from it, and downloads."""

import streamlit as st

from songsim import ui

ds = ui.current_dataset()
st.title("Similar songs")
c1, c2 = st.columns([3, 1])
labels = ui.track_labels(ds)
find = (
    c1.text_input("Find a song", placeholder="title, artist or path", key="song_search")
    if ds.n_tracks > ui.PICKER_ALL
    else ""
)
seed = c1.selectbox(
    "Song",
    ui.song_options(ds, find),
    format_func=labels.__getitem__,
    help="The song picked on the Map or the Graph; a song picked here is picked there too.",
    **ui.song_widget(ds),
)
kind = c2.selectbox("Embedding", **ui.kind_widget(ds))
ui.play(ds, seed)

c1, c2 = st.columns([3, 1])
n = c1.slider("How many", 5, 30, 10, key="similar_n")
keep = c2.toggle(
    "Show copies",
    key="keep_duplicates",
    help="Copies of one recording (the same audio under several paths) are shown once; this "
    "lists every copy.",
    disabled=ds.summary()["duplicates"] == 0,
)
within, keys = None, False
if ui.measured(ds):
    c1, c2 = st.columns([3, 1])
    within = c1.slider(
        "Tempo within (%)",
        0,
        20,
        0,
        key="tempo_within",
        help="Only songs within this many percent of its tempo, half or double tempo allowed "
        "(0: any tempo).",
    )
    keys = c2.toggle(
        "Compatible keys",
        key="compatible_keys",
        help="Only songs in a key it mixes into: the same, its relative, or one step round "
        "the Camelot wheel.",
    )
try:
    near = ui.similar(ds, kind, seed, n, keep_duplicates=keep, tempo_within=within, keys=keys)
except ui.SongsimError as exc:  # its own tempo or key is unknown
    ui.show_error(exc)
    near = ui.similar(ds, kind, seed, n, keep_duplicates=keep)
st.dataframe(near.drop(columns=["row"]), width="stretch", hide_index=True)
st.caption(
    "similarity: the cosine of the angle between two songs' vectors (1 = the same direction)."
)
with st.expander("Listen to the top 5"):
    for row in near.head(5).itertuples():
        st.markdown(f"{row.similarity:.3f} · {ui.plain(row.title)} — {ui.plain(row.artist)}")
        ui.play(ds, int(row.row))


def save_button(table, name: str, key: str) -> None:
    """ "Save to server": the table's songs as a playlist on the linked music server."""
    if ui.server_link(ds) is None:
        return
    refused = ui.server_writable(ds)
    c1, c2 = st.columns([3, 1])
    title = c1.text_input("Playlist name on the server", value=name, key=f"{key}_name")
    if c2.button("Save to server", key=key, disabled=refused is not None, help=refused):
        try:
            done = ui.save_to_server(ds, table["row"].tolist(), title)
        except ui.SongsimError as exc:
            ui.show_error(exc)
        else:
            how = "Replaced" if done["replaced"] else "Created"
            missing = f" ({done['missing']} not on the server)" if done["missing"] else ""
            st.success(
                f"{how} '{ui.plain(done['name'])}' on the server: {done['songs']} songs{missing}."
            )


st.subheader("Grow a playlist")
length = st.slider("Length", 5, 40, 12, key="playlist_length")
dj = ui.measured(ds) and st.toggle(
    "DJ order",
    key="dj_order",
    help="The same songs, ordered so that tempo and key move smoothly from the first.",
)
playlist = ui.grow(ds, kind, seed, length, keep_duplicates=keep, dj=dj)
st.caption("Each next song is the one nearest to the mean of the last three, never repeating.")
st.dataframe(playlist.drop(columns=["row"]), width="stretch", hide_index=True)
save_button(playlist, f"songsim — {ds.tracks['title'].iloc[seed]}", "save_grown")
library_at = st.text_input(
    "Library folder for the M3U8",
    value=ui.library_folder(ds),
    key=f"library_at:{ds.name}",
    help="Where the library's folder is on the computer that plays the M3U8 (for example "
    "/home/me/Music or C:\\Music): its paths start there. Left empty, each path is relative to "
    "the library's folder, so the M3U8 plays when saved in that folder.",
)
m3u, csv = ui.exports(ds, playlist, f"songsim — {ds.tracks['title'].iloc[seed]}", library_at)
d1, d2 = st.columns(2)
d1.download_button("Download M3U8", m3u, file_name="songsim-playlist.m3u8", mime="audio/x-mpegurl")
d2.download_button(
    "Download CSV",
    csv,
    file_name="songsim-playlist.csv",
    mime="text/csv",
    help="Upload it on the Graph page to add it to the song graph as a playlist.",
)

st.subheader("Path to…")
c1, c2 = st.columns([3, 1])
find_end = (
    c1.text_input("Find the end song", placeholder="title, artist or path", key="path_search")
    if ds.n_tracks > ui.PICKER_ALL
    else ""
)
options = [r for r in ui.song_options(ds, find_end) if ds.songs[r] != ds.songs[seed]]
if not options:
    st.info(
        "Type a few letters of the song the path should end at."
        if find_end == "" and ds.n_tracks > ui.PICKER_ALL
        else "No other song to draw a path to."
    )
    st.stop()
end = c1.selectbox("To the song", options, format_func=labels.__getitem__, key="path_end")
steps = c2.slider("Songs", 3, 40, 12, key="path_length")
path = ui.song_path(ds, kind, seed, end, steps, keep_duplicates=keep)
st.caption(
    "From the song above to this one: each song is the one nearest to the next of evenly spaced "
    "points on the line between the two, none repeated; 'to the end' is its cosine similarity "
    "to the last song."
)
st.dataframe(path.drop(columns=["row"]), width="stretch", hide_index=True)
path_name = f"songsim — {ds.tracks['title'].iloc[seed]} to {ds.tracks['title'].iloc[end]}"
m3u, csv = ui.exports(ds, path, path_name, library_at)
d1, d2 = st.columns(2)
d1.download_button("Download path M3U8", m3u, file_name="songsim-path.m3u8", mime="audio/x-mpegurl")
d2.download_button("Download path CSV", csv, file_name="songsim-path.csv", mime="text/csv")
save_button(path, path_name, "save_path")
