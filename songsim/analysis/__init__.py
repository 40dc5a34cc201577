"""Analysis of track embeddings and the song graph: k sweeps and clusters (:mod:`.clustering`),
graph communities (:mod:`.communities`), 2-D maps (:mod:`.maps`), cluster–community–label
comparisons (:mod:`.compare`), similar songs and playlists (:mod:`.similar`), and the figures of
``songsim evaluate`` (:mod:`.evaluation`)."""
