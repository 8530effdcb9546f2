"""Graphs in science: synthetic but faithful graph data, the GCN propagator, and pictures of graphs.

The graph-neural-network lecture needs graphs that look like the ones scientists
meet, small enough to draw and to reason about, and one large enough to train on:

- :func:`molecule`: real small molecules (ethanol, benzene, aspirin, caffeine) as
  graphs of heavy atoms joined by bonds, the input of molecular property prediction;
- :func:`particle_jet`: a synthetic quark or gluon jet of a collider experiment, its
  particles joined to their nearest neighbours in the (eta, phi) plane, as in
  ParticleNet/EdgeConv jet taggers;
- :func:`sensor_network`: environmental sensors (or mobile devices) that talk to the
  ones within radio range and measure a smooth field with noise;
- :func:`citation_graph`: papers of five arXiv-like fields that cite each other mostly
  within their field, with bag-of-words features: a synthetic stand-in for Cora or
  ogbn-arxiv, sized from 100 to 100 000 papers.

For the other graph tasks: :func:`mobile_traffic` (cells of a mobile network whose nodes
carry hourly traffic series, with :func:`daily_profile` and :func:`lagged_features` for
forecasting), :func:`knowledge_graph` (typed relations, :class:`KnowledgeGraph`),
:func:`link_split`, :func:`train_link_predictor` and :func:`link_scores` (link
prediction with a graph auto-encoder), and :func:`spectral_communities` with
:func:`matched_accuracy` (community detection).

Every graph is a :class:`Graph`: an undirected edge list plus node features, drawing
positions, and node- or graph-level targets.  Plotting uses matplotlib only (no
networkx): :func:`draw_graph`, :func:`plot_science_graphs`, :func:`plot_adjacency`,
:func:`plot_graph_signals`, :func:`plot_smoothing_curves`.

The lecture's exercises (message passing, the normalised adjacency, a GCN forward
pass) are checked against NumPy and TensorFlow in the notebook, never against this
module.  NumPy, SciPy, scikit-learn and matplotlib; TensorFlow is imported only inside
the functions that need it (``GraphConv``, :func:`sparse_tensor`, :func:`train_link_predictor`).

Defined in 08_graph_neural_networks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter
from scipy import sparse
from scipy.sparse import csgraph

from course.plotting import CLASS_COLORS, new_axes

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import keras
    import tensorflow as tf

__all__ = [
    "Graph",
    "MOLECULES",
    "CITATION_FIELDS",
    "JET_KINDS",
    "adjacency_matrix",
    "molecule",
    "particle_jet",
    "sensor_network",
    "citation_graph",
    "subgraph",
    "largest_component",
    "semi_supervised_split",
    "edge_homophily",
    "gcn_propagator",
    "laplacian_modes",
    "KNOWLEDGE_TRIPLES",
    "KnowledgeGraph",
    "knowledge_graph",
    "link_split",
    "link_scores",
    "train_link_predictor",
    "spectral_communities",
    "matched_accuracy",
    "mobile_traffic",
    "daily_profile",
    "lagged_features",
    "sparse_tensor",
    "layout",
    "draw_graph",
    "plot_science_graphs",
    "plot_adjacency",
    "plot_graph_signals",
    "plot_smoothing_curves",
]


# --------------------------------------------------------------------- the type


@dataclass(frozen=True)
class Graph:
    """An undirected graph with what a GNN needs: edges, node features, targets, a drawing.

    ``edges`` lists every undirected edge once as ``(i, j)`` with ``i < j``
    (shape ``(m, 2)``); ``features`` is ``(n_nodes, n_features)``.  ``labels`` holds a
    node-level target (class indices, or values for regression), ``target`` a
    graph-level one.  ``positions`` (``(n_nodes, 2)``) is where a drawing puts the
    nodes: geometry when the graph has one (detector plane, map), else None and
    :func:`layout` computes one.

    Defined in 08_graph_neural_networks.
    """

    name: str
    n_nodes: int
    edges: np.ndarray
    features: np.ndarray
    feature_names: tuple[str, ...]
    description: str
    positions: np.ndarray | None = None
    labels: np.ndarray | None = None
    label_names: tuple[str, ...] | None = None
    target: float | int | None = None
    target_name: str | None = None
    node_names: tuple[str, ...] | None = None
    edge_weights: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        e = np.asarray(self.edges)
        if e.ndim != 2 or e.shape[1] != 2:
            raise ValueError(f"edges must have shape (m, 2), got {e.shape}")
        if len(e) and (e.min() < 0 or e.max() >= self.n_nodes or np.any(e[:, 0] >= e[:, 1])):
            raise ValueError("edges must be pairs (i, j) of node indices with i < j")
        if np.asarray(self.features).shape[0] != self.n_nodes:
            raise ValueError("features must have one row per node")

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (each counted once)."""
        return int(len(self.edges))

    def adjacency(self, weighted: bool = False) -> np.ndarray:
        """The dense symmetric ``n x n`` adjacency matrix (bond orders etc. if ``weighted``)."""
        w = self.edge_weights if weighted else None
        return adjacency_matrix(self.edges, self.n_nodes, weights=w)

    def sparse_adjacency(self) -> sparse.csr_matrix:
        """The adjacency as a SciPy CSR matrix: what a graph of 10^5 nodes must use."""
        n = self.n_nodes
        rows = np.concatenate([self.edges[:, 0], self.edges[:, 1]])
        cols = np.concatenate([self.edges[:, 1], self.edges[:, 0]])
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))

    def degrees(self) -> np.ndarray:
        """Number of neighbours of every node (the diagonal of the degree matrix D)."""
        return np.bincount(self.edges.ravel(), minlength=self.n_nodes).astype(int)


