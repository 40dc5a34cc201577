"""The heavy libraries the dashboard uses, imported once by the thread that first imports
:mod:`songsim.ui` (app.py's first run), before any session or the demo build runs in parallel.

Two threads importing a package such as scikit-learn for the first time at the same moment can
deadlock in Python's per-module import locks (seen: ``_DeadlockError`` on ``narwhals.stable.v1``
under ``sklearn``, a page's k sweep racing the first-open demo build). Imported here, later
imports inside the cached steps only look the modules up.
"""

import altair  # noqa: F401
import igraph  # noqa: F401
import librosa  # noqa: F401
import openTSNE  # noqa: F401
import sklearn.cluster  # noqa: F401
import sklearn.decomposition  # noqa: F401
import sklearn.metrics  # noqa: F401
import torch  # noqa: F401

from .. import steps  # noqa: F401
from ..analysis import clustering, communities, compare, evaluation, maps, similar, tags  # noqa: F401
from ..data import demo, ingest  # noqa: F401
from ..embeddings import kinds, modeling  # noqa: F401
