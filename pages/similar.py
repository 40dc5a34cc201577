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
near = ui.similar(ds, kind, seed, n, keep_duplicates=keep)
st.dataframe(near.drop(columns=["row"]), width="stretch", hide_index=True)
st.caption(
    "similarity: the cosine of the angle between two songs' vectors (1 = the same direction)."
)
with st.expander("Listen to the top 5"):
    for row in near.head(5).itertuples():
        st.markdown(f"{row.similarity:.3f} · {ui.plain(row.title)} — {ui.plain(row.artist)}")
        ui.play(ds, int(row.row))

st.subheader("Grow a playlist")
length = st.slider("Length", 5, 40, 12, key="playlist_length")
playlist = ui.grow(ds, kind, seed, length, keep_duplicates=keep)
st.caption("Each next song is the one nearest to the mean of the last three, never repeating.")
st.dataframe(playlist.drop(columns=["row"]), width="stretch", hide_index=True)
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
