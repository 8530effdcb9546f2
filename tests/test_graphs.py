"""Tests for course.graphs: the science graph generators, the GCN propagator, the Keras layer and the figures."""

from __future__ import annotations

from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy import sparse  # noqa: E402
from scipy.sparse import csgraph  # noqa: E402

from course import device, graphs  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def ring(n: int) -> graphs.Graph:
    edges = np.array([(i, i + 1) for i in range(n - 1)] + [(0, n - 1)])
    return graphs.Graph(name="ring", n_nodes=n, edges=edges, features=np.eye(n), feature_names=(), description="ring")


def brute_propagator(a: np.ndarray) -> np.ndarray:
    """D~^-1/2 (A + I) D~^-1/2 entry by entry."""
    n = len(a)
    at = a + np.eye(n)
    d = at.sum(axis=1)
    return np.array([[at[i, j] / np.sqrt(d[i] * d[j]) for j in range(n)] for i in range(n)])


# ------------------------------------------------------------------ the type


def test_adjacency_matrix_is_symmetric_with_weights():
    a = graphs.adjacency_matrix([(0, 1), (1, 3)], 4, weights=[2.0, 0.5])
    want = np.zeros((4, 4))
    want[0, 1] = want[1, 0] = 2.0
    want[1, 3] = want[3, 1] = 0.5
    np.testing.assert_array_equal(a, want)


@pytest.mark.parametrize("edges,n", [([(0, 0)], 2), ([(0, 2)], 2), ([(-1, 1)], 2)])
def test_adjacency_matrix_rejects_bad_edges(edges, n):
    with pytest.raises(ValueError):
        graphs.adjacency_matrix(edges, n)


def test_graph_validates_edges_and_features():
    with pytest.raises(ValueError):
        graphs.Graph(name="x", n_nodes=3, edges=np.array([[1, 0]]), features=np.zeros((3, 1)), feature_names=(), description="")
    with pytest.raises(ValueError):
        graphs.Graph(name="x", n_nodes=3, edges=np.array([[0, 1]]), features=np.zeros((2, 1)), feature_names=(), description="")


def test_degrees_and_sparse_adjacency_agree_with_dense():
    g = graphs.citation_graph(300, seed=3)
    a = g.adjacency()
    np.testing.assert_array_equal(g.degrees(), a.sum(axis=1))
    np.testing.assert_array_equal(g.sparse_adjacency().toarray(), a)
    assert g.n_edges == int(a.sum()) // 2


# ------------------------------------------------------------------ molecules

# (formula as element counts including hydrogens, mass with C 12.011, H 1.008, N 14.007, O 15.999)
FORMULAS = {"ethanol": (2, 6, 0, 1), "benzene": (6, 6, 0, 0), "aspirin": (9, 8, 0, 4), "caffeine": (8, 10, 4, 2)}


@pytest.mark.parametrize("name", graphs.MOLECULES)
def test_molecules_match_their_formula_and_mass(name):
    c, h, n, o = FORMULAS[name]
    g = graphs.molecule(name)
    assert g.node_names.count("C") == c and g.node_names.count("N") == n and g.node_names.count("O") == o
    assert g.features[:, 4].sum() == h  # implicit hydrogens
    assert g.target == pytest.approx(12.011 * c + 1.008 * h + 14.007 * n + 15.999 * o, abs=1e-3)
    np.testing.assert_array_equal(g.features[:, :3].sum(axis=1), 1)  # one element each
    np.testing.assert_array_equal(g.features[:, 3], g.degrees())


@pytest.mark.parametrize("name", graphs.MOLECULES)
def test_molecule_valences_hold(name):
    g = graphs.molecule(name)
    order = g.adjacency(weighted=True).sum(axis=1)
    valence = np.array([{"C": 4, "N": 3, "O": 2}[a] for a in g.node_names])
    np.testing.assert_allclose(np.round(order) + g.features[:, 4], valence)


def test_caffeine_has_a_five_and_a_six_ring():
    g = graphs.molecule("caffeine")
    # cycle rank m - n + 1 = 2 rings in a connected graph
    assert g.n_edges - g.n_nodes + 1 == 2
    assert g.positions.shape == (14, 2)


