"""Clustering, communities, comparison, similar songs and maps against reference implementations."""

import igraph as ig
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

import songsim.analysis.communities as comm
from songsim.analysis.clustering import KSweep, silhouette_scores, sweep_k
from songsim.analysis.compare import (
    aligned,
    contingency,
    neighbour_precision,
    precision_at_k,
    scores,
)
from songsim.analysis.maps import TSNEMapper, pca_2d
from songsim.analysis.similar import grow_playlist, nearest
from songsim.errors import SongsimError
from songsim.io.export import neutralise, to_csv, to_m3u8


@pytest.mark.parametrize("seed", range(4))
def test_silhouette_equals_sklearn_for_many_k(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((400, 6)) + rng.integers(0, 4, 400)[:, None] * 2.0
    labelings = [rng.integers(0, k, 400) for k in (2, 3, 7, 20, 50)]
    singleton = np.zeros(400, int)
    singleton[:3] = [1, 2, 3]  # three clusters of one point
    labelings.append(singleton)
    ours = silhouette_scores(X, labelings, max_memory=50_000)  # forces many chunks
    ref = [metrics.silhouette_score(X, lab) for lab in labelings]
    assert np.allclose(ours, ref, atol=1e-5, rtol=0)  # the documented tolerance


def test_sweep_reports_elbow_and_best_k():
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((5, 8)) * 10
    X = np.concatenate([c + rng.standard_normal((60, 8)) for c in centers])
    s = sweep_k(X, range(2, 11))
    assert s.best_k == 5
    assert s.elbow_k in (4, 5, 6)
    assert np.isclose(
        s.silhouette[s.ks.index(5)], metrics.silhouette_score(X, s.labels[5]), atol=1e-6
    )
    g = sweep_k(X, range(2, 8), method="gmm")
    assert g.best_k == 5 and len(g.inertia) == 6


def test_ksweep_is_an_estimator_over_sweep_k():
    from sklearn.base import clone

    rng = np.random.default_rng(1)
    X = np.concatenate([c + rng.standard_normal((15, 4)) for c in np.eye(4)[:3] * 20])
    est = KSweep(range(2, 60), random_state=0)
    assert est.fit(X) is est
    ref = sweep_k(X, range(2, 45), random_state=0)  # ks at or above n are left out
    assert est.ks_ == ref.ks and est.best_k_ == ref.best_k == 3 and est.elbow_k_ == ref.elbow_k
    assert est.inertia_ == ref.inertia and est.silhouette_ == ref.silhouette
    assert all(np.array_equal(est.labels_[k], ref.labels[k]) for k in ref.ks)
    assert est.ks == range(2, 60)  # parameters untouched by fit
    assert clone(est).get_params() == est.get_params()


def test_sweep_labels_equal_sklearn_kmeans_and_blas_threads_are_restored():
    import threading

    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    rng = np.random.default_rng(1)
    X = rng.standard_normal((400, 6)) + np.repeat(rng.standard_normal((4, 6)) * 5, 100, axis=0)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(sweep_k(X, range(2, 9)))) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert blas_threads() == before  # concurrent sweeps leave the process as they found it
    for k in range(2, 9):
        ref = KMeans(n_clusters=k, n_init=3, random_state=0).fit(X).labels_
        assert all((r.labels[k] == ref).all() for r in results)


def test_k_too_large_is_a_clear_error():
    with pytest.raises(SongsimError, match="only 5"):
        sweep_k(np.zeros((5, 2)), [2, 5])


def test_karate_refinement_reaches_newman():
    g = ig.Graph.Famous("Zachary")
    plain = comm.detect(g)
    refined = comm.detect(g, refine_partition=True)
    assert abs(plain.modularity - 0.3934) < 1e-3
    assert refined.modularity >= 0.419
    assert abs(refined.modularity - g.modularity(refined.membership)) < 1e-9


def test_refinement_never_lowers_modularity():
    rng = np.random.default_rng(1)
    g = ig.Graph.Erdos_Renyi(n=80, p=0.08)
    A = comm._adjacency(g)
    for _ in range(5):
        start = rng.integers(0, 4, 80)
        assert comm.modularity(A, comm.refine(A, start)) >= comm.modularity(A, start) - 1e-12


