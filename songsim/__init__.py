"""songsim: similar songs from their audio alone, checked against playlists."""

__version__ = "0.5.0"
