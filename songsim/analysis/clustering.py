"""k-means and Gaussian-mixture sweeps over k, the elbow, and an exact fast silhouette.

The silhouette of every k in a sweep comes from one pass over the pairwise distances: for a
chunk of rows, the distances ``D [shape=(c, n)]`` are computed once (float32, from centred
data, in PyTorch — on the GPU when asked) and multiplied by the one-hot label matrices of all
the k at once, giving each point's summed distance to each cluster. The result equals
:func:`sklearn.metrics.silhouette_score` to about 1e-6 while the distances are computed once
instead of once per k. Memory stays near ``max_memory`` bytes.
"""

from __future__ import annotations

import dataclasses
import threading
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator

from ..config import DEFAULT_KS
from ..errors import SongsimError

MAX_MEMORY = 128 * 1024 * 1024  # bytes of distance chunk and products per pass


def _check_k(n: int, ks) -> list[int]:
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 2:
        raise SongsimError("k must be at least 2")
    if ks[-1] >= n:
        raise SongsimError(f"k = {ks[-1]} needs more than {ks[-1]} points, but there are only {n}")
    return ks


def silhouette_scores(
    X: np.ndarray,
    labelings: list[np.ndarray],
    *,
    max_memory: int = MAX_MEMORY,
    sample_size: int | None = None,
    random_state: int = 0,
    device: str = "auto",
) -> list[float]:
    """Mean silhouette coefficient (Euclidean) of each labeling of the points ``X``.

    Parameters
    ----------
    X : np.ndarray [shape=(n, d)]
    labelings : list of np.ndarray [shape=(n,)]  integer cluster labels (any values)
    max_memory : bytes allowed for one chunk of distances and sums
    sample_size : when set and smaller than n, score a random sample of that many points
        (as ``silhouette_score(sample_size=…)``): an estimate, for very large n
    device : "auto" (CUDA, then Apple MPS, then the CPU), "cpu", "cuda" or "mps"

    Returns
    -------
    scores : list of float, one per labeling. A point alone in its cluster scores 0 (as sklearn).
    """
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    if sample_size is not None and sample_size < n:
        idx = np.random.default_rng(random_state).choice(n, size=sample_size, replace=False)
        X, labelings, n = X[idx], [np.asarray(lab)[idx] for lab in labelings], sample_size
    codes = [np.unique(np.asarray(lab), return_inverse=True)[1].ravel() for lab in labelings]
    sizes = [np.bincount(c) for c in codes]
    for s in sizes:
        if not 2 <= len(s) <= n - 1:
            raise SongsimError(f"silhouette needs 2 to n-1 clusters, got {len(s)} for {n} points")
    offsets = np.cumsum([0] + [len(s) for s in sizes])
    sums = _cluster_distance_sums(X, codes, offsets, max_memory=max_memory, device=device)
    scores = []
    for c, s, off in zip(codes, sizes, offsets):
        block = sums[:, off : off + len(s)]
        own = s[c]
        a = block[np.arange(n), c] / np.maximum(own - 1, 1)
        mean_other = block / s[None, :]
        mean_other[np.arange(n), c] = np.inf
        b = mean_other.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sil = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
        scores.append(float(np.nan_to_num(sil).mean()))
    return scores