def test_unknown_molecule_is_refused():
    with pytest.raises(ValueError, match="unknown molecule"):
        graphs.molecule("unobtainium")


# ----------------------------------------------------------------------- jets


def test_jet_is_reproducible_and_seed_dependent():
    a, b, c = graphs.particle_jet("quark", seed=4), graphs.particle_jet("quark", seed=4), graphs.particle_jet("quark", seed=5)
    np.testing.assert_array_equal(a.features, b.features)
    assert a.features.shape != c.features.shape or not np.array_equal(a.features, c.features)


@pytest.mark.parametrize("kind", graphs.JET_KINDS)
def test_jet_knn_graph_and_kinematics(kind):
    k = 4
    g = graphs.particle_jet(kind, k=k, seed=7, jet_pt=300.0)
    assert g.target == graphs.JET_KINDS.index(kind)
    # every particle is joined to its k nearest neighbours (brute force)
    d = np.linalg.norm(g.positions[:, None] - g.positions[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    a = g.adjacency()
    for i in range(g.n_nodes):
        assert a[i, np.argsort(d[i], kind="stable")[:k]].all()
    assert (g.degrees() >= k).all()
    z = np.exp(g.features[:, 3])
    assert z.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(np.exp(g.features[:, 2]), 300.0 * z)
    assert (g.features[:, 4] <= 0.4 + 1e-12).all()
    np.testing.assert_allclose(np.hypot(g.features[:, 0], g.features[:, 1]), g.features[:, 4])


def test_gluon_jets_have_more_and_wider_particles():
    quark = [graphs.particle_jet("quark", seed=s) for s in range(40)]
    gluon = [graphs.particle_jet("gluon", seed=s) for s in range(40)]
    assert np.mean([g.n_nodes for g in gluon]) > 1.3 * np.mean([g.n_nodes for g in quark])
    width = lambda jets: np.mean([np.sum(np.exp(g.features[:, 3]) * g.features[:, 4]) for g in jets])  # noqa: E731
    assert width(gluon) > width(quark)


def test_jet_arguments_are_checked():
    with pytest.raises(ValueError):
        graphs.particle_jet("top")
    with pytest.raises(ValueError):
        graphs.particle_jet("quark", k=0)


# -------------------------------------------------------------------- sensors


def test_sensor_links_are_exactly_the_pairs_in_range():
    g = graphs.sensor_network(80, radius=0.15, noise=0.5, seed=2)
    d = np.linalg.norm(g.positions[:, None] - g.positions[None], axis=-1)
    want = (d < 0.15) & ~np.eye(80, dtype=bool)
    np.testing.assert_array_equal(g.adjacency().astype(bool), want)
    assert ((g.positions >= 0) & (g.positions <= 1)).all()


def test_sensor_readings_are_truth_plus_noise():
    g = graphs.sensor_network(3000, radius=0.02, noise=1.5, seed=1)
    residual = g.features[:, 0] - g.labels
    assert abs(residual.mean()) < 0.1
    assert residual.std() == pytest.approx(1.5, rel=0.06)
    exact = graphs.sensor_network(50, noise=0.0, seed=1)
    np.testing.assert_allclose(exact.features[:, 0], exact.labels)


def test_sensor_towns_are_denser_than_the_countryside():
    clustered = graphs.sensor_network(400, clustered=0.8, seed=0)
    uniform = graphs.sensor_network(400, clustered=0.0, seed=0)
    assert clustered.degrees().mean() > 1.5 * uniform.degrees().mean()


@pytest.mark.parametrize("kwargs", [{"n_sensors": 1}, {"radius": 0.0}, {"noise": -1.0}, {"clustered": 1.5}])
def test_sensor_arguments_are_checked(kwargs):
    with pytest.raises(ValueError):
        graphs.sensor_network(**kwargs)


# ------------------------------------------------------------------ citations


def test_citation_graph_has_the_requested_homophily_and_degree():
    g = graphs.citation_graph(5000, homophily=0.8, mean_degree=4.0, seed=0)
    assert graphs.edge_homophily(g) == pytest.approx(0.8, abs=0.03)
    assert g.degrees().mean() == pytest.approx(4.0, rel=0.1)
    assert g.degrees().max() > 8 * g.degrees().mean()  # heavy-tailed citability: hubs
    h = graphs.citation_graph(3000, homophily=0.2, seed=0)
    assert graphs.edge_homophily(h) == pytest.approx(0.2, abs=0.04)


def test_citation_features_are_bags_of_words_with_topic_signal():
    g = graphs.citation_graph(3000, n_words=200, words_per_paper=15, seed=1)
    assert g.features.shape == (3000, 200)
    assert set(np.unique(g.features)) <= {0.0, 1.0}
    assert (g.features.sum(axis=1) <= 15).all() and (g.features.sum(axis=1) >= 5).all()
    # each field over-uses some words: class mean profiles differ clearly
    means = np.stack([g.features[g.labels == k].mean(axis=0) for k in range(5)])
    assert (means.max(axis=0) - means.min(axis=0)).max() > 0.1
    assert set(np.unique(g.labels)) == set(range(len(graphs.CITATION_FIELDS)))


def test_citation_edges_are_canonical_and_reproducible():
    a, b = graphs.citation_graph(500, seed=9), graphs.citation_graph(500, seed=9)
    np.testing.assert_array_equal(a.edges, b.edges)
    assert (a.edges[:, 0] < a.edges[:, 1]).all()
    assert len(np.unique(a.edges, axis=0)) == a.n_edges


def test_neighbours_carry_information_about_the_label():
    """The reason for a GCN: averaging neighbours' words separates the fields better."""
    g = graphs.citation_graph(2000, seed=0)
    p = graphs.gcn_propagator(g, sparse_output=True)
    x, smoothed = g.features.astype(float), p @ (p @ g.features.astype(float))

    train, test = graphs.semi_supervised_split(g.labels, per_class=10, n_test=1000, seed=0)

    def nearest_mean_accuracy(f):  # class means from 10 labelled papers per field
        means = np.stack([f[train][g.labels[train] == k].mean(axis=0) for k in range(5)])
        guess = np.argmin(((f[test][:, None] - means[None]) ** 2).sum(-1), axis=1)
        return np.mean(guess == g.labels[test])

    assert nearest_mean_accuracy(smoothed) > nearest_mean_accuracy(x) + 0.1


def test_citation_graph_scales_without_a_dense_matrix():
    g = graphs.citation_graph(60_000, seed=0)
    assert g.n_edges > 100_000 and g.edges.dtype.kind == "i"


def test_semi_supervised_split():
    y = np.repeat(np.arange(4), 50)
    train, test = graphs.semi_supervised_split(y, per_class=5, n_test=60, seed=0)
    np.testing.assert_array_equal(np.bincount(y[train]), [5, 5, 5, 5])
    assert len(test) == 60 and not set(train) & set(test)
    with pytest.raises(ValueError):
        graphs.semi_supervised_split(y, per_class=51)
    with pytest.raises(ValueError):
        graphs.semi_supervised_split(y, per_class=5, n_test=181)


def test_edge_homophily_by_hand():
    g = graphs.Graph(name="x", n_nodes=4, edges=np.array([[0, 1], [1, 2], [2, 3]]), features=np.zeros((4, 1)),
                     feature_names=(), description="", labels=np.array([0, 0, 1, 1]))
    assert graphs.edge_homophily(g) == pytest.approx(2 / 3)


# -------------------------------------------------------------- linear algebra


def test_gcn_propagator_matches_the_formula_entry_by_entry():
    rng = np.random.default_rng(0)
    a = np.triu(rng.random((9, 9)) < 0.3, 1).astype(float)
    a = a + a.T
    a[4, :] = a[:, 4] = 0  # an isolated node
    p = graphs.gcn_propagator(a)
    np.testing.assert_allclose(p, brute_propagator(a))
    assert p[4, 4] == pytest.approx(1.0)
    np.testing.assert_allclose(graphs.gcn_propagator(sparse.csr_matrix(a), sparse_output=True).toarray(), p)
    eig = np.linalg.eigvalsh(p)
    assert eig.max() == pytest.approx(1.0) and eig.min() > -1.0


def test_laplacian_modes_are_eigenpairs_and_count_components():
    g = graphs.sensor_network(60, radius=0.12, seed=3)
    values, vectors = graphs.laplacian_modes(g)
    a = g.adjacency()
    d = a.sum(axis=1)
    inv = np.where(d > 0, 1 / np.sqrt(np.maximum(d, 1e-300)), 0.0)
    lap = np.eye(60) - inv[:, None] * a * inv[None, :]
    np.testing.assert_allclose(lap @ vectors, vectors * values, atol=1e-9)
    _, comp = csgraph.connected_components(g.sparse_adjacency(), directed=False)
    sizes = np.bincount(comp)
    assert np.sum(values < 1e-9) == np.sum(sizes > 1)  # one zero per component with edges
    assert np.sum(np.isclose(values, 1.0)) >= np.sum(sizes == 1)  # isolated nodes: L_ii = 1
    assert values.max() <= 2.0


def test_subgraph_and_largest_component():
    g = graphs.sensor_network(120, radius=0.1, seed=0)
    core = graphs.largest_component(g)
    assert csgraph.connected_components(core.sparse_adjacency(), directed=False)[0] == 1
    sizes = np.bincount(csgraph.connected_components(g.sparse_adjacency(), directed=False)[1])
    assert core.n_nodes == sizes.max() < g.n_nodes
    sub = graphs.subgraph(g, [5, 2, 9])
    a = g.adjacency()
    np.testing.assert_array_equal(sub.adjacency(), a[np.ix_([5, 2, 9], [5, 2, 9])])
    np.testing.assert_array_equal(sub.labels, g.labels[[5, 2, 9]])
    with pytest.raises(ValueError):
        graphs.subgraph(g, [1, 1])


def test_layout_keeps_neighbours_close():
    g = ring(12)
    pos = graphs.layout(g)
    assert pos.shape == (12, 2) and np.isfinite(pos).all()
    np.testing.assert_array_equal(pos, graphs.layout(g))
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    neighbours = np.mean([d[i, (i + 1) % 12] for i in range(12)])
    opposite = np.mean([d[i, (i + 6) % 12] for i in range(12)])
    assert opposite > 2.5 * neighbours


# ------------------------------------------------------------------ Keras layer


@pytest.fixture(scope="module")
def keras():
    device.setup(profile="cpu", verbose=False)
    import keras as k

    return k


def test_graph_conv_computes_a_hat_h_w_plus_b(keras):
    import tensorflow as tf

    g = graphs.molecule("caffeine")
    p = graphs.gcn_propagator(g).astype(np.float32)
    coo = sparse.coo_matrix(p)
    sp = tf.sparse.reorder(tf.SparseTensor(np.column_stack([coo.row, coo.col]), coo.data, coo.shape))
    x = g.features.astype(np.float32)
    for prop in (sp, tf.constant(p)):
        layer = graphs.GraphConv(3, prop, activation="tanh")
        out = layer(x).numpy()
        w, b = (v.numpy() for v in layer.weights)
        np.testing.assert_allclose(out, np.tanh(p @ x @ w + b), atol=1e-5)
    dense = graphs.GraphConv(3)
    out = dense(x).numpy()
    w, b = (v.numpy() for v in dense.weights)
    np.testing.assert_allclose(out, x @ w + b, atol=1e-5)


def test_graph_conv_trains_full_batch(keras):
    g = graphs.citation_graph(400, seed=2)
    p = graphs.gcn_propagator(g).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(g.features.shape[1],)),
                              graphs.GraphConv(8, p, activation="relu"),
                              graphs.GraphConv(5, p, activation="softmax", dtype="float32")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    history = model.fit(g.features, g.labels, batch_size=g.n_nodes, epochs=30, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    assert model.count_params() == g.features.shape[1] * 8 + 8 + 8 * 5 + 5


def test_module_attribute_errors_stay_errors():
    with pytest.raises(AttributeError):
        graphs.NoSuchThing  # noqa: B018


# ------------------------------------------------------------------ figures


def test_science_gallery_draws_every_graph():
    gs = [graphs.molecule("benzene"), graphs.particle_jet(seed=0), graphs.sensor_network(40, seed=0),
          graphs.citation_graph(60, seed=0)]
    fig = graphs.plot_science_graphs(gs)
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes] == [g.name for g in gs]
    with pytest.raises(ValueError):
        graphs.plot_science_graphs([])


def test_draw_graph_draws_all_edges_and_nodes():
    g = graphs.molecule("aspirin")
    ax = graphs.draw_graph(g, show_labels=True, title="aspirin")
    assert len(ax.collections[0].get_segments()) == g.n_edges
    assert len(ax.collections[1].get_offsets()) == g.n_nodes
    assert len(ax.texts) == g.n_nodes and ax.get_title() == "aspirin"


def test_plot_adjacency_marks_both_directions():
    g = graphs.citation_graph(80, seed=0)
    ax = graphs.plot_adjacency(g)
    assert len(ax.collections[0].get_offsets()) == 2 * g.n_edges


def test_plot_graph_signals_checks_lengths():
    g = graphs.sensor_network(30, seed=0)
    fig = graphs.plot_graph_signals(g, {"a": g.labels, "b": g.features[:, 0], "c": g.labels}, ncols=2)
    assert len([ax for ax in fig.axes if ax.axison]) == 3
    with pytest.raises(ValueError):
        graphs.plot_graph_signals(g, {"short": np.zeros(3)})


def test_plot_smoothing_curves_marks_the_best_depth():
    fig = graphs.plot_smoothing_curves([0, 1, 2, 4], {"error": [3.0, 1.0, 2.0, 2.5], "two": {"x": [1, 2, 3, 4], "y": [4, 3, 2, 1]}},
                                       best={"error": "min", "two": "max"})
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["best: k = 1"]
    assert "best y: k = 0" in fig.axes[1].get_legend_handles_labels()[1]
    with pytest.raises(ValueError):
        graphs.plot_smoothing_curves([0, 1], {"bad": [1.0]})


# ------------------------------------------------------------ more graph tasks


def test_knowledge_graph_indexes_entities_and_typed_relations():
    kg = graphs.knowledge_graph()
    assert kg.entities[:3] == ("Leonard Nimoy", "Spock", "Star Trek")
    assert kg.relations == ("played", "character in", "starred in", "genre")
    assert kg.triples.shape == (len(graphs.KNOWLEDGE_TRIPLES), 3)
    played = kg.adjacency("played")
    nimoy, spock = kg.entities.index("Leonard Nimoy"), kg.entities.index("Spock")
    assert played[nimoy, spock] == 1 and played[spock, nimoy] == 0  # directed
    assert played.sum() == 2
    assert sorted(kg.facts("genre")) == [("Star Trek", "genre", "science fiction"),
                                         ("Star Wars", "genre", "science fiction")]


def test_composing_two_relations_predicts_the_hidden_fact():
    hidden = ("Alec Guinness", "starred in", "Star Wars")
    kg = graphs.knowledge_graph([t for t in graphs.KNOWLEDGE_TRIPLES if t != hidden])
    path = kg.adjacency("played") @ kg.adjacency("character in")
    assert hidden in kg.facts("starred in", path > 0)
    assert hidden not in kg.facts("starred in")


@pytest.mark.parametrize("bad", [[], [("a", "r")], [("a", "r", "b"), ("a", "r", "b")], [("a", "", "b")]])
def test_knowledge_graph_rejects_bad_triples(bad):
    with pytest.raises(ValueError):
        graphs.knowledge_graph(bad)


def test_knowledge_graph_rejects_unknown_relation_and_bad_adjacency():
    kg = graphs.knowledge_graph()
    with pytest.raises(ValueError):
        kg.adjacency("directed")
    with pytest.raises(ValueError):
        kg.facts("played", np.zeros((2, 2)))


def test_link_split_holds_out_edges_and_samples_true_non_edges():
    g = graphs.citation_graph(300, seed=3)
    train, pos, neg = graphs.link_split(g, 0.2, seed=1)
    k = int(round(0.2 * g.n_edges))
    assert len(pos) == len(neg) == k and train.n_edges == g.n_edges - k
    everything = set(map(tuple, g.edges.tolist()))
    kept = set(map(tuple, train.edges.tolist()))
    assert set(map(tuple, pos.tolist())) == everything - kept
    assert not set(map(tuple, neg.tolist())) & everything
    assert len(set(map(tuple, neg.tolist()))) == k and np.all(neg[:, 0] < neg[:, 1])
    np.testing.assert_array_equal(train.features, g.features)
    np.testing.assert_array_equal(train.labels, g.labels)
    again = graphs.link_split(g, 0.2, seed=1)
    np.testing.assert_array_equal(again[1], pos)
    np.testing.assert_array_equal(again[2], neg)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1e-6, -0.1])
