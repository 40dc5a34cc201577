"""CLI commands for models and analysis (train, embed, evaluate, communities, similar)."""
from __future__ import annotations


def add_commands(sub) -> None:
    """Register the analysis commands on the ``python -m songsim`` sub-parser."""