def adjacency_matrix(edges: Sequence[Sequence[int]] | np.ndarray, n_nodes: int,
                     weights: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """The dense symmetric adjacency matrix of an undirected edge list.

    ``A[i, j] = A[j, i] = w`` for every edge ``(i, j)`` (``w = 1`` without weights).
    Dense is fine up to a few thousand nodes; beyond, use :meth:`Graph.sparse_adjacency`.

    Defined in 08_graph_neural_networks.
    """
    e = np.asarray(edges, dtype=int).reshape(-1, 2)
    if isinstance(n_nodes, bool) or int(n_nodes) < 0:
        raise ValueError(f"n_nodes must be a count, got {n_nodes!r}")
    if len(e) and (e.min() < 0 or e.max() >= n_nodes):
        raise ValueError("edge endpoints must be node indices 0 .. n_nodes - 1")
    if np.any(e[:, 0] == e[:, 1]):
        raise ValueError("self-loops are not edges here; GCN adds them itself")
    w = np.ones(len(e)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(e),):
        raise ValueError("one weight per edge")
    a = np.zeros((n_nodes, n_nodes))
    a[e[:, 0], e[:, 1]] = w
    a[e[:, 1], e[:, 0]] = w
    return a


def _canonical_edges(pairs: np.ndarray) -> np.ndarray:
    """Unique undirected edges ``(i, j)``, ``i < j``, sorted; self-pairs dropped."""
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    p = p[p[:, 0] != p[:, 1]]
    p = np.sort(p, axis=1)
    if len(p) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(p, axis=0)


# ------------------------------------------------------------------ molecules

# Heavy atoms and bonds (bond order 1, 2, or 1.5 for aromatic) of small molecules,
# hydrogens implicit as in most molecular GNN benchmarks. From their SMILES:
# ethanol CCO; benzene c1ccccc1; aspirin CC(=O)Oc1ccccc1C(=O)O;
# caffeine CN1C=NC2=C1C(=O)N(C(=O)N2C)C.
_MOLECULES: dict[str, tuple[str, list[tuple[int, int, float]]]] = {
    "ethanol": ("CCO", [(0, 1, 1), (1, 2, 1)]),
    "benzene": ("CCCCCC", [(0, 1, 1.5), (1, 2, 1.5), (2, 3, 1.5), (3, 4, 1.5), (4, 5, 1.5), (0, 5, 1.5)]),
    "aspirin": (
        "CCOOCCCCCCCOO",
        [(0, 1, 1), (1, 2, 2), (1, 3, 1), (3, 4, 1), (4, 5, 1.5), (5, 6, 1.5), (6, 7, 1.5),
         (7, 8, 1.5), (8, 9, 1.5), (4, 9, 1.5), (9, 10, 1), (10, 11, 2), (10, 12, 1)],
    ),
    "caffeine": (
        "CNCNCCCONCONCC",
        [(0, 1, 1), (1, 2, 1), (2, 3, 2), (3, 4, 1), (4, 5, 2), (1, 5, 1), (5, 6, 1), (6, 7, 2),
         (6, 8, 1), (8, 9, 1), (9, 10, 2), (9, 11, 1), (4, 11, 1), (11, 12, 1), (8, 13, 1)],
    ),
}

#: The molecules :func:`molecule` knows.
MOLECULES = tuple(_MOLECULES)

_ELEMENTS = ("C", "N", "O")
_VALENCE = {"C": 4, "N": 3, "O": 2}


def molecule(name: str = "caffeine") -> Graph:
    """A real molecule as a graph: heavy atoms are nodes, covalent bonds are edges.

    Imitates the input of molecular property prediction (QM9, MoleculeNet): node
    features are the element one-hot (C, N, O), the number of bonds and of implicit
    hydrogens; ``edge_weights`` are bond orders (1.5 for aromatic).  Graph-level
    ``target`` is the molecular mass in daltons (hydrogens included), a property a
    graph-level readout (a sum over atoms) can learn exactly.

    Defined in 08_graph_neural_networks.
    """
    if name not in _MOLECULES:
        raise ValueError(f"unknown molecule {name!r}; choose one of {MOLECULES}")
    atoms, bonds = _MOLECULES[name]
    n = len(atoms)
    order = np.zeros(n)
    for i, j, b in bonds:
        order[i] += b
        order[j] += b
    h = np.array([_VALENCE[a] - round(o) for a, o in zip(atoms, order)], dtype=float)
    degree = np.bincount(np.array([(i, j) for i, j, _ in bonds]).ravel(), minlength=n)
    onehot = np.array([[a == e for e in _ELEMENTS] for a in atoms], dtype=float)
    features = np.column_stack([onehot, degree, h])
    mass = {"C": 12.011, "N": 14.007, "O": 15.999}
    target = float(sum(mass[a] for a in atoms) + 1.008 * h.sum())
    raw = np.array([(i, j) for i, j, _ in bonds])
    flip = raw[:, 0] > raw[:, 1]
    raw[flip] = raw[flip][:, ::-1]
    edges = raw.astype(np.int64)
    graph = Graph(
        name=name,
        n_nodes=n,
        edges=edges,
        features=features,
        feature_names=("is C", "is N", "is O", "bonds", "hydrogens"),
        description=f"{name}: {n} heavy atoms, {len(bonds)} bonds (hydrogens implicit)",
        node_names=tuple(atoms),
        edge_weights=np.array([b for _, _, b in bonds], dtype=float),
        target=round(target, 3),
        target_name="molecular mass (Da)",
    )
    return _with_positions(graph, layout(graph))


# ----------------------------------------------------------------------- jets

#: The two kinds of jet :func:`particle_jet` draws, in label order.
JET_KINDS = ("quark", "gluon")

_JET = {  # mean multiplicity, angular width, fragmentation concentration (lower: harder leading particles)
    "quark": (18.0, 0.05, 0.6),
    "gluon": (30.0, 0.09, 1.2),
}


def particle_jet(kind: str = "gluon", k: int = 4, seed: int = 0, jet_pt: float = 500.0,
                 radius: float = 0.4) -> Graph:
    """A synthetic jet of a collider experiment as a k-nearest-neighbour particle graph.

    Imitates quark/gluon tagging data (e.g. Pythia jets of anti-kT radius 0.4, as
    used by ParticleNet): the particles of one jet, their positions
    ``(delta eta, delta phi)`` relative to the jet axis, transverse momenta that add
    up to ``jet_pt`` GeV.  Gluon jets carry more particles (colour factor 3 vs 4/3)
    and spread wider; hard particles sit close to the axis.  Each particle is joined
    to its ``k`` nearest neighbours in the (eta, phi) plane, made symmetric.

    Node features: ``delta eta, delta phi, log pT, log(pT / jet pT), delta R, charge``;
    graph-level ``target`` is 0 for quark, 1 for gluon (:data:`JET_KINDS`).

    Defined in 08_graph_neural_networks.
    """
    if kind not in _JET:
        raise ValueError(f"kind must be one of {JET_KINDS}, got {kind!r}")
    if isinstance(k, bool) or int(k) < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    rng = np.random.default_rng(seed)
    mean_n, width, alpha = _JET[kind]
    n = int(max(k + 1, rng.poisson(mean_n)))
    z = np.sort(rng.dirichlet(np.full(n, alpha)))[::-1]  # momentum fractions, hardest first
    z = np.maximum(z, 1e-4)
    z /= z.sum()
    spread = width * (z * n) ** -0.35  # soft particles spread wider
    r = np.minimum(np.abs(rng.normal(0.0, spread)) + 0.3 * np.abs(rng.normal(0.0, spread)), radius)
    angle = rng.uniform(0, 2 * np.pi, n)
    deta, dphi = r * np.cos(angle), r * np.sin(angle)
    charge = rng.choice([-1.0, 0.0, 1.0], size=n, p=[0.3, 0.4, 0.3])
    pt = z * jet_pt
    features = np.column_stack([deta, dphi, np.log(pt), np.log(z), r, charge])
    pos = np.column_stack([deta, dphi])
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    kk = min(int(k), n - 1)
    nearest = np.argsort(d, axis=1, kind="stable")[:, :kk]
    pairs = np.column_stack([np.repeat(np.arange(n), kk), nearest.ravel()])
    label = JET_KINDS.index(kind)
    return Graph(
        name=f"{kind} jet",
        n_nodes=n,
        edges=_canonical_edges(pairs),
        features=features,
        feature_names=("delta eta", "delta phi", "log pT", "log z", "delta R", "charge"),
        description=f"synthetic {kind} jet of {jet_pt:.0f} GeV: {n} particles, {k}-nearest neighbours in (eta, phi)",
        positions=pos,
        target=label,
        target_name="gluon jet",
    )


# -------------------------------------------------------------------- sensors


def _field(xy: np.ndarray) -> np.ndarray:
    """A smooth 'temperature' field over the unit square: a gradient and two warm towns."""
    x, y = xy[:, 0], xy[:, 1]
    towns = 3.0 * np.exp(-((x - 0.3) ** 2 + (y - 0.65) ** 2) / 0.02) + 2.0 * np.exp(-((x - 0.75) ** 2 + (y - 0.3) ** 2) / 0.03)
    return 12.0 + 4.0 * x - 2.0 * y + towns


def sensor_network(n_sensors: int = 200, radius: float = 0.1, noise: float = 2.0, clustered: float = 0.6,
                   seed: int = 0) -> Graph:
    """Temperature sensors scattered over a region, linked when within radio range.

    Imitates an environmental sensor network or a mobile (ad hoc) network: devices
    cluster in two towns and spread thinly over the countryside (positions in the unit
    square); two devices are linked when they are closer than ``radius`` (a random
    geometric graph, the standard model of wireless networks).  Each sensor reads a
    smooth temperature field (a gradient plus two urban heat islands, in degrees C) with
    Gaussian noise of standard deviation ``noise``.  ``clustered`` is the share of
    sensors placed in the towns (0: spread uniformly).

    ``features`` is the noisy reading (one column); ``labels`` is the true
    temperature at the sensor: a node-level regression target.

    Defined in 08_graph_neural_networks.
    """
    if isinstance(n_sensors, bool) or int(n_sensors) < 2:
        raise ValueError(f"n_sensors must be at least 2, got {n_sensors!r}")
    if radius <= 0 or noise < 0 or not 0.0 <= clustered <= 1.0:
        raise ValueError("radius must be positive, noise non-negative and clustered in [0, 1]")
    rng = np.random.default_rng(seed)
    n = int(n_sensors)
    n_town = int(round(clustered * n))
    centres = np.array([[0.3, 0.65], [0.75, 0.3]])
    which = rng.integers(0, 2, n_town)
    towns = centres[which] + rng.normal(0, 0.09, (n_town, 2))
    country = rng.uniform(0, 1, (n - n_town, 2))
    pos = np.clip(np.vstack([towns, country]), 0.0, 1.0)
    truth = _field(pos)
    reading = truth + rng.normal(0, noise, n)
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    i, j = np.nonzero(np.triu(d < radius, k=1))
    return Graph(
        name="sensor network",
        n_nodes=n,
        edges=np.column_stack([i, j]).astype(np.int64),
        features=reading[:, None],
        feature_names=("noisy temperature (C)",),
        description=f"{n} sensors, linked within radio range {radius:g}; readings with noise {noise:g} C",
        positions=pos,
        labels=truth,
        label_names=None,
    )


# ------------------------------------------------------------------ citations

#: Fields of the synthetic citation graph (arXiv-like categories), in label order.
CITATION_FIELDS = ("astro-ph", "cond-mat", "hep-ph", "q-bio", "cs.LG")


def citation_graph(n_nodes: int = 2000, n_words: int = 300, homophily: float = 0.8,
                   mean_degree: float = 4.0, words_per_paper: int = 20, topic_share: float = 0.25,
                   seed: int = 0) -> Graph:
    """Papers that cite each other, mostly within their field, with bag-of-words features.

    Imitates the citation benchmarks of semi-supervised node classification (Cora,
    CiteSeer, PubMed, ogbn-arxiv): ``n_nodes`` papers in the five
    :data:`CITATION_FIELDS` (``labels``), joined by undirected citation links.  Links
    follow a degree-corrected stochastic block model: a fraction ``homophily`` of them
    join two papers of the same field (Cora: 0.81), and a heavy-tailed "citability"
    gives a few papers many links (average degree ``mean_degree``; Cora: 3.9).  Some
    papers stay isolated.  Features are binary word occurrences over ``n_words`` words:
    each paper draws ``words_per_paper`` words, a share ``topic_share`` of them from
    its field's 30 topic words and the rest from the whole vocabulary; so one paper's
    words say little about its field, and its neighbours' words say more.

    Scales to ~10^5 nodes (edges are drawn in O(m), never from an n x n matrix).

    Defined in 08_graph_neural_networks.
    """
    if isinstance(n_nodes, bool) or int(n_nodes) < len(CITATION_FIELDS):
        raise ValueError(f"n_nodes must be at least {len(CITATION_FIELDS)}, got {n_nodes!r}")
    if not 0.0 <= homophily <= 1.0 or not 0.0 <= topic_share <= 1.0:
        raise ValueError("homophily and topic_share are fractions in [0, 1]")
    rng = np.random.default_rng(seed)
    n, c = int(n_nodes), len(CITATION_FIELDS)
    labels = np.sort(rng.integers(0, c, n))
    labels = labels[rng.permutation(n)]
    # heavy-tailed citability; edges drawn proportionally to it
    theta = rng.pareto(2.5, n) + 1.0
    m = int(round(mean_degree * n / 2))
    src = rng.choice(n, size=m, p=theta / theta.sum())
    same = rng.random(m) < homophily
    members = [np.flatnonzero(labels == k) for k in range(c)]
    dst = np.empty(m, dtype=np.int64)
    for k in range(c):
        inside, outside = members[k], np.flatnonzero(labels != k)
        rows = np.flatnonzero(same & (labels[src] == k))
        dst[rows] = rng.choice(inside, size=len(rows), p=theta[inside] / theta[inside].sum())
        rows = np.flatnonzero(~same & (labels[src] == k))
        dst[rows] = rng.choice(outside, size=len(rows), p=theta[outside] / theta[outside].sum())
    edges = _canonical_edges(np.column_stack([src, dst]))
    # bag of words
    topic_words = np.stack([rng.choice(n_words, 30, replace=False) for _ in range(c)])
    n_topic = rng.binomial(words_per_paper, topic_share, n)
    paper = np.repeat(np.arange(n), words_per_paper)
    slot = np.tile(np.arange(words_per_paper), n)
    from_topic = slot < n_topic[paper]
    words = np.where(from_topic, topic_words[labels[paper], rng.integers(0, topic_words.shape[1], paper.size)],
                     rng.integers(0, n_words, paper.size))
    features = np.zeros((n, n_words), dtype=np.float32)
    features[paper, words] = 1.0
    return Graph(
        name="citation graph",
        n_nodes=n,
        edges=edges,
        features=features,
        feature_names=tuple(f"word {w}" for w in range(n_words)),
        description=(f"{n} papers in {c} fields, {len(edges)} citation links, "
                     f"{n_words}-word bag-of-words features"),
        labels=labels.astype(np.int64),
        label_names=CITATION_FIELDS,
    )


def subgraph(graph: Graph, nodes: Sequence[int] | np.ndarray) -> Graph:
    """The graph induced by ``nodes`` (renumbered 0..k-1 in the given order), with their data.

    Defined in 08_graph_neural_networks.
    """
    keep = np.asarray(nodes, dtype=np.int64)
    if keep.ndim != 1 or len(np.unique(keep)) != len(keep) or (len(keep) and (keep.min() < 0 or keep.max() >= graph.n_nodes)):
        raise ValueError("nodes must be distinct node indices")
    new = np.full(graph.n_nodes, -1, dtype=np.int64)
    new[keep] = np.arange(len(keep))
    inside = (new[graph.edges[:, 0]] >= 0) & (new[graph.edges[:, 1]] >= 0)
    pairs = np.sort(new[graph.edges[inside]], axis=1)
    order = np.lexsort((pairs[:, 1], pairs[:, 0])) if len(pairs) else np.zeros(0, dtype=np.int64)
    take = lambda v: None if v is None else np.asarray(v)[keep]  # noqa: E731
    weights = None if graph.edge_weights is None else np.asarray(graph.edge_weights)[inside][order]
    return replace(
        graph,
        n_nodes=len(keep),
        edges=pairs[order].reshape(-1, 2),
        features=np.asarray(graph.features)[keep],
        positions=take(graph.positions),
        labels=take(graph.labels),
        node_names=None if graph.node_names is None else tuple(graph.node_names[i] for i in keep),
        edge_weights=weights,
        description=f"{graph.description} (subgraph of {len(keep)} nodes)",
    )


def largest_component(graph: Graph) -> Graph:
    """The largest connected component as a graph of its own (node order kept).

    Defined in 08_graph_neural_networks.
    """
    _, comp = csgraph.connected_components(graph.sparse_adjacency(), directed=False)
    biggest = np.argmax(np.bincount(comp))
    return subgraph(graph, np.flatnonzero(comp == biggest))


def semi_supervised_split(labels: np.ndarray, per_class: int = 20, n_test: int = 500,
                          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a few labelled training nodes per class and of disjoint test nodes.

    The Planetoid protocol of Kipf & Welling (2017): ``per_class`` labelled nodes per
    class (20 on Cora, i.e. 5 % of the nodes), the rest of the graph unlabelled but
    present, and ``n_test`` test nodes drawn from the others.

    Defined in 08_graph_neural_networks.
    """
    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train = []
    for k in np.unique(y):
        idx = np.flatnonzero(y == k)
        if len(idx) < per_class:
            raise ValueError(f"class {k} has only {len(idx)} nodes, fewer than per_class={per_class}")
        train.append(rng.choice(idx, per_class, replace=False))
    train_idx = np.sort(np.concatenate(train))
    rest = np.setdiff1d(np.arange(len(y)), train_idx)
    if n_test > len(rest):
        raise ValueError(f"n_test={n_test} is more than the {len(rest)} unlabelled nodes")
    test_idx = np.sort(rng.choice(rest, n_test, replace=False))
    return train_idx, test_idx


def edge_homophily(graph: Graph) -> float:
    """Fraction of edges that join two nodes with the same label.

    GCNs assume neighbours tend to agree (high homophily, ~0.8 for citation graphs);
    on heterophilous graphs (e.g. ~0.2) averaging neighbours hurts.

    Defined in 08_graph_neural_networks.
    """
    if graph.labels is None or graph.n_edges == 0:
        raise ValueError("edge homophily needs node labels and at least one edge")
    y = graph.labels
    return float(np.mean(y[graph.edges[:, 0]] == y[graph.edges[:, 1]]))


# -------------------------------------------------------------- linear algebra


def gcn_propagator(adjacency: np.ndarray | sparse.spmatrix | Graph,
                   sparse_output: bool = False) -> np.ndarray | sparse.csr_matrix:
    """The GCN propagation matrix of Kipf & Welling, ``D~^-1/2 (A + I) D~^-1/2``.

    The lecture's own reference for the figures that follow Exercise 2 (where students
    write it themselves); accepts a dense or SciPy sparse adjacency or a
    :class:`Graph`, returns a dense array or (``sparse_output=True``) a CSR matrix.

    Defined in 08_graph_neural_networks.
    """
    if isinstance(adjacency, Graph):
        a = adjacency.sparse_adjacency()
    else:
        a = sparse.csr_matrix(adjacency, dtype=float)
    n = a.shape[0]
    a_tilde = a + sparse.identity(n, format="csr")
    d = np.asarray(a_tilde.sum(axis=1)).ravel()
    scale = sparse.diags(1.0 / np.sqrt(d))
    out = (scale @ a_tilde @ scale).tocsr()
    return out if sparse_output else out.toarray()


def laplacian_modes(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors (columns) of the normalised Laplacian.

    ``L = I - D^-1/2 A D^-1/2``; its eigenvectors are the graph's Fourier modes, its
    eigenvalues in [0, 2] their frequencies.  Isolated nodes get ``L_ii = 1``.
    Eigenvector signs are fixed (largest entry positive) so figures repeat.

    Defined in 08_graph_neural_networks.
    """
    a = graph.adjacency()
    d = a.sum(axis=1)
    inv = np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1.0)), 0.0)
    lap = np.eye(graph.n_nodes) - inv[:, None] * a * inv[None, :]
    values, vectors = np.linalg.eigh(lap)
    idx = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[idx, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return np.clip(values, 0.0, 2.0), vectors * signs


def layout(graph: Graph, iterations: int = 300) -> np.ndarray:
    """2-D positions for drawing a graph: stress majorisation on shortest-path distances.

    Kamada-Kawai-like: graph-distant nodes end up far apart on paper.  Deterministic
    (classical MDS start, fixed iterations); components are laid side by side by
    treating unreachable pairs as a little further apart than the diameter.  For up to
    a few hundred nodes.

    Defined in 08_graph_neural_networks.
    """
    n = graph.n_nodes
    if n == 1:
        return np.zeros((1, 2))
    dist = csgraph.shortest_path(graph.sparse_adjacency(), unweighted=True, directed=False)
    finite = dist[np.isfinite(dist)]
    dist[~np.isfinite(dist)] = finite.max() + 1.0 if finite.size else 1.0
    np.fill_diagonal(dist, 0.0)
    # classical MDS start
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (dist**2) @ j
    vals, vecs = np.linalg.eigh(b)
    top = np.argsort(vals)[::-1][:2]
    x = vecs[:, top] * np.sqrt(np.maximum(vals[top], 1e-9))
    x = x * np.sign(x[np.argmax(np.abs(x), axis=0), [0, 1]])
    # stress majorisation (Gansner, Koren & North 2004), weights d^-2
    with np.errstate(divide="ignore"):
        w = np.where(dist > 0, dist**-2.0, 0.0)
    lw = np.diag(w.sum(axis=1)) - w
    lw_pinv = np.linalg.pinv(lw)
    wd = w * dist
    for _ in range(iterations):
        diff = x[:, None, :] - x[None, :, :]
        cur = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        np.fill_diagonal(cur, 1.0)
        bm = -wd / np.maximum(cur, 1e-12)
        np.fill_diagonal(bm, 0.0)
        np.fill_diagonal(bm, -bm.sum(axis=1))
        x_new = lw_pinv @ (bm @ x)
        if np.max(np.abs(x_new - x)) < 1e-5:
            x = x_new
            break
        x = x_new
    return x - x.mean(axis=0)


# ------------------------------------------------------------ more graph tasks

#: A small knowledge graph: facts as (subject, relation, object) triples with typed relations, after the
#: film example of Nickel, Murphy, Tresp & Gabrilovich, "A Review of Relational Machine Learning for
#: Knowledge Graphs", Proc. IEEE 104, 11 (2016), Fig. 1.
KNOWLEDGE_TRIPLES: tuple[tuple[str, str, str], ...] = (
    ("Leonard Nimoy", "played", "Spock"),
    ("Spock", "character in", "Star Trek"),
    ("Leonard Nimoy", "starred in", "Star Trek"),
    ("Star Trek", "genre", "science fiction"),
    ("Alec Guinness", "played", "Obi-Wan Kenobi"),
    ("Obi-Wan Kenobi", "character in", "Star Wars"),
    ("Alec Guinness", "starred in", "Star Wars"),
    ("Star Wars", "genre", "science fiction"),
)


@dataclass(frozen=True)
class KnowledgeGraph:
    """A directed multigraph with typed edges: entities, relation types and (subject, relation, object) triples.

    ``triples`` is an ``(m, 3)`` integer array of indices into ``entities``,
    ``relations`` and ``entities``.  :meth:`adjacency` gives one adjacency matrix per
    relation type, what a relational GCN (R-GCN, Schlichtkrull et al. 2018) gives a
    weight matrix of its own.

    Defined in 08_graph_neural_networks.
    """

    entities: tuple[str, ...]
    relations: tuple[str, ...]
    triples: np.ndarray

    def adjacency(self, relation: str) -> np.ndarray:
        """``A[s, o] = 1`` when the triple ``(s, relation, o)`` is a known fact (not symmetric)."""
        if relation not in self.relations:
            raise ValueError(f"unknown relation {relation!r}; the graph has {self.relations}")
        r = self.relations.index(relation)
        a = np.zeros((len(self.entities), len(self.entities)))
        rows = self.triples[self.triples[:, 1] == r]
        a[rows[:, 0], rows[:, 2]] = 1.0
        return a

    def facts(self, relation: str, adjacency: np.ndarray | None = None) -> list[tuple[str, str, str]]:
        """The triples of ``relation`` as names, read from ``adjacency`` (default: the known facts)."""
        a = self.adjacency(relation) if adjacency is None else np.asarray(adjacency)
        if a.shape != (len(self.entities), len(self.entities)):
            raise ValueError("the adjacency must be entities x entities")
        return [(self.entities[s], relation, self.entities[o]) for s, o in zip(*np.nonzero(a))]


def knowledge_graph(triples: Sequence[tuple[str, str, str]] = KNOWLEDGE_TRIPLES) -> KnowledgeGraph:
    """A :class:`KnowledgeGraph` from ``(subject, relation, object)`` name triples (entities in order of appearance).

    Defined in 08_graph_neural_networks.
    """
    triples = [tuple(t) for t in triples]
    if not triples or any(len(t) != 3 or not all(isinstance(s, str) and s for s in t) for t in triples):
        raise ValueError("triples must be a non-empty list of (subject, relation, object) names")
    if len(set(triples)) != len(triples):
        raise ValueError("a fact is listed twice")
    entities: list[str] = []
    relations: list[str] = []
    for s, r, o in triples:
        for e in (s, o):
            if e not in entities:
                entities.append(e)
        if r not in relations:
            relations.append(r)
    index = np.array([(entities.index(s), relations.index(r), entities.index(o)) for s, r, o in triples], dtype=np.int64)
    return KnowledgeGraph(entities=tuple(entities), relations=tuple(relations), triples=index)


def link_split(graph: Graph, test_fraction: float = 0.1, seed: int = 0) -> tuple[Graph, np.ndarray, np.ndarray]:
    """Hide a share of the edges for link prediction: ``(train_graph, test_edges, test_non_edges)``.

    ``test_edges`` (``(k, 2)``, ``k = round(test_fraction * m)``) are removed from the
    graph, which keeps its nodes, features and labels; ``test_non_edges`` are ``k``
    distinct node pairs ``(i, j)``, ``i < j``, that are not edges of the *full* graph.
    A link predictor trained on ``train_graph`` must score the first above the second
    (the protocol of Kipf & Welling's graph auto-encoders, 2016).

    Defined in 08_graph_neural_networks.
    """
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction!r}")
    m, n = graph.n_edges, graph.n_nodes
    k = int(round(float(test_fraction) * m))
    if k < 1 or k >= m:
        raise ValueError(f"a test fraction of {test_fraction} of {m} edges leaves no test or no training edges")
    if k > n * (n - 1) // 2 - m:
        raise ValueError("the graph is too dense to find as many non-edges as test edges")
    rng = np.random.default_rng(seed)
    held = np.zeros(m, dtype=bool)
    held[rng.choice(m, k, replace=False)] = True
    test_edges = graph.edges[held]
    known = set(map(tuple, graph.edges.tolist()))
    chosen: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    while len(chosen) < k:
        i, j = (int(v) for v in rng.integers(0, n, 2))
        pair = (min(i, j), max(i, j))
        if i == j or pair in known or pair in seen:
            continue
        seen.add(pair)
        chosen.append(pair)
    train = replace(graph, edges=graph.edges[~held],
                    edge_weights=None if graph.edge_weights is None else np.asarray(graph.edge_weights)[~held],
                    description=f"{graph.description} ({k} edges held out for link prediction)")
    return train, test_edges.astype(np.int64), np.array(chosen, dtype=np.int64)