def test_link_split_rejects_fractions_that_leave_nothing(fraction):
    with pytest.raises(ValueError):
        graphs.link_split(graphs.citation_graph(100, seed=0), fraction)


def test_link_split_refuses_a_complete_graph():
    edges = np.array([(i, j) for i in range(5) for j in range(i + 1, 5)])
    g = graphs.Graph(name="k5", n_nodes=5, edges=edges, features=np.eye(5), feature_names=(), description="")
    with pytest.raises(ValueError):
        graphs.link_split(g, 0.5)


def _two_cliques(size: int = 6) -> graphs.Graph:
    edges = [(i, j) for block in (0, size) for i in range(block, block + size) for j in range(i + 1, block + size)]
    edges.append((0, size))  # one bridge
    labels = np.repeat([0, 1], size)
    return graphs.Graph(name="cliques", n_nodes=2 * size, edges=np.array(edges), features=np.eye(2 * size),
                        feature_names=(), description="", labels=labels)


def test_spectral_communities_separate_two_bridged_cliques():
    g = _two_cliques()
    found = graphs.spectral_communities(g, 2)
    assert graphs.matched_accuracy(g.labels, found) == 1.0
    assert len(set(found[:6])) == 1 and len(set(found[6:])) == 1 and found[0] != found[6]


