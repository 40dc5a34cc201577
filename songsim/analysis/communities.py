"""Communities of the song graph: leading eigenvector (with refinement), Leiden, Louvain.

The leading-eigenvector method (Newman 2006) splits the graph repeatedly along the leading
eigenvector of the modularity matrix. igraph's ``community_leading_eigenvector(clusters=N)``
treats N as an upper bound: it stops earlier when no split raises the modularity. It is run on
each connected component; when ARPACK fails to converge (it does on graphs with tied leading
eigenvalues), it is retried with a higher iteration limit, and then replaced by Leiden, with the
reason kept in ``CommunityResult.note``.

``refine=True`` adds the vertex-moving step Newman applies after the spectral splits: sweeps in
which every vertex is moved once, each time taking the single move that raises modularity most
(or lowers it least), and keeping the best state seen; repeated while a sweep improves.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import SongsimError

METHODS = ("leading-eigenvector", "leiden", "louvain")
KL_MAX_NODES = 3000  # above this, refinement makes only improving moves (vectorised sweeps)


@dataclasses.dataclass
class CommunityResult:
    """Community of each node, with its modularity.

    Attributes
    ----------
    membership : np.ndarray [shape=(n,)] int, communities numbered 0.. by decreasing size
    method : str             the method that produced it (after any fall-back)
    modularity : float       weighted modularity of ``membership``
    note : str               why a fall-back happened, or ''
    """

    membership: np.ndarray
    method: str
    modularity: float
    note: str = ""

    @property
    def n_communities(self) -> int:
        return int(self.membership.max() + 1) if len(self.membership) else 0

    @property
    def sizes(self) -> list[int]:
        return np.bincount(self.membership).tolist()


def _relabel_by_size(membership: np.ndarray) -> np.ndarray:
    _, inv, counts = np.unique(membership, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inv.ravel()]


def modularity(A: sp.spmatrix, membership: np.ndarray) -> float:
    """Newman's weighted modularity of ``membership [shape=(n,)]`` on the symmetric adjacency
    ``A [shape=(n, n)]``: :func:`songsim.analysis.spectral.modularity`, the one formula, on the
    matrix (the incidence-held graph uses it on its operator)."""
    from .spectral import MatrixAdjacency
    from .spectral import modularity as on_operator

    return on_operator(MatrixAdjacency(A), np.asarray(membership))


def refine(A: sp.spmatrix, membership: np.ndarray, *, max_sweeps: int = 50) -> np.ndarray:
    """Newman's vertex-moving refinement of a partition (modularity never decreases).

    Parameters
    ----------
    A : sp.spmatrix [shape=(n, n)]  symmetric weighted adjacency
    membership : np.ndarray [shape=(n,)]  starting communities

    Returns
    -------
    membership : np.ndarray [shape=(n,)] with modularity ≥ the input's
    """
    A = sp.csr_matrix(A, dtype=np.float64)
    A.setdiag(0)
    A.eliminate_zeros()
    n = A.shape[0]
    memb = np.unique(membership, return_inverse=True)[1].ravel().copy()
    c = memb.max() + 1
    k = np.asarray(A.sum(axis=1)).ravel()
    m2 = k.sum()
    if m2 == 0 or c < 2:
        return memb
    onehot = sp.csr_matrix((np.ones(n), (np.arange(n), memb)), shape=(n, c))
    W = np.asarray((A @ onehot).todense())  # W[i, b]: weight from i to community b
    K = np.bincount(memb, weights=k, minlength=c)
    rows = np.arange(n)

    def gains(memb, W, K):
        own = memb
        g = (W - W[rows, own][:, None]) / (m2 / 2) - k[:, None] * (
            K[None, :] - K[own][:, None] + k[:, None]
        ) / (m2**2 / 2)
        g[rows, own] = -np.inf
        return g

    def move(v, b):
        a = memb[v]
        col = A.getcol(v).toarray().ravel()
        W[:, a] -= col
        W[:, b] += col
        K[a] -= k[v]
        K[b] += k[v]
        memb[v] = b

    for _ in range(max_sweeps):
        if n > KL_MAX_NODES:  # improving moves only, one vertex at a time in order of gain
            order = np.argsort(-gains(memb, W, K).max(axis=1))
            moved = False
            for v in order:
                a = memb[v]
                gain = (W[v, :] - W[v, a]) / (m2 / 2) - k[v] * (K - K[a] + k[v]) / (m2**2 / 2)
                gain[a] = -np.inf
                b = int(gain.argmax())
                if gain[b] > 1e-12:
                    move(v, b)
                    moved = True
            if not moved:
                break
            continue
        free = np.ones(n, dtype=bool)
        total, best_total, best_step, history = 0.0, 0.0, 0, []
        for step in range(n):
            g = gains(memb, W, K)
            g[~free] = -np.inf
            flat = int(np.argmax(g))
            v, b = divmod(flat, c)
            if not np.isfinite(g[v, b]):
                break
            history.append((v, memb[v]))
            total += g[v, b]
            move(v, b)
            free[v] = False
            if total > best_total + 1e-12:
                best_total, best_step = total, step + 1
        for v, a in reversed(history[best_step:]):  # undo the moves after the best state
            move(v, a)
        if best_total <= 1e-12:
            break
    return _relabel_by_size(memb)


def _leading_eigenvector(g, clusters: int | None) -> np.ndarray:
    import igraph as ig

    weights = "weight" if "weight" in g.es.attributes() else None
    last = None
    for maxiter in (None, 100_000):
        try:
            if maxiter is None:
                return np.array(
                    g.community_leading_eigenvector(clusters=clusters, weights=weights).membership
                )
            opts = ig.ARPACKOptions()
            opts.maxiter = maxiter
            opts.tol = 1e-10
            return np.array(
                g.community_leading_eigenvector(
                    clusters=clusters, weights=weights, arpack_options=opts
                ).membership
            )
        except ig.InternalError as exc:
            last = exc
    raise RuntimeError(" ".join(str(last).split())[:200])


def detect(
    graph,
    *,
    method: str = "leading-eigenvector",
    max_communities: int | None = None,
    refine_partition: bool = False,
    random_state: int = 0,
) -> CommunityResult:
    """Communities of an undirected graph.

    Parameters
    ----------
    graph : igraph.Graph (edge attribute ``weight`` used when present), a SongGraph, or an
        IncidenceGraph (leading eigenvector only, without refinement: its edges are never held)
    method : 'leading-eigenvector', 'leiden' or 'louvain'
    max_communities : leading eigenvector only: upper bound on the communities of each component
    refine_partition : apply Newman's vertex-moving refinement afterwards
    random_state : random seed for Leiden and Louvain
    """
    if method not in METHODS:
        raise SongsimError(
            f"unknown community method '{method}' (choose from {', '.join(METHODS)})"
        )
    if max_communities is not None and max_communities < 1:
        raise SongsimError("the number of communities must be at least 1")
    if hasattr(graph, "adjacency_operator"):  # too big to hold: an IncidenceGraph
        return _detect_on_operator(graph, method, max_communities, refine_partition, random_state)
    g = graph.to_igraph() if hasattr(graph, "to_igraph") else graph
    weights = "weight" if "weight" in g.es.attributes() else None
    if weights:
        check_weights(np.asarray(g.es["weight"], dtype=float))
    with _seeded_igraph(random_state):
        membership, used, notes = _detect_per_component(g, method, max_communities, weights)
    A = _adjacency(g)
    if refine_partition:
        membership = refine(A, membership)
    membership = _relabel_by_size(membership)
    return CommunityResult(
        membership,
        used + ("+refine" if refine_partition else ""),
        modularity(A, membership),
        "; ".join(notes),
    )


def check_weights(weights: np.ndarray, where: str = "edge weights") -> None:
    """Raise SongsimError unless every weight is finite and positive and modularity's sums of
    them (up to the squared total) stay finite: igraph aborts the process on such input."""
    if len(weights) and not (np.isfinite(weights).all() and (weights > 0).all()):
        raise SongsimError(f"{where}: every weight must be a finite positive number")
    with np.errstate(over="ignore"):
        total = float(weights.sum()) * 2
        square = total * total
    if not np.isfinite(square):
        raise SongsimError(f"{where}: weights too large (their total is {total:.3g})")


def _detect_on_operator(graph, method, max_communities, refine_partition, random_state):
    from .spectral import leading_eigenvector
    from .spectral import modularity as operator_modularity

    if method != "leading-eigenvector" or refine_partition:
        raise SongsimError(
            "a graph held as its playlist incidence takes the leading eigenvector method only, "
            "without refinement"
        )
    op = graph.adjacency_operator()
    membership = _relabel_by_size(
        leading_eigenvector(op, max_communities=max_communities, random_state=random_state)
    )
    return CommunityResult(membership, method, operator_modularity(op, membership))


_IGRAPH_RNG_LOCK = threading.Lock()


@contextmanager
def _seeded_igraph(seed: int):
    """igraph's random numbers come from one process-wide generator: seed it for this run only,
    one run at a time, and give the process its usual generator back afterwards."""
    import igraph as ig

    with _IGRAPH_RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)


def _detect_per_component(
    g, method: str, clusters: int | None, weights
) -> tuple[np.ndarray, str, list[str]]:
    """Membership ``(n,)`` found component by component, the method used and fall-back notes."""
    membership = np.zeros(g.vcount(), dtype=np.int64)
    notes, used, offset = [], method, 0
    for comp in g.connected_components():
        sub = g.induced_subgraph(comp)
        if sub.ecount() == 0 or len(comp) <= 2:
            part = np.zeros(len(comp), dtype=np.int64)
        elif method == "leading-eigenvector":
            try:
                part = _leading_eigenvector(sub, clusters)
            except RuntimeError as exc:
                notes.append(
                    f"leading eigenvector failed on a component of {len(comp)} nodes ({exc}); used Leiden"
                )
                used = "leading-eigenvector→leiden"
                part = np.array(
                    sub.community_leiden(
                        objective_function="modularity", weights=weights, n_iterations=-1
                    ).membership
                )
        elif method == "leiden":
            part = np.array(
                sub.community_leiden(
                    objective_function="modularity", weights=weights, n_iterations=-1
                ).membership
            )
        else:
            part = np.array(sub.community_multilevel(weights=weights).membership)
        membership[comp] = offset + np.unique(part, return_inverse=True)[1].ravel()
        offset = membership.max() + 1
    return membership, used, notes


def _adjacency(g) -> sp.csr_matrix:
    n = g.vcount()
    edges = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    w = (
        np.array(g.es["weight"], dtype=float)
        if "weight" in g.es.attributes()
        else np.ones(len(edges))
    )
    A = sp.csr_matrix((w, (edges[:, 0], edges[:, 1])), shape=(n, n))
    return (A + A.T).tocsr()


def read_edgelist(path) -> object:
    """An igraph.Graph from a whitespace-separated edge list ``source target [weight]`` ('#' comments).

    Raises SongsimError with the file and line on a malformed line.
    """
    import igraph as ig

    from ..limits import read_file

    names, edges, weights = {}, [], []
    try:
        lines = read_file(Path(path), str(path)).decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise SongsimError(f"{path}: cannot read edge list ({exc})") from None
    for i, line in enumerate(lines, start=1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if len(parts) not in (2, 3):
            raise SongsimError(f"{path}: line {i}: expected 'source target [weight]'")
        try:
            w = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError:
            raise SongsimError(f"{path}: line {i}: weight '{parts[2]}' is not a number") from None
        if not (w > 0 and np.isfinite(w)):
            raise SongsimError(f"{path}: line {i}: weight must be a finite positive number")
        a, b = (names.setdefault(p, len(names)) for p in parts[:2])
        if a != b:
            edges.append((a, b))
            weights.append(w)
    if not edges:
        raise SongsimError(f"{path}: no edges")
    check_weights(np.asarray(weights), str(path))
    g = ig.Graph(n=len(names), edges=edges)
    g.es["weight"] = weights
    g.vs["name"] = list(names)
    return g.simplify(combine_edges="sum")
