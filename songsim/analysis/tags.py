"""Words for what the maps show: musicnn's 50 Million Song Dataset tags per track, and the tags
that set a cluster or a community apart.

The tag probabilities come from :func:`songsim.embeddings.kinds.track_tags`. A group's tags
are ranked by *lift*: the group's mean tag probability minus the corpus mean, so a
tag every track has ("rock" on a rock library) does not describe every group. This is what says
in words why songs were grouped, and how audio clusters and playlist communities differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def top_tags(probs: pd.DataFrame, n: int = 3) -> list[list[str]]:
    """The ``n`` most probable tags of every row."""
    order = np.argsort(-probs.to_numpy(), axis=1, kind="stable")[:, :n]
    names = np.asarray(probs.columns)
    return [list(names[row]) for row in order]


def distinctive_tags(probs: pd.DataFrame, groups, n: int = 3) -> pd.DataFrame:
    """Per group: its size and the ``n`` tags whose mean probability in the group rises most above
    the corpus mean (only tags that do rise).

    Parameters
    ----------
    probs : (n_tracks, n_tags) tag probabilities
    groups : (n_tracks,) group of each track; tracks whose group is NaN/None are left out

    Returns
    -------
    DataFrame with columns ``group, size, tags`` (a list of str) and ``lift`` (their lifts).
    """
    groups = pd.Series(np.asarray(groups, dtype=object), index=probs.index)
    keep = groups.notna().to_numpy()
    p = probs[keep]
    overall = probs.to_numpy().mean(axis=0)
    rows = []
    for group, members in p.groupby(groups[keep].to_numpy(), sort=True):
        lift = members.to_numpy().mean(axis=0) - overall
        best = [i for i in np.argsort(-lift, kind="stable")[:n] if lift[i] > 0]
        rows.append(
            {
                "group": group,
                "size": len(members),
                "tags": [probs.columns[i] for i in best],
                "lift": [round(float(lift[i]), 4) for i in best],
            }
        )
    return pd.DataFrame(rows, columns=["group", "size", "tags", "lift"])


def describe(table: pd.DataFrame) -> pd.Series:
    """``tags`` of a :func:`distinctive_tags` table as one readable string per group."""
    return table["tags"].map(lambda t: ", ".join(t) if t else "—")
