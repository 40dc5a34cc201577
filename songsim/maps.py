"""2-D maps of embeddings: t-SNE (openTSNE) and PCA.

t-SNE's costly part is the nearest-neighbour search behind its affinities. :class:`TSNEMapper`
searches once, for the largest perplexity it will be asked for (``3 · max_perplexity``
neighbours), and lowers the perplexity of those affinities in place for each later request —
openTSNE's ``PerplexityBasedNN.set_perplexity`` — so moving the perplexity slider only re-runs
the optimisation.
"""
from __future__ import annotations

import numpy as np

from .errors import SongsimError


def pca_2d(X: np.ndarray, *, random_state: int = 0) -> tuple[np.ndarray, list[float]]:
    """``(Y [shape=(n, 2)], explained variance ratio of the two components)``."""
    from sklearn.decomposition import PCA

    if len(X) < 2:
        raise SongsimError("a map needs at least 2 points")
    pca = PCA(n_components=2, random_state=random_state).fit(X)
    return pca.transform(X).astype(np.float32), [float(v) for v in pca.explained_variance_ratio_]


class TSNEMapper:
    """t-SNE maps of one set of points at any perplexity up to ``max_perplexity``.

    Parameters
    ----------
    X : np.ndarray [shape=(n, d)]
    max_perplexity : the largest perplexity :meth:`embed` will accept (capped at (n − 1) / 3)
    random_state : seed of the neighbour search and the optimisation
    """

    def __init__(self, X: np.ndarray, *, max_perplexity: float = 50.0, random_state: int = 0, n_jobs: int = 1):
        from openTSNE.affinity import PerplexityBasedNN

        X = np.asarray(X, dtype=np.float32)
        if len(X) < 4:
            raise SongsimError("t-SNE needs at least 4 points")
        self.X = X
        self.max_perplexity = float(min(max_perplexity, (len(X) - 1) / 3))
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.affinities = PerplexityBasedNN(X, perplexity=self.max_perplexity, method="exact" if len(X) < 1000 else "annoy",
                                            random_state=random_state, n_jobs=n_jobs)
        self._perplexity = self.max_perplexity
        self._P = self.affinities.P.copy()

    def embed(self, perplexity: float = 30.0, *, n_iter: int = 500) -> np.ndarray:
        """The t-SNE map ``(n, 2)`` at ``perplexity`` (clipped to the allowed range)."""
        from openTSNE import TSNEEmbedding
        from openTSNE.initialization import pca as pca_init

        perplexity = float(np.clip(perplexity, 1.0, self.max_perplexity))
        if perplexity != self._perplexity:
            self.affinities.set_perplexity(perplexity)
            self._perplexity = perplexity
            self._P = self.affinities.P.copy()
        # Optimisation scales P in place for early exaggeration and back, which is not exact in
        # floating point: each run starts from a pristine copy, so a perplexity always gives one map.
        self.affinities.P = self._P.copy()
        init = pca_init(self.X, random_state=self.random_state)
        method = "bh" if len(self.X) < 10_000 else "fft"
        emb = TSNEEmbedding(init, self.affinities, random_state=self.random_state, n_jobs=self.n_jobs,
                            negative_gradient_method=method, verbose=False)
        emb = emb.optimize(n_iter=250, exaggeration=12, momentum=0.5)
        emb = emb.optimize(n_iter=n_iter, momentum=0.8)
        return np.asarray(emb, dtype=np.float32)


def tsne_2d(X: np.ndarray, *, perplexity: float = 30.0, random_state: int = 0) -> np.ndarray:
    """One t-SNE map ``(n, 2)`` of ``X [shape=(n, d)]``."""
    return TSNEMapper(X, max_perplexity=perplexity, random_state=random_state).embed(perplexity)
