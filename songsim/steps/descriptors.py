"""Steps over a library's stored tempo, key and loudness (:mod:`songsim.describing`): read, never
measured here — measuring decodes every track, so it is a command (``songsim describe``, the
Data page's button), not something a page starts."""

from __future__ import annotations

import pandas as pd

from ..flow import step


@step(volatile=True)
def descriptors_version(audio) -> str:
    """Which stored measures there are: the current version of the dataset's descriptors."""
    from ..describing import stored_version

    return stored_version(audio)


@step
def descriptors(audio, descriptors_version) -> pd.DataFrame:
    """``track_id`` and each track's stored tempo, key and loudness (unknown where not measured:
    :func:`songsim.describing.track_descriptors`)."""
    from ..describing import track_descriptors

    return track_descriptors(audio)


@step
def group_measures(descriptors, groups=None) -> pd.DataFrame:
    """Per group of tracks (a cluster or community each, None for none): its tempo, key and
    loudness in words (:func:`songsim.describing.group_measures`)."""
    from ..describing import group_measures as in_words

    return in_words(descriptors, groups)