def link_scores(embeddings: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The decoder of a graph auto-encoder: ``z_i . z_j`` for every pair ``(i, j)`` (a logit; sigma gives a probability).

    Defined in 08_graph_neural_networks.
    """
    z = np.asarray(embeddings, dtype=float)
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return np.einsum("ij,ij->i", z[p[:, 0]], z[p[:, 1]])


def train_link_predictor(encoder: "keras.Model", features: np.ndarray, edges: np.ndarray,
                         steps: int = 200, learning_rate: float = 0.02, seed: int = 0) -> list[float]:
    """Train ``encoder`` as the encoder of a graph auto-encoder (Kipf & Welling 2016) for link prediction.

    Every step embeds all nodes, ``z = encoder(features, training=True)``, and scores
    the known links ``edges`` (label 1) and as many uniformly random node pairs
    (label 0: in a sparse graph nearly all random pairs are unlinked) with
    ``z_i . z_j``; one Adam step on the mean binary cross-entropy of
    ``sigma(z_i . z_j)`` follows.  The random pairs come from NumPy with ``seed``.
    Returns the loss of every step.  The step is one ``tf.function``:

    .. code-block:: python

        pairs = tf.concat([edges, random_pairs], axis=0)
        with tf.GradientTape() as tape:
            z = encoder(features, training=True)
            logits = tf.reduce_sum(tf.gather(z, pairs[:, 0]) * tf.gather(z, pairs[:, 1]), axis=1)
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, encoder.trainable_variables), ...))

    Defined in 08_graph_neural_networks.
    """
    import keras
    import tensorflow as tf

    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    x = np.asarray(features, dtype=np.float32)
    if len(e) == 0 or e.min() < 0 or e.max() >= len(x):
        raise ValueError("edges must be a non-empty list of node pairs of the feature matrix's nodes")
    if isinstance(steps, bool) or int(steps) < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    n, m = len(x), len(e)
    known = tf.constant(e)
    labels = tf.constant(np.r_[np.ones(m), np.zeros(m)], dtype=tf.float32)
    inputs = tf.constant(x)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)

    @tf.function
    def step(random_pairs: tf.Tensor) -> tf.Tensor:
        pairs = tf.concat([known, random_pairs], axis=0)
        with tf.GradientTape() as tape:
            z = tf.cast(encoder(inputs, training=True), tf.float32)
            logits = tf.reduce_sum(tf.gather(z, pairs[:, 0]) * tf.gather(z, pairs[:, 1]), axis=1)
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, encoder.trainable_variables), encoder.trainable_variables))
        return loss

    rng = np.random.default_rng(seed)
    return [float(step(tf.constant(rng.integers(0, n, size=(m, 2))))) for _ in range(int(steps))]


def spectral_communities(graph: Graph, k: int, seed: int = 0) -> np.ndarray:
    """Community of every node by spectral clustering (Ng, Jordan & Weiss 2001): no features, no labels.

    The ``k`` leading eigenvectors of ``D^-1/2 A D^-1/2`` (the smoothest Fourier modes
    of section 5) give every node ``k`` coordinates; rows are scaled to unit length
    and grouped by k-means.  Nodes without neighbours get community ``-1``.  Use it on
    a connected graph (:func:`largest_component`): every connected component has an
    eigenvalue 1 of its own, so on a graph in pieces the leading eigenvectors find the
    pieces before the communities.

    Defined in 08_graph_neural_networks.
    """
    from scipy.sparse.linalg import eigsh
    from sklearn.cluster import KMeans

    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k < graph.n_nodes - 1:
        raise ValueError(f"k must be a whole number of communities from 2 to n - 2, got {k!r}")
    a = graph.sparse_adjacency()
    d = np.asarray(a.sum(axis=1)).ravel()
    linked = d > 0
    out = np.full(graph.n_nodes, -1, dtype=np.int64)
    if linked.sum() <= k:
        raise ValueError("too few linked nodes for that many communities")
    a = a[linked][:, linked]
    scale = sparse.diags(1.0 / np.sqrt(d[linked]))
    start = np.random.default_rng(seed).normal(size=int(linked.sum()))
    _, vectors = eigsh(scale @ a @ scale, k=int(k), which="LA", v0=start)
    rows = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    out[linked] = KMeans(int(k), n_init=10, random_state=seed).fit_predict(rows)
    return out


def matched_accuracy(labels: np.ndarray, communities: np.ndarray) -> float:
    """Share of nodes whose community, matched one-to-one to a label (Hungarian method), is their label.

    Communities carry arbitrary numbers; the best one-to-one matching of community
    numbers to labels decides. Nodes in community ``-1`` count as misses.

    Defined in 08_graph_neural_networks.
    """
    from scipy.optimize import linear_sum_assignment

    y, c = np.asarray(labels), np.asarray(communities)
    if y.shape != c.shape or y.ndim != 1 or y.size == 0:
        raise ValueError("labels and communities must be 1-D arrays of the same, non-zero length")
    ys, cs = np.unique(y), np.unique(c[c >= 0])
    table = np.array([[np.sum((y == a) & (c == b)) for b in cs] for a in ys])
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / y.size)


def mobile_traffic(n_cells: int = 150, days: int = 14, radius: float = 0.12, persistence: float = 0.9,
                   noise: float = 4.0, seed: int = 0) -> Graph:
    """Hourly data traffic of the cells of a mobile network: a graph whose nodes carry time series.

    Imitates the input of graph-based traffic forecasting in mobile networks: ``n_cells``
    base stations, clustered in a city centre and spread over suburbs and countryside
    (the layout of :func:`sensor_network`), linked when closer than ``radius``.  Each
    cell's traffic (GB per hour, ``features`` of shape ``(n_cells, 24 * days)``, hour 0
    is midnight of day 1) is a daily profile (an office peak at 13:00 downtown, an
    evening peak at 20:00 in the suburbs, a size per cell) plus a deviation that moves
    between neighbouring cells as people do:
    ``e(t+1) = persistence * P e(t) + noise * N(0, 1)`` with ``P = D~^-1 (A + I)``
    (each cell's deviation flows in from itself and its neighbours).  So the best
    forecast of the next hour needs the neighbours' last hour too.

    Defined in 08_graph_neural_networks.
    """
    if isinstance(days, bool) or int(days) < 2:
        raise ValueError(f"days must be at least 2 (a week to learn from and one to test on is usual), got {days!r}")
    if not 0.0 <= float(persistence) < 1.0 or float(noise) < 0:
        raise ValueError("persistence must lie in [0, 1) and noise must be >= 0")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x08,)))
    cells = sensor_network(int(n_cells), radius=radius, noise=0.0, clustered=0.6, seed=seed)
    n, hours = cells.n_nodes, 24 * int(days)
    pos = cells.positions
    downtown = np.exp(-((pos[:, 0] - 0.3) ** 2 + (pos[:, 1] - 0.65) ** 2) / 0.02)
    size = 20.0 + 80.0 * downtown + rng.gamma(2.0, 5.0, n)
    hour = np.arange(hours) % 24
    office = np.exp(-0.5 * ((hour - 13) / 3.0) ** 2)
    evening = np.exp(-0.5 * ((hour - 20) / 2.5) ** 2)
    profile = size[:, None] * (0.3 + downtown[:, None] * office + (1.0 - downtown[:, None]) * evening)
    a = cells.adjacency()
    mix = (a + np.eye(n)) / (a.sum(axis=1) + 1.0)[:, None]
    deviation = np.zeros((n, hours))
    for t in range(1, hours):
        deviation[:, t] = float(persistence) * (mix @ deviation[:, t - 1]) + float(noise) * rng.normal(size=n)
    traffic = np.maximum(profile + deviation, 0.0)
    return replace(
        cells,
        name="mobile network",
        features=traffic,
        feature_names=tuple(f"day {h // 24 + 1} {h % 24:02d}:00" for h in range(hours)),
        description=(f"{n} cells of a mobile network, linked within {radius:g}; hourly traffic (GB) over "
                     f"{int(days)} days"),
        labels=None,
    )


def daily_profile(series: np.ndarray, hours: int | None = None) -> np.ndarray:
    """Mean of every node's hourly series at each hour of the day: ``(n, 24)`` from the first ``hours`` columns.

    Defined in 08_graph_neural_networks.
    """
    x = np.asarray(series, dtype=float)
    h = x.shape[1] if hours is None else int(hours)
    if x.ndim != 2 or not 24 <= h <= x.shape[1]:
        raise ValueError("series must be (n, T) with at least one full day in the first `hours` columns")
    hour = np.arange(h) % 24
    return np.stack([x[:, :h][:, hour == k].mean(axis=1) for k in range(24)], axis=1)


def lagged_features(series: np.ndarray, lags: int, propagator: np.ndarray | sparse.spmatrix | None = None) -> np.ndarray:
    """Inputs for forecasting hour ``t`` of every node from the hours before: ``(n, T, f)``.

    Feature ``2l`` (or ``l`` without a propagator) is the node's own value at ``t - 1 - l``;
    with a ``propagator`` ``P``, feature ``2l + 1`` is ``(P x(t - 1 - l))_i``, the
    neighbours' values mixed by one graph-convolution step.  The first ``lags`` hours
    have no full history and are zero-padded (leave them out of training).

    Defined in 08_graph_neural_networks.
    """
    x = np.asarray(series, dtype=float)
    if x.ndim != 2:
        raise ValueError("series must be (n_nodes, n_hours)")
    if isinstance(lags, bool) or int(lags) < 1 or int(lags) >= x.shape[1]:
        raise ValueError(f"lags must be a whole number from 1 to T - 1, got {lags!r}")
    mixed = None if propagator is None else np.asarray(propagator @ x)
    columns = []
    for lag in range(1, int(lags) + 1):
        for s in ((x,) if mixed is None else (x, mixed)):
            shifted = np.zeros_like(s)
            shifted[:, lag:] = s[:, :-lag]
            columns.append(shifted)
    return np.stack(columns, axis=-1)


def sparse_tensor(matrix: np.ndarray | sparse.spmatrix) -> "tf.SparseTensor":
    """A SciPy sparse (or dense) matrix as a float32 ``tf.SparseTensor`` in canonical order (imports TensorFlow).

    Defined in 08_graph_neural_networks.
    """
    import tensorflow as tf

    coo = sparse.coo_matrix(matrix)
    indices = np.column_stack([coo.row, coo.col]).astype(np.int64)
    return tf.sparse.reorder(tf.SparseTensor(indices, coo.data.astype(np.float32), dense_shape=coo.shape))


def _with_positions(graph: Graph, positions: np.ndarray) -> Graph:
    return replace(graph, positions=positions)


# ------------------------------------------------------------------- plotting

_ATOM_COLORS = {"C": "#555555", "N": "#0072B2", "O": "#D55E00"}


def draw_graph(
    graph: Graph,
    ax: Axes | None = None,
    *,
    node_color: np.ndarray | Sequence | None = None,
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    node_size: float | np.ndarray = 30.0,
    edge_alpha: float = 0.35,
    title: str | None = None,
    show_labels: bool = False,
    colorbar: str | None = None,
) -> Axes:
    """Draw a graph with matplotlib: edges as lines, nodes as dots, optional colours.

    ``node_color``: one number per node (drawn with ``cmap``) or colours; by default
    classes for a labelled graph, element colours for a molecule, grey otherwise.
    ``show_labels`` writes node names (atoms) or indices on the nodes.

    Defined in 08_graph_neural_networks.
    """
    ax = new_axes(ax, figsize=(4.5, 4.0))
    pos = graph.positions if graph.positions is not None else layout(graph)
    segments = pos[graph.edges] if graph.n_edges else np.zeros((0, 2, 2))
    widths = 1.0 if graph.edge_weights is None else 0.8 + 1.2 * (np.asarray(graph.edge_weights) - 1.0)
    ax.add_collection(LineCollection(segments, colors="0.35", linewidths=widths, alpha=edge_alpha, zorder=1))
    colors = node_color
    mappable = None
    if colors is None:
        if graph.node_names is not None:
            colors = [_ATOM_COLORS.get(a, "#999999") for a in graph.node_names]
        elif graph.labels is not None and graph.label_names is not None:
            colors = [CLASS_COLORS[int(k) % len(CLASS_COLORS)] for k in graph.labels]
        else:
            colors = "#0072B2"
    if isinstance(colors, np.ndarray) and colors.dtype.kind in "biuf" and colors.ndim == 1:
        mappable = ax.scatter(pos[:, 0], pos[:, 1], c=colors, cmap=cmap, vmin=vmin, vmax=vmax, s=node_size,
                              edgecolors="white", linewidths=0.4, zorder=2)
    else:
        ax.scatter(pos[:, 0], pos[:, 1], c=colors, s=node_size, edgecolors="white", linewidths=0.4, zorder=2)
    if show_labels:
        names = graph.node_names or tuple(str(i) for i in range(graph.n_nodes))
        for (x, y), text in zip(pos, names):
            ax.text(x, y, text, ha="center", va="center", fontsize=8, color="white", zorder=3, fontweight="bold")
    if mappable is not None and colorbar:
        ax.figure.colorbar(mappable, ax=ax, label=colorbar, shrink=0.8)
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_science_graphs(graphs: Sequence[Graph], titles: Sequence[str] | None = None) -> Figure:
    """A row of graphs from different sciences, each drawn in its natural style.

    Molecules show their atoms (C grey, N blue, O orange) and bond orders; jets sit in
    the (eta, phi) plane with node size by momentum; sensors on their map coloured by
    reading; labelled graphs coloured by class.

    Defined in 08_graph_neural_networks.
    """
    k = len(graphs)
    if k == 0:
        raise ValueError("give at least one graph")
    fig, axes = plt.subplots(1, k, figsize=(3.6 * k, 3.7))
    axes = np.atleast_1d(axes)
    for i, (g, ax) in enumerate(zip(graphs, axes)):
        title = titles[i] if titles is not None else g.name
        if g.node_names is not None:
            draw_graph(g, ax, node_size=260, edge_alpha=0.8, show_labels=True, title=title)
        elif g.target_name == "gluon jet":
            size = 8 + 400 * np.exp(g.features[:, 3])
            draw_graph(g, ax, node_size=size, node_color="#D55E00" if g.target == 1 else "#0072B2", title=title)
            ax.set_aspect("equal", adjustable="box")
            ax.set_xlim(-0.42, 0.42)
            ax.set_ylim(-0.42, 0.42)
            ax.set_xticks([-0.4, 0, 0.4])
            ax.set_yticks([-0.4, 0, 0.4])
            ax.set_xlabel(r"$\Delta\eta$")
            ax.set_ylabel(r"$\Delta\phi$")
        elif g.labels is not None and g.label_names is None:
            draw_graph(g, ax, node_color=np.asarray(g.features[:, 0]), cmap="coolwarm", node_size=18, title=title)
        else:
            draw_graph(g, ax, node_size=18, title=title)
        ax.title.set_fontsize(9)
    if any(g.label_names for g in graphs):
        names = next(g.label_names for g in graphs if g.label_names)
        handles = [Line2D([], [], ls="", marker="o", color=CLASS_COLORS[i], label=nm) for i, nm in enumerate(names)]
        fig.legend(handles=handles, loc="lower center", ncol=len(names), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def plot_adjacency(graph: Graph, ax: Axes | None = None, *, sort_by_label: bool = True,
                   title: str | None = None) -> Axes:
    """The adjacency matrix as an image; nodes sorted by label, communities show as blocks.

    Defined in 08_graph_neural_networks.
    """
    ax = new_axes(ax, figsize=(4.0, 4.0))
    n = graph.n_nodes
    order = np.argsort(graph.labels, kind="stable") if (sort_by_label and graph.labels is not None) else np.arange(n)
    inverse = np.empty(n, dtype=int)
    inverse[order] = np.arange(n)
    e = inverse[graph.edges]
    ax.scatter(np.concatenate([e[:, 1], e[:, 0]]), np.concatenate([e[:, 0], e[:, 1]]), s=max(0.3, 400 / n),
               marker="s", color="black", linewidths=0)
    if sort_by_label and graph.labels is not None:
        bounds = np.cumsum(np.bincount(graph.labels.astype(int)))[:-1] - 0.5
        for b in bounds:
            ax.axhline(b, color="0.6", lw=0.6)
            ax.axvline(b, color="0.6", lw=0.6)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("node j")
    ax.set_ylabel("node i")
    ax.set_title(title or f"adjacency matrix ({graph.n_edges} edges, {n} nodes)", fontsize=10)
    return ax


def plot_graph_signals(graph: Graph, signals: Mapping[str, np.ndarray], *, cmap: str = "coolwarm",
                       shared_scale: bool = True, ncols: int | None = None, node_size: float = 22.0,
                       suptitle: str | None = None) -> Figure:
    """The same graph several times, coloured by several node signals (one panel each).

    For graph Fourier modes, and for a signal before and after k rounds of averaging
    over neighbours. ``shared_scale`` uses one colour scale for all panels.

    Defined in 08_graph_neural_networks.
    """
    if not signals:
        raise ValueError("give at least one signal")
    items = list(signals.items())
    for name, s in items:
        if np.shape(s) != (graph.n_nodes,):
            raise ValueError(f"signal {name!r} must have one value per node ({graph.n_nodes})")
    cols = ncols or len(items)
    rows = -(-len(items) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.2 * rows), squeeze=False)
    pos = graph.positions if graph.positions is not None else layout(graph)
    g = _with_positions(graph, pos)
    if shared_scale:
        lo = min(float(np.min(s)) for _, s in items)
        hi = max(float(np.max(s)) for _, s in items)
    for ax, (name, s) in zip(axes.ravel(), items):
        s = np.asarray(s, dtype=float)
        v0, v1 = (lo, hi) if shared_scale else (float(s.min()), float(s.max()))
        if not shared_scale and cmap == "coolwarm":
            m = max(abs(v0), abs(v1), 1e-12)
            v0, v1 = -m, m
        draw_graph(g, ax, node_color=s, cmap=cmap, vmin=v0, vmax=v1, node_size=node_size, edge_alpha=0.25, title=name)
    for ax in axes.ravel()[len(items):]:
        ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    fig.tight_layout()
    return fig


def plot_smoothing_curves(depths: Sequence[int], curves: Mapping[str, Sequence[float] | Mapping[str, Sequence[float]]],
                          *, ylabels: Mapping[str, str] | None = None, title: str | None = None,
                          best: Mapping[str, str] | None = None) -> Figure:
    """One panel per quantity measured against the number of propagation steps k.

    ``curves`` maps a panel title to one value per depth, or to several named lines
    ``{label: values}``; ``best`` marks the extreme (``"min"`` or ``"max"``) of each
    line of a panel; ``ylabels`` names the axes.  The x-axis is symlog, so k = 0 shows
    next to 1, 2, 4, ... 256.

    Defined in 08_graph_neural_networks.
    """
    ks = np.asarray(depths)
    if not curves:
        raise ValueError("give at least one curve")
    fig, axes = plt.subplots(1, len(curves), figsize=(4.4 * len(curves), 3.4), squeeze=False)
    for ax, (name, values) in zip(axes[0], curves.items()):
        lines = dict(values) if isinstance(values, Mapping) else {"": values}
        for c, (label, line) in enumerate(lines.items()):
            v = np.asarray(line, dtype=float)
            if v.shape != ks.shape:
                raise ValueError(f"curve {name!r} needs one value per depth")
            color = CLASS_COLORS[(2 * c) % len(CLASS_COLORS)]
            ax.plot(ks, v, marker="o", ms=4, color=color, label=label or None)
            which = (best or {}).get(name)
            if which in ("min", "max"):
                i = int(np.argmin(v) if which == "min" else np.argmax(v))
                ax.plot(ks[i], v[i], marker="*", ms=14, color=CLASS_COLORS[1], ls="",
                        label=f"best{' ' + label if label else ''}: k = {ks[i]}")
        if any(ax.get_legend_handles_labels()[1]):
            ax.legend(fontsize=8)
        ax.set_xscale("symlog", linthresh=1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel("propagation steps k")
        ax.set_ylabel((ylabels or {}).get(name, ""))
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ Keras layer

_LAZY: dict[str, type] = {}


def _graph_conv_class() -> type:
    """Build the Keras layer class on first use, so importing this module never imports TensorFlow."""
    if "GraphConv" in _LAZY:
        return _LAZY["GraphConv"]
    import keras
    import tensorflow as tf

    class GraphConv(keras.layers.Layer):
        """A GCN layer, ``activation(A_hat @ H @ W + b)``, with A_hat a fixed (sparse) propagator.

        ``propagator``: the normalised adjacency of the whole graph, a
        ``tf.SparseTensor`` (or dense tensor) of shape ``(n, n)``; None means the
        identity, which turns the layer into an ordinary ``Dense`` layer (an MLP that
        ignores the edges).  The layer sees all ``n`` nodes at once: train with
        ``batch_size=n`` and ``shuffle=False``, so row i of the batch is node i.
        The product with A_hat runs in float32 even under mixed precision.

        Defined in 08_graph_neural_networks.
        """

        def __init__(self, units: int, propagator=None, activation=None, use_bias: bool = True,
                     kernel_regularizer=None, **kwargs):
            super().__init__(**kwargs)
            self.units = int(units)
            self.propagator = propagator
            self.activation = keras.activations.get(activation)
            self.use_bias = use_bias
            self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(int(input_shape[-1]), self.units), initializer="glorot_uniform",
                                          regularizer=self.kernel_regularizer, name="kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias") if self.use_bias else None

        def call(self, h):
            hw = keras.ops.matmul(h, self.kernel)  # transform every node: H W
            if self.propagator is not None:  # aggregate over neighbours: A_hat (H W)
                hw32 = tf.cast(hw, tf.float32)
                if isinstance(self.propagator, tf.SparseTensor):
                    out = tf.sparse.sparse_dense_matmul(self.propagator, hw32)
                else:
                    out = tf.matmul(self.propagator, hw32)
                hw = tf.cast(out, hw.dtype)
            if self.bias is not None:
                hw = hw + self.bias
            return self.activation(hw)

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], self.units)

    _LAZY["GraphConv"] = GraphConv
    return GraphConv


def __getattr__(name: str):
    """``graphs.GraphConv``: the Keras GCN layer, created (and Keras imported) on first access."""
    if name == "GraphConv":
        return _graph_conv_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