def test_spectral_communities_marks_isolated_nodes_and_validates_k():
    g = _two_cliques()
    lonely = replace(g, n_nodes=g.n_nodes + 1, features=np.eye(g.n_nodes + 1), labels=np.r_[g.labels, 0])
    found = graphs.spectral_communities(lonely, 2)
    assert found[-1] == -1 and np.all(found[:-1] >= 0)
    for bad in (1, 0, True, 2.0, g.n_nodes):
        with pytest.raises(ValueError):
            graphs.spectral_communities(g, bad)


def test_matched_accuracy_ignores_the_numbering_of_communities():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert graphs.matched_accuracy(y, np.array([2, 2, 0, 0, 1, 1])) == 1.0
    assert graphs.matched_accuracy(y, np.array([2, 2, 0, 1, 1, -1])) == pytest.approx(4 / 6)
    with pytest.raises(ValueError):
        graphs.matched_accuracy(y, y[:3])


def test_mobile_traffic_has_daily_peaks_where_people_are():
    g = graphs.mobile_traffic(120, days=7, seed=2)
    assert g.features.shape == (g.n_nodes, 7 * 24) and g.n_nodes == 120
    assert np.all(g.features >= 0) and g.labels is None
    profile = graphs.daily_profile(g.features)
    centre = np.exp(-((g.positions[:, 0] - 0.3) ** 2 + (g.positions[:, 1] - 0.65) ** 2) / 0.02)
    downtown, suburb = profile[centre > 0.8], profile[centre < 0.01]
    assert np.argmax(downtown.mean(axis=0)) in (12, 13, 14)
    assert np.argmax(suburb.mean(axis=0)) in (19, 20, 21)
    np.testing.assert_array_equal(graphs.mobile_traffic(120, days=7, seed=2).features, g.features)