def three_cliques_ring():
    edges = [(5 * c + i, 5 * c + j) for c in range(3) for i in range(5) for j in range(i + 1, 5)]
    return ig.Graph(n=15, edges=edges + [(4, 5), (9, 10), (14, 0)])


def test_arpack_failure_falls_back_to_leiden(monkeypatch):
    def failing(self, *args, **kwargs):
        raise ig.InternalError(
            "Error at src/linalg/arpack.c: ARPACK error, Maximum number of iterations reached"
        )

    monkeypatch.setattr(ig.Graph, "community_leading_eigenvector", failing)
    res = comm.detect(three_cliques_ring())
    assert res.method == "leading-eigenvector→leiden"
    assert "ARPACK" in res.note and res.n_communities == 3
    assert res.modularity == pytest.approx(
        three_cliques_ring().modularity([i // 5 for i in range(15)])
    )


def test_tied_eigenvalues_graph_and_disconnected_graphs():
    res = comm.detect(three_cliques_ring(), refine_partition=True)
    assert res.n_communities == 3
    g = ig.Graph(
        n=12, edges=[(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (6, 7)]
    )  # 3 components + isolates
    for method in comm.METHODS:
        r = comm.detect(g, method=method)
        assert len(r.membership) == 12 and r.n_communities >= 3
        assert r.modularity == pytest.approx(g.modularity(r.membership))


def test_clusters_is_an_upper_bound():
    g = ig.Graph.Famous("Zachary")
    assert comm.detect(g, max_communities=2).n_communities <= 2


def test_edgelist_reader(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("# comment\na b 2\nb c\nc a 1.5\n")
    g = comm.read_edgelist(p)
    assert g.vcount() == 3 and sorted(g.es["weight"]) == [1.0, 1.5, 2.0]
    p.write_text("a b x\n")
    with pytest.raises(SongsimError, match="line 1"):
        comm.read_edgelist(p)


def test_comparison_metrics_match_sklearn():
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 5, 300), rng.integers(0, 4, 300)
    s = scores(a, b)
    assert s["ami"] == pytest.approx(metrics.adjusted_mutual_info_score(b, a))
    assert s["ari"] == pytest.approx(metrics.adjusted_rand_score(b, a))
    assert s["nmi"] == pytest.approx(metrics.normalized_mutual_info_score(b, a))
    assert s["v_measure"] == pytest.approx(metrics.v_measure_score(b, a))
    assert contingency(a, b).to_numpy().sum() == 300
    x, y, left = aligned(
        pd.Series([1, 2, 3], index=[0, 1, 2]), pd.Series([7, None, 8], index=[1, 2, 5])
    )
    assert (
        x.tolist() == [2] and y.tolist() == [7.0] and left == 3
    )  # index 2 is unlabelled on the right


def test_nearest_and_precision_against_brute_force():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 5))
    idx, sim = nearest(X, 7, n=5)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    ref = np.argsort(-(Xn @ Xn[7]))
    assert idx.tolist() == [i for i in ref if i != 7][:5]
    labels = rng.integers(0, 3, 50)
    manual = [
        np.mean(labels[[j for j in np.argsort(-(Xn @ Xn[i])) if j != i][:10]] == labels[i])
        for i in range(50)
    ]
    assert neighbour_precision(X, labels, k=10) == pytest.approx(manual)
    assert precision_at_k(X, labels, k=10) == pytest.approx(np.mean(manual))


def test_playlist_growth_against_a_brute_force_walk():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 4))
    order = grow_playlist(X, 3, length=15, context=3)
    # reference: at each step, score every unused track by cosine to the mean unit vector of the
    # last three, one at a time
    unit = [x / np.linalg.norm(x) for x in X]
    expected = [3]
    while len(expected) < 15:
        target = np.mean([unit[i] for i in expected[-3:]], axis=0)
        scores = {j: float(unit[j] @ target) for j in range(40) if j not in expected}
        expected.append(max(scores, key=scores.get))
    assert order == expected


