"""The parameters of each step, frozen and checked once, when made.

A step is a pure function of its input (a dataset, an embedding's track vectors) and one of
these objects; caches key on both. Each object raises :class:`~songsim.errors.SongsimError` for a
value no data could take (the CLI exits 2, the app shows it). Where a value has to fit the data —
k below the number of tracks, a perplexity at most a third of them — :meth:`fit` returns the
parameters actually used and says in words what it changed, so the clipping is reported, never
silent.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Generic, TypeVar

from .config import DEFAULT_KS
from .errors import SongsimError

P = TypeVar("P")


@dataclasses.dataclass(frozen=True)
class Fitted(Generic[P]):
    """Parameters fitted to a dataset: ``params`` are used; ``note`` says what was changed to fit
    (None when nothing was)."""

    params: P
    note: str | None = None


@dataclasses.dataclass(frozen=True)
class GraphParams:
    """What a dataset's song graph and its communities depend on."""

    min_playlists: int = 1  # songs need at least this many playlists to join the graph
    min_weight: int = 1  # edges need at least this many shared playlists
    method: str = "leading-eigenvector"  # or 'leiden', 'louvain'
    max_communities: int | None = None  # leading eigenvector: an upper bound per component
    refine: bool = True  # Newman's vertex-moving refinement afterwards
    random_state: int = 0  # Leiden and Louvain

    def __post_init__(self):
        from .analysis.communities import METHODS

        for name in ("min_playlists", "min_weight"):
            if int(getattr(self, name)) < 1:
                raise SongsimError(f"{name} must be at least 1 (got {getattr(self, name)})")
        if self.method not in METHODS:
            raise SongsimError(
                f"unknown community method '{self.method}' (choose from {', '.join(METHODS)})"
            )
        if self.max_communities is not None and self.max_communities < 1:
            raise SongsimError("the number of communities must be at least 1 (or none: automatic)")


@dataclasses.dataclass(frozen=True)
class SweepParams:
    """The k sweep: k-means (or a Gaussian mixture) at every k from ``k_min`` to ``k_max``."""

    k_min: int = DEFAULT_KS.start
    k_max: int = DEFAULT_KS.stop - 1
    method: str = "kmeans"  # or 'gmm'
    n_init: int = 3  # k-means restarts per k
    random_state: int = 0
    exact_up_to: int = 20_000  # above: silhouette and fit on a random sample of this many tracks

    METHODS: ClassVar[tuple[str, ...]] = ("kmeans", "gmm")

    def __post_init__(self):
        if self.k_min < 2:
            raise SongsimError(f"the sweep starts at k = 2 or more (got {self.k_min})")
        if self.k_max < self.k_min:
            raise SongsimError(f"the sweep's k_max {self.k_max} is below its k_min {self.k_min}")
        if self.method not in self.METHODS:
            raise SongsimError(
                f"unknown clustering method '{self.method}' (choose from {', '.join(self.METHODS)})"
            )
        if self.n_init < 1:
            raise SongsimError(f"n_init must be at least 1 (got {self.n_init})")
        if self.exact_up_to < 100:
            raise SongsimError(f"exact_up_to must be at least 100 (got {self.exact_up_to})")

    @property
    def ks(self) -> range:
        """The k values swept."""
        return range(self.k_min, self.k_max + 1)

    def fit(self, n_tracks: int) -> Fitted[SweepParams]:
        """The sweep ``n_tracks`` tracks allow: k at most n − 1."""
        top = n_tracks - 1
        if top < self.k_min:
            raise SongsimError(
                f"{n_tracks} tracks are too few to cluster (k = {self.k_min} needs "
                f"{self.k_min + 1} or more)"
            )
        notes, fitted = [], self
        if self.k_max > top:
            fitted = dataclasses.replace(fitted, k_max=top)
            notes.append(f"k goes up to {top} for {n_tracks} tracks")
        if n_tracks > self.exact_up_to:
            notes.append(
                f"each k is fitted and its silhouette scored on a random {self.exact_up_to:,} of "
                f"the {n_tracks:,} tracks, then every track is assigned to its nearest centre"
            )
        return Fitted(fitted, "; ".join(notes) or None)

    def sample(self, n_tracks: int) -> int | None:
        """Tracks the fit and the silhouette use: all (None) up to :attr:`exact_up_to`."""
        return self.exact_up_to if n_tracks > self.exact_up_to else None


@dataclasses.dataclass(frozen=True)
class MapParams:
    """A 2-D map of an embedding's tracks: t-SNE at ``perplexity``, or PCA (which has none)."""

    method: str = "tsne"  # or 'pca'
    perplexity: float = 30.0  # t-SNE: about how many neighbours each point keeps close
    n_iter: int = 500  # t-SNE's iterations after early exaggeration
    random_state: int = 0

    METHODS: ClassVar[tuple[str, ...]] = ("tsne", "pca")
    #: The largest perplexity any map takes; a small library allows less (:meth:`max_perplexity`).
    MAX_PERPLEXITY: ClassVar[int] = 50

    def __post_init__(self):
        if self.method not in self.METHODS:
            raise SongsimError(
                f"unknown map method '{self.method}' (choose from {', '.join(self.METHODS)})"
            )
        if not 1 <= self.perplexity <= self.MAX_PERPLEXITY:
            raise SongsimError(f"perplexity {self.perplexity:g} is outside 1–{self.MAX_PERPLEXITY}")
        if self.n_iter < 1:
            raise SongsimError(f"n_iter must be at least 1 (got {self.n_iter})")

    @classmethod
    def max_perplexity(cls, n_tracks: int) -> int:
        """The largest perplexity t-SNE allows for ``n_tracks`` tracks: :data:`MAX_PERPLEXITY`,
        or (n − 1) / 3 for fewer than 151 (at least 1):
        :func:`~songsim.analysis.maps.perplexity_cap`."""
        from .analysis.maps import perplexity_cap

        return perplexity_cap(n_tracks, cls.MAX_PERPLEXITY)

    def fit(self, n_tracks: int) -> Fitted[MapParams]:
        """The map ``n_tracks`` tracks allow: a perplexity at most :meth:`max_perplexity`."""
        need = 4 if self.method == "tsne" else 2
        if n_tracks < need:
            raise SongsimError(f"a {self.label} map needs {need} tracks or more (got {n_tracks})")
        top = self.max_perplexity(n_tracks)
        if self.method != "tsne" or self.perplexity <= top:
            return Fitted(self)
        return Fitted(
            dataclasses.replace(self, perplexity=float(top)),
            f"perplexity {self.perplexity:g} lowered to {top}, the most {n_tracks} tracks allow",
        )

    @property
    def label(self) -> str:
        """The method as the pages name it: "t-SNE" or "PCA"."""
        return {"tsne": "t-SNE", "pca": "PCA"}[self.method]