def test_mobile_traffic_deviations_flow_between_neighbours():
    """The deviations follow e(t+1) = rho P e(t) + noise: a regression on (own, mixed) finds (0, rho)."""
    g = graphs.mobile_traffic(150, days=14, persistence=0.9, seed=0)
    a = g.adjacency()
    mix = (a + np.eye(g.n_nodes)) / (a.sum(axis=1) + 1.0)[:, None]
    deviation = g.features - graphs.daily_profile(g.features)[:, np.arange(14 * 24) % 24]
    inputs = graphs.lagged_features(deviation, 1, propagator=mix)[:, 1:].reshape(-1, 2)
    coef, *_ = np.linalg.lstsq(inputs, deviation[:, 1:].ravel(), rcond=None)
    assert abs(coef[0]) < 0.1 and abs(coef[1] - 0.9) < 0.1
    quiet = graphs.mobile_traffic(80, days=3, noise=0.0, seed=1)  # no noise: the daily profile alone
    np.testing.assert_allclose(quiet.features, graphs.daily_profile(quiet.features)[:, np.arange(72) % 24])


@pytest.mark.parametrize("kwargs", [{"days": 1}, {"persistence": 1.0}, {"persistence": -0.1}, {"noise": -1.0}])
def test_mobile_traffic_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        graphs.mobile_traffic(50, **kwargs)


