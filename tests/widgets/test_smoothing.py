"""course.widgets.smoothing: propagation, energy and probe against NumPy and sklearn, and the widget headless."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import RidgeClassifier

from course import graphs
from course.widgets.smoothing import (
    K_MAX,
    PROPAGATORS,
    depth_sweep,
    dirichlet_energy,
    direction_scores,
    make_smoothing_explorer,
    principal_axis,
    probe_accuracy,
    propagate,
    propagate_steps,
    propagator_matrix,
    random_walk_propagator,
)


def random_graph(n: int = 30, p: float = 0.15, seed: int = 0, weighted: bool = False) -> np.ndarray:
    """A symmetric adjacency with zero diagonal; node 0 isolated (degree 0)."""
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < p, 1).astype(float)
    if weighted:
        upper *= rng.uniform(0.5, 2.0, (n, n))
    a = upper + upper.T
    a[0, :] = a[:, 0] = 0.0
    return a


def dense_propagators(a: np.ndarray) -> dict[str, np.ndarray]:
    """Both propagators built with dense NumPy from their definitions."""
    at = a + np.eye(len(a))
    d = at.sum(axis=1)
    return {"symmetric": np.diag(d ** -0.5) @ at @ np.diag(d ** -0.5), "random walk": np.diag(1.0 / d) @ at}


@pytest.fixture(scope="module")
def citations():
    """The widget's default graph, built the way make_smoothing_explorer documents it."""
    g = graphs.largest_component(graphs.citation_graph(300, seed=0))
    train, test = graphs.semi_supervised_split(g.labels, per_class=10, n_test=g.n_nodes - 50, seed=0)
    return g, train, test


# --------------------------------------------------------------------------- propagators


def test_random_walk_propagator_is_the_mean_over_self_and_neighbours() -> None:
    a = random_graph(weighted=True)
    p = random_walk_propagator(a)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(p, dense_propagators(a)["random walk"], rtol=1e-12)
    assert p[0, 0] == 1.0 and np.count_nonzero(p[0]) == 1  # the isolated node keeps its own features
    ps = random_walk_propagator(a, sparse_output=True)
    assert sparse.issparse(ps)
    np.testing.assert_allclose(np.asarray(ps.sum(axis=1)).ravel(), 1.0, rtol=1e-12)
    g = graphs.molecule("caffeine")
    np.testing.assert_allclose(random_walk_propagator(g).sum(axis=1), 1.0, rtol=1e-12)


def test_propagator_matrix_offers_both_kinds() -> None:
    a = random_graph()
    ref = dense_propagators(a)
    for kind in PROPAGATORS:
        p = propagator_matrix(a, kind)
        assert sparse.issparse(p)
        np.testing.assert_allclose(p.toarray(), ref[kind], rtol=1e-12, atol=1e-15)
    sym = propagator_matrix(a, "symmetric", sparse_output=False)
    np.testing.assert_allclose(sym, sym.T)
    np.testing.assert_allclose(sym, graphs.gcn_propagator(a))