def test_exports_neutralise_formulas():
    table = pd.DataFrame(
        {
            "track_id": ["a/b.mp3", "=cmd|' /C calc'!A0"],
            "title": ["+1", "@SUM(A1)"],
            "artist": ["-x", "\tTab"],
            "duration": [10.0, 20.0],
        }
    )
    csv = to_csv(table)
    for bad in ("=cmd", "+1", "@SUM", "-x", "\tTab"):
        assert f"'{bad}" in csv
    assert neutralise("fine") == "fine"
    m3u = to_m3u8(table.assign(title=["Line\nbreak", "ok"]))
    assert m3u.startswith("#EXTM3U") and "#EXTINF:10,'-x - Line break" in m3u
    # a path that would start a formula stays the same file to a player
    assert "\n./=cmd|' /C calc'!A0\n" in m3u
    assert not any(line.startswith(("=", "+", "-", "@")) for line in m3u.splitlines())


def test_maps():
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.standard_normal((40, 10)) + 8 * i for i in range(3)])
    Y, ratio = pca_2d(X)
    assert Y.shape == (120, 2) and ratio[0] > ratio[1] > 0
    mapper = TSNEMapper(max_perplexity=30).fit(X)
    a, b = mapper.transform(30), mapper.transform(10)
    assert a.shape == b.shape == (120, 2) and not np.allclose(a, b)
    assert np.allclose(mapper.transform(10), b)  # seeded: same perplexity, same map
    from sklearn.manifold import trustworthiness

    assert trustworthiness(X, a, n_neighbors=10) > 0.9


def test_tsne_affinities_are_opentsnes_at_every_perplexity():
    """The mapper keeps only the neighbours (int32, float32) and re-weights them per perplexity:
    the same joint probabilities openTSNE's PerplexityBasedNN gives after set_perplexity."""
    from openTSNE.affinity import PerplexityBasedNN

    X = np.random.default_rng(7).standard_normal((300, 8)).astype(np.float32)
    mapper = TSNEMapper(max_perplexity=30).fit(X)
    reference = PerplexityBasedNN(X, perplexity=30, method="exact", random_state=0)
    for perplexity in (30, 12, 5):
        reference.set_perplexity(perplexity)
        ours = mapper.affinities_at(perplexity).P
        assert ours.nnz == reference.P.nnz
        assert np.allclose(ours.toarray(), reference.P.toarray(), rtol=1e-4, atol=1e-9)


def test_one_fitted_tsne_serves_parallel_threads_as_it_serves_one():
    """The dashboard shares one fitted mapper between sessions: two perplexities asked for at once,
    from two threads, give the maps they give one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(6)
    X = np.concatenate([rng.standard_normal((30, 8)) + 6 * i for i in range(3)])
    serial = TSNEMapper(max_perplexity=25).fit(X)
    expected = {p: serial.transform(p, n_iter=150) for p in (5, 25)}
    shared = TSNEMapper(max_perplexity=25).fit(X)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda p: (p, shared.transform(p, n_iter=150)), [5, 25, 5, 25]))
    for p, Y in got:
        assert np.array_equal(Y, expected[p]), p


def test_seeded_community_runs_in_parallel_threads_match_serial_ones():
    """Leiden and Louvain draw from igraph's one process-wide generator: concurrent runs must each
    get the result their seed gives alone."""
    from concurrent.futures import ThreadPoolExecutor

    g = ig.Graph.Famous("Zachary")
    jobs = [(m, s) for m in ("leiden", "louvain") for s in (1, 2, 3)] * 2
    serial = {
        job: comm.detect(g, method=job[0], random_state=job[1]).membership.tolist()
        for job in set(jobs)
    }
    with ThreadPoolExecutor(4) as pool:
        parallel = list(
            pool.map(
                lambda job: (
                    job,
                    comm.detect(g, method=job[0], random_state=job[1]).membership.tolist(),
                ),
                jobs,
            )
        )
    assert all(serial[job] == membership for job, membership in parallel)
    assert len({tuple(m) for m in serial.values()}) > 1  # the seeds do matter here
