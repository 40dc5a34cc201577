"""Steps from a dataset's audio to words: a tagger's tag probabilities per track and, per group of
tracks (a cluster, a community), the tags that set it apart."""

from __future__ import annotations

import pandas as pd

from ..flow import step


@step(message="Listening with musicnn (once per dataset; minutes on a large one)…")
def track_tags(audio, vocabulary: str = "MSD", progress=None) -> pd.DataFrame:
    """One vocabulary's tag probabilities ``(n_tracks, 50)``, a column per tag
    (:func:`songsim.embeddings.kinds.track_tags`: both taggers hear the audio once; their
    weights ship with songsim, so the clips and the code key them)."""
    from ..embeddings.kinds import track_tags as heard

    return heard(audio, vocabulary, progress=progress)


@step(message="Finding words…")
def group_tags(track_tags: pd.DataFrame, groups=None, n_tags: int = 3) -> pd.DataFrame:
    """Per group of tracks — ``groups (n_tracks,)``: a cluster or community each, None for none
    — the ``n_tags`` tags that set it apart (:func:`~songsim.analysis.tags.distinctive_tags`:
    columns ``group, size, tags, lift``)."""
    from ..analysis.tags import distinctive_tags

    return distinctive_tags(track_tags, groups, n_tags)