@pytest.mark.parametrize("kind", PROPAGATORS)
@pytest.mark.parametrize("k", [0, 1, 2, 5, 13])
def test_propagate_without_teleport_is_a_matrix_power(kind: str, k: int) -> None:
    a = random_graph(seed=k)
    p = dense_propagators(a)[kind]
    x = np.random.default_rng(k).normal(size=(len(a), 4))
    want = np.linalg.matrix_power(p, k) @ x
    np.testing.assert_allclose(propagate(p, x, k), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(propagate(sparse.csr_matrix(p), x, k), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(propagate(p, x[:, 0], k), want[:, 0], rtol=1e-10, atol=1e-12)  # one signal


@pytest.mark.parametrize("alpha", [0.05, 0.3, 1.0])
@pytest.mark.parametrize("k", [1, 4, 10])
def test_propagate_with_teleport_is_the_appnp_sum(alpha: float, k: int) -> None:
    # X_k = ((1 - a) P)^k X + a sum_{j < k} ((1 - a) P)^j X: the recursion unrolled
    a = random_graph(seed=3)
    p = dense_propagators(a)["symmetric"]
    x = np.random.default_rng(1).normal(size=(len(a), 3))
    m = (1 - alpha) * p
    want = np.linalg.matrix_power(m, k) @ x + alpha * sum(np.linalg.matrix_power(m, j) @ x for j in range(k))
    np.testing.assert_allclose(propagate(sparse.csr_matrix(p), x, k, alpha), want, rtol=1e-10, atol=1e-12)


def test_propagate_steps_gives_every_depth() -> None:
    a = random_graph(seed=5)
    p = propagator_matrix(a, "random walk")
    x = np.random.default_rng(2).normal(size=(len(a), 2))
    steps = list(propagate_steps(p, x, 6, 0.2))
    assert len(steps) == 7
    np.testing.assert_array_equal(steps[0], x)
    for k, xk in enumerate(steps):
        np.testing.assert_allclose(xk, propagate(p, x, k, 0.2), rtol=1e-13)


# --------------------------------------------------------------------------- over-smoothing


def test_symmetric_smoothing_converges_to_the_top_eigenvector(citations) -> None:
    g = citations[0]
    n = g.n_nodes
    p_dense = graphs.gcn_propagator(g)
    values, vectors = np.linalg.eigh(p_dense)                    # independent: the spectrum itself
    top = vectors[:, -1] * np.sign(vectors[:, -1].sum())
    d_tilde = g.degrees() + 1.0
    assert values[-1] == pytest.approx(1.0, abs=1e-10)
    np.testing.assert_allclose(top, np.sqrt(d_tilde) / np.linalg.norm(np.sqrt(d_tilde)), atol=1e-10)
    second = max(abs(values[-2]), abs(values[0]))
    k = int(np.ceil(np.log(1e-9) / np.log(second)))              # enough steps for the rest to die out
    x = np.random.default_rng(0).normal(size=(n, 5))
    limit = np.outer(top, top @ x)
    got = propagate(graphs.gcn_propagator(g, sparse_output=True), x, k)
    np.testing.assert_allclose(got, limit, atol=1e-7 * np.abs(limit).max())
    rows = got / np.sqrt(d_tilde)[:, None]                      # rows proportional to sqrt(d + 1)
    np.testing.assert_allclose(rows, np.broadcast_to(rows[0], rows.shape), atol=1e-7 * np.abs(rows).max())
    # and the directions of all nodes agree: every node looks alike
    assert np.abs(direction_scores(np.abs(got), principal_axis(np.abs(x)))).max() < 1e-6


def test_random_walk_smoothing_converges_to_the_degree_weighted_mean(citations) -> None:
    g = citations[0]
    x = np.random.default_rng(1).normal(size=(g.n_nodes, 3))
    d_tilde = g.degrees() + 1.0
    mean = d_tilde @ x / d_tilde.sum()                           # the stationary distribution is d~ / sum d~
    got = propagate(random_walk_propagator(g, sparse_output=True), x, 3000)
    np.testing.assert_allclose(got, np.broadcast_to(mean, got.shape), atol=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
def test_dirichlet_energy_against_a_loop_over_edges(weighted: bool) -> None:
    a = random_graph(25, 0.2, seed=4, weighted=weighted)
    x = np.random.default_rng(3).normal(size=(25, 3))
    d_tilde = a.sum(axis=1) + 1
    sym = rw = 0.0
    for i, j in zip(*np.nonzero(np.triu(a, 1))):
        sym += a[i, j] * np.sum((x[i] / np.sqrt(d_tilde[i]) - x[j] / np.sqrt(d_tilde[j])) ** 2)
        rw += a[i, j] * np.sum((x[i] - x[j]) ** 2)
    assert dirichlet_energy(a, x, "symmetric") == pytest.approx(sym, rel=1e-12)
    assert dirichlet_energy(sparse.csr_matrix(a), x, "random walk") == pytest.approx(rw, rel=1e-12)
    # trace forms: X^T (I - P_sym) X and X^T (D~ - A~) X
    ref = dense_propagators(a)
    assert sym == pytest.approx(np.trace(x.T @ (np.eye(25) - ref["symmetric"]) @ x), rel=1e-10)
    assert rw == pytest.approx(np.trace(x.T @ (np.diag(a.sum(axis=1)) - a) @ x), rel=1e-10)


def test_dirichlet_energy_vanishes_on_each_propagators_limit() -> None:
    g = graphs.molecule("caffeine")
    c = np.array([1.0, -2.0, 0.5])
    d_tilde = g.degrees() + 1.0
    assert dirichlet_energy(g, np.outer(np.sqrt(d_tilde), c), "symmetric") == pytest.approx(0.0, abs=1e-12)
    assert dirichlet_energy(g, np.outer(np.ones(g.n_nodes), c), "random walk") == pytest.approx(0.0, abs=1e-12)
    assert dirichlet_energy(g, np.outer(np.ones(g.n_nodes), c), "symmetric") > 0.01  # not the symmetric limit


@pytest.mark.parametrize("kind", PROPAGATORS)
def test_dirichlet_energy_never_grows_with_depth(citations, kind: str) -> None:
    g = citations[0]
    p = propagator_matrix(g, kind)
    energy = np.array([dirichlet_energy(g, x, kind) for x in propagate_steps(p, g.features, 40)])
    assert np.all(np.diff(energy) <= 1e-12 * energy[0])
    assert np.all(np.diff(energy[:10]) < 0)                         # strictly, while there is something to smooth
    assert energy[40] < 1e-4 * energy[0]
    with_teleport = [dirichlet_energy(g, x, kind) for x in propagate_steps(p, g.features, 40, 0.2)]
    assert with_teleport[-1] > 0.01 * energy[0]                     # APPNP keeps the nodes apart


# --------------------------------------------------------------------------- the probe


@pytest.mark.parametrize("n_classes,ridge", [(5, 1.0), (5, 0.01), (3, 10.0), (2, 1.0)])
def test_probe_predicts_like_sklearns_ridge_classifier(n_classes: int, ridge: float) -> None:
    rng = np.random.default_rng(n_classes)
    y = rng.integers(0, n_classes, 200)
    x = rng.normal(size=(200, 40)) + 0.8 * np.eye(n_classes, 40)[y]
    train, test = np.arange(60), np.arange(60, 200)
    want = RidgeClassifier(alpha=ridge).fit(x[train], y[train]).score(x[test], y[test])
    assert probe_accuracy(x, y, train, test, ridge) == pytest.approx(want)
    assert 1.0 / n_classes < want < 1.0   # a real test: neither trivial nor hopeless


def test_probe_on_identical_nodes_is_at_chance() -> None:
    y = np.repeat(np.arange(5), 20)
    x = np.ones((100, 7))
    assert probe_accuracy(x, y, np.arange(0, 100, 2), np.arange(1, 100, 2)) == pytest.approx(0.2)


def test_a_few_steps_beat_none_and_many_steps_lose_everything(citations) -> None:
    """The lecture's claim on the widget's default graph: the accuracy rises for small k, then falls to chance."""
    g, train, test = citations
    for kind in PROPAGATORS:
        p = propagator_matrix(g, kind)
        acc = {k: probe_accuracy(propagate(p, g.features, k), g.labels, train, test) for k in (0, 1, 2, 3, 4, 256)}
        best_small = max(acc[k] for k in (1, 2, 3, 4))
        assert best_small > acc[0] + 0.2, (kind, acc)
        assert best_small > acc[256] + 0.4, (kind, acc)
        assert acc[256] < 0.4, (kind, acc)   # chance is 0.2 for five fields
        appnp = probe_accuracy(propagate(p, g.features, 256, alpha=0.1), g.labels, train, test)
        assert appnp > acc[256] + 0.4 and appnp > best_small - 0.05, (kind, appnp)


def test_principal_axis_is_the_top_singular_vector_of_the_directions() -> None:
    x = np.abs(np.random.default_rng(7).normal(size=(50, 6))) + np.outer(np.linspace(0, 3, 50), [1, 0, 0, 0, 0, 1])
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    _, _, vt = np.linalg.svd(u - u.mean(axis=0))
    axis = principal_axis(x)
    assert abs(axis @ vt[0]) == pytest.approx(1.0, abs=1e-10)
    assert axis[np.argmax(np.abs(axis))] > 0
    scores = direction_scores(3.0 * x, axis)   # lengths do not matter, directions do
    np.testing.assert_allclose(scores, (u - u.mean(axis=0)) @ axis, atol=1e-12)
    np.testing.assert_allclose(direction_scores(np.outer(np.arange(1, 51), x[0]), axis), 0.0, atol=1e-12)


@pytest.mark.parametrize("kind,alpha", [("symmetric", 0.0), ("random walk", 0.25)])
def test_depth_sweep_equals_the_functions_depth_by_depth(citations, kind: str, alpha: float) -> None:
    g, train, test = citations
    axis = principal_axis(g.features)
    s = depth_sweep(g, train, test, kind, alpha, k_max=12, axis=axis)
    np.testing.assert_array_equal(s["depths"], np.arange(13))
    p = propagator_matrix(g, kind)
    for k, x in enumerate(propagate_steps(p, g.features, 12, alpha)):
        assert s["accuracy"][k] == pytest.approx(probe_accuracy(x, g.labels, train, test))
        assert s["energy"][k] == pytest.approx(dirichlet_energy(g, x, kind), rel=1e-9)
        np.testing.assert_allclose(s["scores"][k], direction_scores(x, axis), atol=1e-12)


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("call,match", [
    (lambda: propagate(np.eye(3), np.ones((3, 2)), -1), "k must be >= 0"),
    (lambda: propagate(np.eye(3), np.ones((3, 2)), 2.5), "whole number"),
    (lambda: propagate(np.eye(3), np.ones((3, 2)), True), "whole number"),
    (lambda: propagate(np.eye(3), np.ones((3, 2)), 2, alpha=-0.1), "alpha must be between 0 and 1"),
    (lambda: propagate(np.eye(3), np.ones((3, 2)), 2, alpha=1.5), "alpha must be between 0 and 1"),
    (lambda: propagate(np.eye(3), np.ones((3, 2)), 2, alpha=float("nan")), "alpha"),
    (lambda: propagate(np.eye(3), np.ones((4, 2)), 2), "one row per node"),
    (lambda: propagate(np.ones((3, 4)), np.ones((3, 2)), 2), "square"),
    (lambda: propagate(np.eye(3), np.full((3, 2), np.nan), 2), "NaN"),
    (lambda: list(propagate_steps(np.eye(2), np.ones(2), -3)), "k_max must be >= 0"),
    (lambda: random_walk_propagator(np.array([[0.0, 1.0], [0.0, 0.0]])), "symmetric"),
    (lambda: random_walk_propagator(np.array([[0.0, -1.0], [-1.0, 0.0]])), "non-negative"),
    (lambda: random_walk_propagator(np.eye(2)), "zero diagonal"),
    (lambda: propagator_matrix(np.zeros((2, 2)), "laplacian"), "unknown propagator"),
    (lambda: dirichlet_energy(np.zeros((3, 3)), np.ones((2, 1))), "one row per node"),
    (lambda: dirichlet_energy(np.zeros((3, 3)), np.ones((3, 1)), "mean"), "unknown energy"),
    (lambda: probe_accuracy(np.ones((4, 2)), [0, 1, 0], [0, 1], [2]), "one label per node"),
    (lambda: probe_accuracy(np.ones((4, 2)), [0, 1, 0, 1], [], [2]), "training indices"),
    (lambda: probe_accuracy(np.ones((4, 2)), [0, 1, 0, 1], [0, 1], [7]), "test indices must lie in 0..3"),
    (lambda: probe_accuracy(np.ones((4, 2)), [0, 1, 0, 1], [0, 1], [2], ridge=0.0), "ridge"),
    (lambda: make_smoothing_explorer(n_nodes=10), "n_nodes"),
    (lambda: make_smoothing_explorer(homophily=1.5), "homophily"),
])
def test_bad_inputs_raise_value_errors_that_explain(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- widget


@pytest.fixture(scope="module")
def explorer():
    return make_smoothing_explorer()


def check_data(w) -> None:
    """The picture's numbers agree with the plain functions, recomputed here for the current depth."""
    d, c = w.data, w.controls
    k, kind, alpha = c["depth"].value, c["propagator"].value, c["alpha"].value
    assert (d["depth"], d["propagator"], d["alpha"], d["homophily"]) == (k, kind, alpha, c["homophily"].value)
    g = d["graph"]
    x = propagate(propagator_matrix(g, kind), g.features, k, alpha)
    assert d["test_accuracy"] == pytest.approx(probe_accuracy(x, g.labels, d["train_idx"], d["test_idx"]))
    e0 = dirichlet_energy(g, g.features, kind)
    assert d["difference"][k] == pytest.approx(np.sqrt(dirichlet_energy(g, x, kind) / e0), rel=1e-6, abs=1e-12)
    assert d["scores"].shape == (g.n_nodes,)
    assert d["accuracy"].shape == d["difference"].shape == (K_MAX + 1,)
    assert d["best_accuracy"] == d["accuracy"].max() == d["accuracy"][d["best_depth"]]
    assert f"depth {k}:" in w.message.value and "test accuracy" in w.message.value


def test_default_explorer(explorer) -> None:
    d = explorer.data
    assert explorer.error == ""
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    g = d["graph"]
    assert 250 <= g.n_nodes <= 300 and d["edge_homophily"] == pytest.approx(0.8, abs=0.08)
    assert len(d["train_idx"]) == 50 and len(d["test_idx"]) == g.n_nodes - 50
    assert not np.intersect1d(d["train_idx"], d["test_idx"]).size
    check_data(explorer)
    assert 1 <= d["best_depth"] <= 10   # the lecture's sweet spot: a few layers
    assert d["accuracy"][d["best_depth"]] > d["accuracy"][0] + 0.2 > d["accuracy"][K_MAX] + 0.2


def test_every_control_drives_the_numbers_and_the_picture(explorer) -> None:
    c = explorer.controls
    steps = [("depth", 0), ("depth", 5), ("depth", K_MAX), ("play", 3), ("propagator", "random walk"),
             ("alpha", 0.2), ("depth", 40), ("propagator", "symmetric"), ("homophily", 0.5), ("alpha", 0.0),
             ("homophily", 0.8), ("depth", 2)]
    last = explorer.image.value
    for name, value in steps:
        c[name].value = value
        assert explorer.error == "", explorer.error
        assert c["play"].value == c["depth"].value       # the Play button and the slider stay in step
        check_data(explorer)
        assert explorer.image.value != last, (name, value)
        last = explorer.image.value


def test_depth_washes_out_the_colours_and_teleport_keeps_them(explorer) -> None:
    c = explorer.controls
    c["propagator"].value, c["alpha"].value, c["homophily"].value = "symmetric", 0.0, 0.8
    c["depth"].value = 2
    spread_2 = explorer.data["scores"].std()
    c["depth"].value = K_MAX
    assert explorer.data["scores"].std() < 0.02 * spread_2
    assert "over-smoothing" in explorer.message.value
    c["alpha"].value = 0.1
    assert explorer.data["scores"].std() > 0.5 * spread_2
    assert explorer.data["test_accuracy"] > 0.8
    c["alpha"].value = 0.0


def test_homophily_rebuilds_the_graph(explorer) -> None:
    c = explorer.controls
    c["homophily"].value = 0.2
    d = explorer.data
    assert d["edge_homophily"] == pytest.approx(0.2, abs=0.08)
    assert d["best_depth"] == 0 or d["best_accuracy"] < d["accuracy"][0] + 0.05   # averaging strangers does not help
    check_data(explorer)
    c["homophily"].value = 0.8


def test_bad_alpha_shows_an_error_and_the_widget_recovers(explorer) -> None:
    c = explorer.controls
    c["alpha"].value = 0.05
    good_image, good_alpha = explorer.image.value, explorer.data["alpha"]
    c["alpha"].value = float("nan")
    assert "alpha" in explorer.error and "between 0 and 1" in explorer.error
    assert "alpha" in explorer.message.value
    assert explorer.image.value == good_image and explorer.data["alpha"] == good_alpha
    c["alpha"].value = 0.3
    assert explorer.error == ""
    assert explorer.data["alpha"] == 0.3 and explorer.image.value != good_image
    c["alpha"].value = 0.0


def test_static_picture_for_nbconvert(explorer) -> None:
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle and len(bundle["image/png"]) > 1000
    assert bundle["text/plain"].startswith("Over-smoothing explorer")
