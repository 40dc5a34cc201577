"""2-D maps of embeddings: t-SNE (openTSNE) and PCA.

t-SNE's costly part is the nearest-neighbour search behind its affinities. :class:`TSNEMapper`
searches once, for the largest perplexity it will be asked for (``3 · max_perplexity``
neighbours), and re-weights those neighbours for each later request as openTSNE's
``PerplexityBasedNN.set_perplexity`` does — so moving the perplexity slider only re-runs the
optimisation.
"""

from __future__ import annotations

import numpy as np

from ..errors import SongsimError


def pca_2d(X: np.ndarray, *, random_state: int = 0) -> tuple[np.ndarray, list[float]]:
    """``(Y [shape=(n, 2)], explained variance ratio of the two components)``."""
    from sklearn.decomposition import PCA

    if len(X) < 2:
        raise SongsimError("a map needs at least 2 points")
    pca = PCA(n_components=2, random_state=random_state).fit(X)
    return pca.transform(X).astype(np.float32), [float(v) for v in pca.explained_variance_ratio_]


#: Iterations of a map started from another one (:meth:`TSNEMapper.transform`'s ``init``):
#: Barnes–Hut below 10,000 songs, FFT above (measured: docs/BENCHMARKS.md, "A library").
WARM_ITER = 100
WARM_ITER_FFT = 60


def perplexity_cap(n_points: int, cap: float) -> int:
    """The largest perplexity t-SNE allows for ``n_points`` points: ``cap``, or (n − 1) / 3
    (rounded down, at least 1) for fewer points — the one home of that rule."""
    return int(max(1, min(cap, (n_points - 1) // 3)))


class TSNEMapper:
    """t-SNE maps of one set of points at any perplexity up to ``max_perplexity``, in
    scikit-learn's shape: ``TSNEMapper(...).fit(X)`` then ``transform(perplexity)``.

    ``transform`` never changes what ``fit`` learned: each call computes its own affinities from
    the neighbours found once and optimises its own copy, so one fitted mapper can serve several
    threads (the dashboard shares it between users).

    Parameters
    ----------
    max_perplexity : the largest perplexity :meth:`transform` will accept (capped at (n − 1) / 3)
    random_state : seed of the neighbour search and the optimisation
    n_jobs : threads of the neighbour search and the optimisation

    Attributes
    ----------
    X_ : np.ndarray [shape=(n, d)] float32, the fitted points
    max_perplexity_ : the cap actually used
    neighbors_ : np.ndarray [shape=(n, k)] int32, each point's ``k = 3 · max_perplexity_``
        nearest points (euclidean; openTSNE's exact search below 1,000 points, Annoy above)
    distances_ : np.ndarray [shape=(n, k)] float32, the distances to them
    """

    def __init__(self, *, max_perplexity: float, random_state: int = 0, n_jobs: int = 1):
        self.max_perplexity = max_perplexity
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: np.ndarray) -> TSNEMapper:
        """Search the neighbours of ``X [shape=(n, d)]`` once (n ≥ 4).

        Only the neighbours are kept, in half the bytes openTSNE keeps them in, without its
        search index or affinities: at 30,000 songs 37 MB kept rather than 197 MB."""
        from openTSNE.affinity import get_knn_index

        X = np.asarray(X, dtype=np.float32)
        if len(X) < 4:
            raise SongsimError("t-SNE needs at least 4 points")
        self.X_ = X
        self.max_perplexity_ = float(perplexity_cap(len(X), self.max_perplexity))
        index = get_knn_index(
            X,
            "exact" if len(X) < 1000 else "annoy",
            k=min(len(X) - 1, int(3 * self.max_perplexity_)),
            metric="euclidean",
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        neighbors, distances = index.build()
        self.neighbors_ = neighbors.astype(np.int32)
        self.distances_ = distances.astype(np.float32)
        return self

    def affinities_at(self, perplexity: float):
        """The joint probabilities ``P`` (sparse, n × n) at ``perplexity``, of its own: over each
        point's ``3 · perplexity`` nearest neighbours, as openTSNE's ``set_perplexity`` makes
        them."""
        from openTSNE.affinity import PrecomputedAffinities, joint_probabilities_nn

        k = min(self.neighbors_.shape[1], int(3 * perplexity))
        P = joint_probabilities_nn(
            self.neighbors_[:, :k].astype(np.int64),
            self.distances_[:, :k].astype(np.float64),
            [perplexity],
            symmetrize=True,
            n_jobs=self.n_jobs,
        )
        return PrecomputedAffinities(P, normalize=False)

    def transform(
        self,
        perplexity: float,
        *,
        n_iter: int = 500,
        init: np.ndarray | None = None,
        progress=None,
    ) -> np.ndarray:
        """The t-SNE map ``(n, 2)`` at ``perplexity`` (1 to ``max_perplexity_``: a value to fit to
        the points is fitted by :meth:`songsim.params.MapParams.fit`, which says so).

        With ``init`` (a map of the same points, e.g. at the previous perplexity) the
        optimisation starts from it and runs :data:`WARM_ITER` iterations without early
        exaggeration, as the Embedding Projector does: a slider move redraws in a moment and the
        map keeps its layout. ``progress(done, total, message)`` hears every 25 iterations."""
        from openTSNE import TSNEEmbedding
        from openTSNE.initialization import pca as pca_init

        if not 1.0 <= perplexity <= self.max_perplexity_:
            raise SongsimError(
                f"perplexity {perplexity:g} is outside 1–{self.max_perplexity_:g} for "
                f"{len(self.X_)} points"
            )
        perplexity = float(perplexity)
        # the optimisation scales P in place for early exaggeration and back, which is not exact in
        # floating point: each run gets P of its own, so a perplexity always gives one map
        affinities = self.affinities_at(perplexity)
        method = "bh" if len(self.X_) < 10_000 else "fft"
        start = pca_init(self.X_, random_state=self.random_state) if init is None else init
        # a warm start refines a spread-out map: FFT's grid then has one interval a unit of it
        # (a 240 × 240 grid at 30,000 songs); two units an interval makes it five times faster
        coarse = {"ints_in_interval": 2} if init is not None and method == "fft" else {}
        emb = TSNEEmbedding(
            np.array(start, dtype=np.float64),
            affinities,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            negative_gradient_method=method,
            verbose=False,
            **coarse,
        )
        warm = WARM_ITER if method == "bh" else WARM_ITER_FFT
        phases = [(min(n_iter, warm), {"momentum": 0.8})]
        if init is None:
            phases = [(250, {"exaggeration": 12, "momentum": 0.5}), (n_iter, {"momentum": 0.8})]
        total, done = sum(n for n, _ in phases), 0
        for n, options in phases:
            report = None
            if progress is not None:
                offset = done

                def report(iteration, error, embedding, offset=offset):
                    progress(offset + iteration, total, "t-SNE: placing the songs")
                    return False

            emb = emb.optimize(n_iter=n, callbacks=report, callbacks_every_iters=25, **options)
            done += n
        return np.asarray(emb, dtype=np.float32)