def _cluster_distance_sums(
    X: np.ndarray, codes: list, offsets: np.ndarray, *, max_memory: int, device: str
) -> np.ndarray:
    """``(n, Σk)`` summed Euclidean distance of every point to every cluster of every labeling.

    Rows are done in chunks: the distances of a chunk to all points (float32, from the centred
    data, one fused ``addmm``) are multiplied by the one-hot matrix of all labelings at once.
    """
    import torch

    from ..devices import pick_device

    n = len(X)
    dev = pick_device(device)
    Xc = torch.as_tensor(X - X.mean(axis=0), dtype=torch.float32, device=dev)
    sq = (Xc * Xc).sum(dim=1)
    onehot = torch.zeros((n, int(offsets[-1])), dtype=torch.float32, device=dev)
    rows = torch.arange(n, device=dev)
    for c, off in zip(codes, offsets):
        onehot[rows, torch.as_tensor(c, device=dev) + int(off)] = 1.0
    chunk = int(max(1, min(n, max_memory // (8 * n + 4 * int(offsets[-1])))))
    sums = torch.empty((n, int(offsets[-1])), dtype=torch.float32, device=dev)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        D = torch.addmm(sq[None, :], Xc[a:b], Xc.T, beta=1.0, alpha=-2.0)
        D.add_(sq[a:b, None]).clamp_(min=0.0).sqrt_()
        D[torch.arange(b - a, device=dev), torch.arange(a, b, device=dev)] = 0.0
        sums[a:b] = D @ onehot
    return sums.double().cpu().numpy()


_BLAS_LOCK = threading.RLock()


@contextmanager
def one_blas_thread():
    """Run the block with a single-threaded BLAS.

    scikit-learn's k-means parallelises over samples with OpenMP; its k-means++ seeding and
    inertia run skinny matrix products (n × d by d × k) that a multi-threaded BLAS only slows
    down — on 2 cores a 19-k sweep at n = 5,000 ran 3× faster with one BLAS thread, with
    identical labels. The BLAS thread count is process-wide, so changes are serialised by a
    lock (concurrent sweeps in a server take turns) and always restored.
    """
    from threadpoolctl import threadpool_limits

    with _BLAS_LOCK, threadpool_limits(1, user_api="blas"):
        yield


def kmeans(
    X: np.ndarray, k: int, *, random_state: int = 0, n_init: int = 3
) -> tuple[np.ndarray, float]:
    """``(labels (n,), inertia)`` of scikit-learn's k-means (Lloyd, k-means++ seeds, best of ``n_init``)."""
    _check_k(len(X), [k])
    with one_blas_thread():
        return _kmeans(X, k, random_state, n_init)


def _kmeans(
    X: np.ndarray, k: int, random_state: int, n_init: int, fit_rows: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """k-means of ``X``, fitted on the rows ``fit_rows`` only when given (then every row is
    assigned to its nearest centre and the inertia is over all rows)."""
    from sklearn.cluster import KMeans

    if fit_rows is None:
        km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(X)
        return km.labels_.astype(np.int64), float(km.inertia_)
    km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(X[fit_rows])
    return km.predict(X).astype(np.int64), float(-km.score(X))


@dataclasses.dataclass
class KSweepResult:
    """Result of :func:`sweep_k`.

    Attributes
    ----------
    ks : list of int
    inertia : list of float      k-means within-cluster sum of squares (or GMM BIC for 'gmm')
    silhouette : list of float   exact mean silhouette of each k
    labels : dict k → np.ndarray [shape=(n,)]  in the smallest signed integer type that holds k
                                               (int8 up to k = 128: 1 byte a track and k)
    elbow_k : int | None         kneedle's elbow of the inertia (BIC) curve
    best_k : int                 the k with the highest silhouette
    method : 'kmeans' or 'gmm'
    """

    ks: list
    inertia: list
    silhouette: list
    labels: dict
    elbow_k: int | None
    best_k: int
    method: str = "kmeans"

    def table(self):
        import pandas as pd

        col = "inertia" if self.method == "kmeans" else "bic"
        return pd.DataFrame({"k": self.ks, col: self.inertia, "silhouette": self.silhouette})


def elbow(ks: list[int], values: list[float]) -> int | None:
    """The kneedle elbow of a decreasing convex curve (None when there is none)."""
    from kneed import KneeLocator

    if len(ks) < 3:
        return None
    knee = KneeLocator(ks, values, curve="convex", direction="decreasing").knee
    return int(knee) if knee is not None else None


def _fit_one(
    X: np.ndarray, k: int, method: str, random_state: int, n_init: int, fit_rows=None
) -> tuple[np.ndarray, float]:
    """``(labels, inertia)`` for k-means, ``(labels, BIC)`` for a diagonal Gaussian mixture
    (fitted on ``fit_rows`` when given, applied to every row)."""
    if method == "kmeans":
        return _kmeans(X, k, random_state, n_init, fit_rows)
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(
        n_components=k, covariance_type="diag", random_state=random_state, n_init=1
    ).fit(X if fit_rows is None else X[fit_rows])
    return gm.predict(X), float(gm.bic(X))


def sweep_k(
    X: np.ndarray,
    ks=DEFAULT_KS,
    *,
    method: str = "kmeans",
    random_state: int = 0,
    n_init: int = 3,
    sample_size: int | None = None,
    fit_size: int | None = None,
    device: str = "auto",
) -> KSweepResult:
    """Cluster ``X [shape=(n, d)]`` for every k; inertia (or BIC), silhouette, elbow, best k.

    ``sample_size`` scores the silhouette on a random sample of that many points (exact when
    ``None`` or ``n`` is smaller); ``fit_size`` fits each clustering on a random sample of that
    many points and assigns every point to it (all points when ``None`` or ``n`` is smaller)."""
    X = np.asarray(X, dtype=np.float64)
    ks = _check_k(len(X), ks)
    if method not in ("kmeans", "gmm"):
        raise SongsimError(f"unknown clustering method '{method}' (kmeans or gmm)")
    fit_rows = None
    if fit_size is not None and fit_size < len(X):
        rng = np.random.default_rng(random_state)
        fit_rows = np.sort(rng.choice(len(X), fit_size, replace=False))
    labels, curve = {}, []
    with one_blas_thread():
        for k in ks:
            labels[k], value = _fit_one(X, k, method, random_state, n_init, fit_rows)
            curve.append(value)
    valid = [k for k in ks if 2 <= len(np.unique(labels[k])) <= len(X) - 1]
    sil = dict(
        zip(
            valid,
            silhouette_scores(
                X,
                [labels[k] for k in valid],
                sample_size=sample_size,
                random_state=random_state,
                device=device,
            ),
        )
    )
    silhouette = [sil.get(k, float("nan")) for k in ks]
    best = max(valid, key=lambda k: sil[k])
    labels = {k: v.astype(np.min_scalar_type(-k), copy=False) for k, v in labels.items()}
    return KSweepResult(ks, curve, silhouette, labels, elbow(ks, curve), best, method)


class KSweep(BaseEstimator):
    """Clusterings of ``X`` for every k, in scikit-learn's estimator shape.

    ``KSweep().fit(X)`` runs :func:`sweep_k` and sets the fitted attributes; the
    estimator's parameters are never changed by ``fit``.

    Attributes (after ``fit``)
    --------------------------
    ks_ : list of int              the k values swept (those below ``n``)
    inertia_ : list of float       within-cluster sum of squares (BIC for ``method='gmm'``)
    silhouette_ : list of float    exact mean silhouette of each k
    labels_ : dict k → np.ndarray [shape=(n,)]
    best_k_ : int                  highest silhouette
    elbow_k_ : int | None          kneedle's elbow of the inertia (BIC) curve
    """

    def __init__(
        self,
        ks=DEFAULT_KS,
        *,
        method: str = "kmeans",
        random_state: int = 0,
        n_init: int = 3,
        sample_size: int | None = None,
        fit_size: int | None = None,
        device: str = "auto",
    ):
        self.ks, self.method, self.random_state = ks, method, random_state
        self.n_init, self.sample_size, self.device = n_init, sample_size, device
        self.fit_size = fit_size

    def fit(self, X: np.ndarray, y=None) -> KSweep:
        """Sweep ``X [shape=(n, d)]``; ``y`` is ignored. Returns self."""
        s = sweep_k(
            X,
            [k for k in self.ks if k < len(X)],
            method=self.method,
            random_state=self.random_state,
            n_init=self.n_init,
            sample_size=self.sample_size,
            fit_size=self.fit_size,
            device=self.device,
        )
        self.ks_, self.inertia_, self.silhouette_, self.labels_ = (
            s.ks,
            s.inertia,
            s.silhouette,
            s.labels,
        )
        self.best_k_, self.elbow_k_ = s.best_k, s.elbow_k
        self._sweep = s
        return self

    def table(self):
        """The fitted curves as a DataFrame: ``k``, ``inertia`` (or ``bic``), ``silhouette``."""
        return self._sweep.table()