def test_daily_profile_averages_each_hour_of_the_day():
    series = np.tile(np.arange(24.0), 3)[None, :] + np.repeat([0.0, 3.0, 6.0], 24)[None, :]
    np.testing.assert_allclose(graphs.daily_profile(series), np.arange(24.0)[None, :] + 3.0)
    np.testing.assert_allclose(graphs.daily_profile(series, hours=24), np.arange(24.0)[None, :])
    with pytest.raises(ValueError):
        graphs.daily_profile(series, hours=10)


def test_lagged_features_shift_own_and_mixed_series():
    x = np.arange(12.0).reshape(2, 6)
    own = graphs.lagged_features(x, 2)
    assert own.shape == (2, 6, 2)
    np.testing.assert_array_equal(own[:, 3, 0], x[:, 2])  # lag 1
    np.testing.assert_array_equal(own[:, 3, 1], x[:, 1])  # lag 2
    np.testing.assert_array_equal(own[:, 0], 0.0)
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    both = graphs.lagged_features(x, 1, propagator=swap)
    np.testing.assert_array_equal(both[:, 4, 0], x[:, 3])
    np.testing.assert_array_equal(both[:, 4, 1], x[::-1, 3])  # the neighbour's value
    for bad in (0, 6, True):
        with pytest.raises(ValueError):
            graphs.lagged_features(x, bad)


