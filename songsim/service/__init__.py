"""``songsim serve``: the HTTP API a music server's plugin asks (:mod:`.api`), answering from a
library loaded once and followed as it changes (:mod:`.library`)."""
