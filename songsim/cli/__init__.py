"""``songsim`` on the command line: :mod:`.main` builds the parser and runs the data commands
(demo, ingest, info, list); :mod:`.analysis` adds train, embed, evaluate, communities and
similar."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