def test_sparse_tensor_matches_the_scipy_matrix():
    device.setup(profile="cpu", verbose=False)
    import tensorflow as tf

    m = graphs.gcn_propagator(ring(5), sparse_output=True)
    t = graphs.sparse_tensor(m)
    assert t.dtype == tf.float32
    np.testing.assert_allclose(tf.sparse.to_dense(t).numpy(), m.toarray(), rtol=1e-6)


def test_link_scores_are_dot_products():
    z = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 1.0]])
    np.testing.assert_allclose(graphs.link_scores(z, [(0, 2), (1, 2), (0, 1)]), [3.0, 2.0, 0.0])


def test_train_link_predictor_learns_to_score_links_above_non_links():
    """Two cliques joined by one bridge, one-hot features: a GCN encoder learns to tell links from non-links."""
    device.setup(profile="cpu", verbose=False)
    import keras

    g = _two_cliques(8)
    train, pos, neg = graphs.link_split(g, 0.2, seed=0)
    keras.utils.set_random_seed(0)
    encoder = keras.Sequential([keras.Input(shape=(g.n_nodes,)),
                                graphs.GraphConv(8, graphs.sparse_tensor(graphs.gcn_propagator(train, sparse_output=True)),
                                                 activation="relu"),
                                graphs.GraphConv(4)])
    losses = graphs.train_link_predictor(encoder, g.features, train.edges, steps=150, learning_rate=0.02, seed=0)
    assert len(losses) == 150 and losses[-1] < losses[0]
    z = encoder(g.features.astype(np.float32)).numpy()
    assert graphs.link_scores(z, pos).mean() > graphs.link_scores(z, neg).mean()
    again = keras.Sequential([keras.Input(shape=(g.n_nodes,)), graphs.GraphConv(4)])
    with pytest.raises(ValueError):
        graphs.train_link_predictor(again, g.features, np.zeros((0, 2)))
    with pytest.raises(ValueError):
        graphs.train_link_predictor(again, g.features, train.edges, steps=0)
