"""Newman's leading-eigenvector communities on a graph given as an operator.

The modularity matrix is never formed: each split solves for the leading eigenvector of the
group's generalised modularity matrix ``B⁽ᵍ⁾ = A_gg − k_g k_gᵀ / 2m − diag(A_gg 1 − k_g K_g / 2m)``
(Newman 2006, PNAS 103:8577) with ARPACK, using only products with the adjacency ``A``. Two
forms of ``A`` are provided:

* :class:`MatrixAdjacency`: a sparse symmetric matrix;
* :class:`IncidenceAdjacency`: the song graph of a playlist incidence ``B`` (playlists × songs,
  binary) as ``A = BᵀB − D``, ``D`` its diagonal — a product costs two passes over ``B``'s
  entries, and the graph's edges (7×10⁸ for a Million-Playlist-sized catalogue) are never held.

Groups are split in igraph's order until no split raises modularity, or until
``max_communities``; the result matches igraph's ``community_leading_eigenvector``
(tests/test_spectral.py), which needs the graph's edges in memory.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

DENSE_MAX = 64  # groups up to this size are solved densely (ARPACK needs n > k + 1)
EPS = 1e-10


class MatrixAdjacency:
    """A symmetric sparse adjacency ``A [shape=(n, n)]`` (weights ≥ 0, zero diagonal)."""

    def __init__(self, A: sp.spmatrix):
        self.A = sp.csr_matrix(A, dtype=np.float64)
        self.n = self.A.shape[0]

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return self.A @ x

    def restrict(self, idx: np.ndarray) -> MatrixAdjacency:
        return MatrixAdjacency(self.A[idx][:, idx])

    def within(self, membership: np.ndarray, c: int) -> np.ndarray:
        """Total weight ``1_cᵀ A 1_c`` inside each community, ``(c,)``."""
        M = sp.csr_matrix((np.ones(self.n), (np.arange(self.n), membership)), shape=(self.n, c))
        return (M.T @ self.A @ M).diagonal()


class IncidenceAdjacency:
    """The adjacency ``A = BᵀB − D`` of songs sharing playlists, from the incidence
    ``B [shape=(n_playlists, n)]`` (binary); ``A_ij`` = playlists holding both ``i`` and ``j``."""

    def __init__(self, B: sp.spmatrix):
        self.B = sp.csc_matrix(B, dtype=np.float64)
        self.n = self.B.shape[1]
        self.d = np.diff(self.B.indptr).astype(np.float64)  # playlists of each song

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return self.B.T @ (self.B @ x) - self.d * x

    def restrict(self, idx: np.ndarray) -> IncidenceAdjacency:
        return IncidenceAdjacency(self.B[:, idx])

    def within(self, membership: np.ndarray, c: int) -> np.ndarray:
        M = self.B @ sp.csr_matrix(
            (np.ones(self.n), (np.arange(self.n), membership)), shape=(self.n, c)
        )
        return np.asarray(M.multiply(M).sum(axis=0)).ravel() - np.bincount(
            membership, weights=self.d, minlength=c
        )


def modularity(op, membership: np.ndarray) -> float:
    """Newman's weighted modularity of ``membership [shape=(n,)]`` on the adjacency ``op``."""
    k = op.matvec(np.ones(op.n))
    two_m = k.sum()
    if two_m <= 0:
        return 0.0
    c = int(membership.max()) + 1
    K = np.bincount(membership, weights=k, minlength=c)
    return float(op.within(membership, c).sum() / two_m - (K**2).sum() / two_m**2)


def _split(op, k: np.ndarray, two_m: float, rng: np.random.Generator) -> np.ndarray | None:
    """The nodes ``(n_g,)`` bool that leave a group (``op`` restricted to it, ``k`` its nodes'
    full strengths), or None when the group is indivisible. As igraph: the leading eigenvector's
    entries below 1e-8 count as 0, its sign is fixed by its first nonzero entry, and the nodes
    with negative entries leave; no split unless the eigenvalue and sᵀB⁽ᵍ⁾s exceed 1e-8."""
    n = op.n
    K = k.sum()
    diag = op.matvec(np.ones(n)) - k * K / two_m

    def apply(x: np.ndarray) -> np.ndarray:
        return op.matvec(x) - k * (k @ x) / two_m - diag * x

    if n <= DENSE_MAX:
        dense = np.column_stack([apply(e) for e in np.eye(n)])
        values, vectors = np.linalg.eigh((dense + dense.T) / 2)
        value, vector = values[-1], vectors[:, -1]
    else:
        operator = LinearOperator((n, n), matvec=apply, dtype=np.float64)
        v0 = rng.standard_normal(n)
        try:
            values, vectors = eigsh(operator, k=1, which="LA", v0=v0, tol=1e-10, maxiter=20 * n)
        except ArpackNoConvergence as exc:
            if not len(exc.eigenvalues):
                return None
            values, vectors = exc.eigenvalues, exc.eigenvectors
        value, vector = values[0], vectors[:, 0]
    if value <= EPS:
        return None
    vector = np.where(np.abs(vector) < EPS, 0.0, vector)
    nonzero = np.flatnonzero(vector)
    if len(nonzero) and vector[nonzero[0]] < 0:
        vector = -vector
    leave = vector < 0
    if leave.all() or not leave.any():
        return None
    s = np.where(leave, -1.0, 1.0)
    if s @ apply(s) <= EPS:  # 4m·ΔQ: the split must raise modularity
        return None
    return leave


def leading_eigenvector(
    op,
    *,
    max_communities: int | None = None,
    random_state: int = 0,
    on_split: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Communities ``(n,)`` int of a connected graph by repeated leading-eigenvector splits.

    As igraph's ``community_leading_eigenvector``: groups wait on a stack (the group just split
    is tried again first, then the part that left it), groups of 2 nodes or fewer are not split,
    and ``max_communities`` allows ``max_communities − 1`` attempts, failed ones included.

    Parameters
    ----------
    op : :class:`MatrixAdjacency` or :class:`IncidenceAdjacency`
    max_communities : at most this many communities (default: until no split raises modularity)
    random_state : seed of ARPACK's starting vectors
    on_split : called with the number of communities after each split (progress)
    """
    rng = np.random.default_rng(random_state)
    k = op.matvec(np.ones(op.n))
    two_m = k.sum()
    membership = np.zeros(op.n, dtype=np.int64)
    if two_m <= 0:
        return membership
    attempts = op.n - 1 if max_communities is None else max_communities - 1
    stack = [0] if op.n > 2 else []
    count, tried = 1, 0
    while stack and tried < attempts:
        comm = stack.pop()
        idx = np.flatnonzero(membership == comm)
        tried += 1
        if len(idx) <= 2:
            continue
        leave = _split(op.restrict(idx) if len(idx) < op.n else op, k[idx], two_m, rng)
        if leave is None:
            continue
        membership[idx[leave]] = count
        count += 1
        if leave.sum() > 1:
            stack.append(count - 1)
        if (~leave).sum() > 1:
            stack.append(comm)
        if on_split is not None:
            on_split(count)
    return membership
