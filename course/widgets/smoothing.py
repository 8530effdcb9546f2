"""Over-smoothing explorer: k steps of GCN propagation on a citation graph, and what a linear probe can still read.

Stacking k GCN layers (without their weights and non-linearities: SGC) replaces
the node features X by ``P^k X``, an average over each node's k-hop
neighbourhood. A few steps denoise (neighbours mostly share a field: homophily);
many steps make every node of a connected graph look alike: the features
converge to the top eigenvector of ``P`` (over-smoothing). The widget moves the
depth k and shows the nodes' features (coloured along their main axis) on the
graph, the test accuracy of a linear probe trained on 10 labelled papers per
field, and the Dirichlet energy (how much neighbours still differ) against k.
A teleport ``alpha`` (APPNP's personalised PageRank) keeps a share of every
node's own features and stops the collapse.

The maths lives in plain functions: :func:`propagator_matrix` (with
:func:`random_walk_propagator`; the symmetric one is
``course.graphs.gcn_propagator``), :func:`propagate` and :func:`propagate_steps`,
:func:`dirichlet_energy`, :func:`probe_accuracy`, :func:`principal_axis`,
:func:`direction_scores` and :func:`depth_sweep` (all depths at once, what the
widget caches); :func:`make_smoothing_explorer` wraps them in a widget.

Defined in 08_graph_neural_networks.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Iterator

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from scipy import sparse

from course.graphs import Graph, gcn_propagator
from course.widgets._base import BlittedFigureWidget

__all__ = [
    "HOMOPHILIES",
    "K_MAX",
    "PROPAGATORS",
    "SmoothingExplorer",
    "depth_sweep",
    "dirichlet_energy",
    "direction_scores",
    "make_smoothing_explorer",
    "principal_axis",
    "probe_accuracy",
    "propagate",
    "propagate_steps",
    "propagator_matrix",
    "random_walk_propagator",
]

#: The propagators the widget offers: Kipf & Welling's ``D~^-1/2 (A+I) D~^-1/2`` and the mean ``D~^-1 (A+I)``.
PROPAGATORS = ("symmetric", "random walk")
#: Deepest propagation the widget precomputes (its depth slider runs 0..K_MAX).
K_MAX = 64
#: Edge homophilies the widget can rebuild its graph with (share of links within a field).
HOMOPHILIES = (0.9, 0.8, 0.5, 0.2)
_HOMOPHILY_NOTES = {0.8: " (like Cora)", 0.2: " (random links)"}
PER_CLASS = 10      # labelled papers per field for the probe; every other paper is a test paper
RIDGE = 1.0         # the probe's penalty: the same at every depth (like LogisticRegression(C=1) in the lecture)

_ACC, _ENERGY = "#0072B2", "#D55E00"
_ENERGY_FLOOR = 5e-5  # the log axis of the neighbours' difference starts here
_CMAP = LinearSegmentedColormap.from_list("smoothing", ["#0072B2", "#f4f4f4", "#D55E00"])


# --------------------------------------------------------------------------- maths


def _adjacency(graph_or_adjacency: Any) -> sparse.csr_matrix:
    """A square, symmetric, non-negative sparse adjacency (ValueError otherwise)."""
    if isinstance(graph_or_adjacency, Graph):
        return graph_or_adjacency.sparse_adjacency()
    try:
        a = sparse.csr_matrix(graph_or_adjacency, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("the adjacency must be a square matrix of numbers (or a course.graphs.Graph)") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"the adjacency must be a square n x n matrix, got shape {a.shape}")
    if a.nnz and (not np.all(np.isfinite(a.data)) or a.data.min() < 0):
        raise ValueError("the adjacency must hold finite, non-negative edge weights")
    if abs(a - a.T).sum() > 1e-9 * max(1.0, abs(a).sum()):
        raise ValueError("the adjacency must be symmetric (an undirected graph)")
    if np.any(a.diagonal() != 0):
        raise ValueError("the adjacency must have a zero diagonal: the propagators add the self-loops themselves")
    return a


def random_walk_propagator(adjacency: Any, sparse_output: bool = False) -> np.ndarray | sparse.csr_matrix:
    """The mean over a node and its neighbours, ``D~^-1 (A + I)``: every row sums to 1.

    The random-walk twin of ``course.graphs.gcn_propagator``: one step of a random
    walk that may stay put. Its repeated product converges to the same average on
    every node of a connected graph (the constant vector is its top eigenvector),
    where the symmetric propagator converges to ``sqrt(d + 1)`` times one vector.
    Accepts a dense or SciPy sparse adjacency or a :class:`course.graphs.Graph`.

    Defined in 08_graph_neural_networks.
    """
    a = _adjacency(adjacency)
    a_tilde = (a + sparse.identity(a.shape[0], format="csr")).tocsr()
    d = np.asarray(a_tilde.sum(axis=1)).ravel()
    out = (sparse.diags(1.0 / d) @ a_tilde).tocsr()
    return out if sparse_output else out.toarray()


def propagator_matrix(graph_or_adjacency: Any, kind: str = "symmetric",
                      sparse_output: bool = True) -> np.ndarray | sparse.csr_matrix:
    """The propagation matrix ``kind`` of a graph: ``"symmetric"`` (GCN) or ``"random walk"`` (mean).

    Defined in 08_graph_neural_networks.
    """
    if kind == "symmetric":
        return gcn_propagator(_adjacency(graph_or_adjacency), sparse_output=sparse_output)
    if kind == "random walk":
        return random_walk_propagator(graph_or_adjacency, sparse_output=sparse_output)
    raise ValueError(f"unknown propagator {kind!r}: choose one of {', '.join(PROPAGATORS)}")


def _check_alpha(alpha: Any) -> float:
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise ValueError(f"the teleport alpha must be a number between 0 and 1, got {alpha!r}") from None
    if not 0.0 <= a <= 1.0:  # also rejects NaN
        raise ValueError(f"the teleport alpha must be between 0 and 1 (0: plain GCN smoothing), got {alpha!r}")
    return a


def _check_depth(k: Any, what: str = "the number of steps k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"{what} must be a whole number >= 0, got {k!r}")
    if k < 0:
        raise ValueError(f"{what} must be >= 0 (0: the raw features), got {k}")
    return int(k)


def _operands(P: Any, X: Any) -> tuple[Any, np.ndarray]:
    """P as a float matrix (sparse kept sparse) and X as a float array, with matching sizes."""
    if not sparse.issparse(P):
        try:
            P = np.asarray(P, dtype=float)
        except (TypeError, ValueError):
            raise ValueError("the propagator P must be a matrix of numbers") from None
    if P.ndim != 2 or P.shape[0] != P.shape[1]:
        raise ValueError(f"the propagator P must be a square n x n matrix, got shape {P.shape}")
    try:
        x = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("the features X must be numbers") from None
    if x.ndim not in (1, 2) or x.shape[0] != P.shape[0]:
        raise ValueError(f"the features X need one row per node: P is {P.shape[0]} x {P.shape[1]}, "
                         f"X has shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("the features X contain NaN or infinite values")
    return P, x


def _steps(P: Any, x0: np.ndarray, k_max: int, a: float) -> Iterator[np.ndarray]:
    x = x0
    yield x
    for _ in range(k_max):
        x = P @ x if a == 0.0 else (1.0 - a) * (P @ x) + a * x0
        yield np.asarray(x)


def propagate_steps(P: Any, X: Any, k_max: int, alpha: float = 0.0) -> Iterator[np.ndarray]:
    """``X_0 = X, X_1, ..., X_k_max`` with ``X_{j+1} = (1 - alpha) P X_j + alpha X_0``.

    One sparse product per step, so all depths cost what the deepest one costs.
    Defined in 08_graph_neural_networks.
    """
    P, x0 = _operands(P, X)
    return _steps(P, x0, _check_depth(k_max, "the deepest step k_max"), _check_alpha(alpha))


def propagate(P: Any, X: Any, k: int, alpha: float = 0.0) -> np.ndarray:
    """Features after ``k`` propagation steps ``X <- (1 - alpha) P X + alpha X_0``.

    ``alpha = 0`` is plain GCN smoothing without weights, ``P^k X`` (SGC's
    features); ``alpha > 0`` is APPNP's personalised-PageRank propagation, which
    teleports back to every node's own features and so never forgets them. ``P``
    may be a dense array or a SciPy sparse matrix; ``X`` has one row per node
    (``(n,)`` or ``(n, f)``).

    Defined in 08_graph_neural_networks.
    """
    P, x0 = _operands(P, X)
    for x in _steps(P, x0, _check_depth(k), _check_alpha(alpha)):
        pass
    return x


def dirichlet_energy(graph_or_adjacency: Any, X: Any, kind: str = "symmetric") -> float:
    """How much neighbours' features differ: ``1/2 sum_ij A_ij |y_i - y_j|^2`` (0 when they agree).

    ``kind = "symmetric"``: ``y_i = x_i / sqrt(d_i + 1)``, the degree-normalised
    energy ``trace(X^T (I - P_sym) X)`` of Cai & Wang (2020); zero exactly on the
    limit of the symmetric propagator (rows proportional to ``sqrt(d_i + 1)``).
    ``kind = "random walk"``: ``y_i = x_i``, ``trace(X^T L X)`` with ``L = D - A``;
    zero on equal rows, the limit of the random-walk propagator. Either energy
    never grows under its own propagator (alpha = 0): each step damps every
    non-constant graph Fourier mode.

    Defined in 08_graph_neural_networks.
    """
    if kind not in PROPAGATORS:
        raise ValueError(f"unknown energy {kind!r}: choose one of {', '.join(PROPAGATORS)}")
    a = _adjacency(graph_or_adjacency)
    _, x = _operands(a, X)
    x = x.reshape(len(x), -1)
    d = np.asarray(a.sum(axis=1)).ravel()
    y = x / np.sqrt(d + 1.0)[:, None] if kind == "symmetric" else x
    # sum_i d_i |y_i|^2 - sum_ij A_ij y_i . y_j  =  1/2 sum_ij A_ij |y_i - y_j|^2
    return float(max(np.sum(d[:, None] * y * y) - np.sum(y * (a @ y)), 0.0))


def _indices(idx: Any, n: int, what: str) -> np.ndarray:
    i = np.asarray(idx)
    if i.ndim != 1 or i.size == 0 or i.dtype.kind not in "iu":
        raise ValueError(f"the {what} indices must be a non-empty 1-D array of node numbers")
    if i.min() < 0 or i.max() >= n:
        raise ValueError(f"the {what} indices must lie in 0..{n - 1}")
    return i


def _check_ridge(ridge: Any) -> float:
    if isinstance(ridge, bool) or not isinstance(ridge, (int, float, np.integer, np.floating)) \
            or not math.isfinite(ridge) or ridge <= 0:
        raise ValueError(f"the ridge penalty must be a positive number, got {ridge!r}")
    return float(ridge)


def probe_accuracy(features: Any, labels: Any, train_idx: Any, test_idx: Any, ridge: float = RIDGE) -> float:
    """Test accuracy of a linear probe: a ridge classifier fitted on the training nodes' features.

    One-vs-all least squares with an unpenalised intercept, ``min |Xc W - Yc|^2 +
    ridge |W|^2`` on the centred training rows, solved in closed form (the same
    predictions as ``sklearn.linear_model.RidgeClassifier(alpha=ridge)``). Keep
    ``ridge`` the same at every depth: as the nodes' features grow alike, the
    differences left between them fall below what the penalty lets the probe
    resolve, exactly as they fall below noise and rounding in a trained network.

    Defined in 08_graph_neural_networks.
    """
    try:
        x = np.asarray(features, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("the features must be numbers") from None
    if x.ndim == 1:
        x = x[:, None]
    y = np.asarray(labels)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"one label per node: features have shape {x.shape}, labels {y.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("the features contain NaN or infinite values")
    tr = _indices(train_idx, len(y), "training")
    te = _indices(test_idx, len(y), "test")
    ridge = _check_ridge(ridge)
    classes = np.unique(y[tr])
    targets = (y[tr][:, None] == classes[None, :]).astype(float)
    mean_x, mean_t = x[tr].mean(axis=0), targets.mean(axis=0)
    xc = x[tr] - mean_x
    # dual form: a (n_train x n_train) system, whatever the number of features
    coef = xc.T @ np.linalg.solve(xc @ xc.T + ridge * np.eye(len(tr)), targets - mean_t)
    scores = (x[te] - mean_x) @ coef + mean_t
    return float(np.mean(classes[np.argmax(scores, axis=1)] == y[te]))


def _directions(X: Any) -> np.ndarray:
    x = np.asarray(X, dtype=float)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def principal_axis(X: Any) -> np.ndarray:
    """The first principal axis of the nodes' feature *directions* (rows scaled to unit length).

    Directions, not raw rows: the symmetric propagator's limit gives every node
    the same direction but a length ``sqrt(d_i + 1)``, and only the direction
    says what a node is about. Sign fixed (largest entry positive).

    Defined in 08_graph_neural_networks.
    """
    u = _directions(X)
    u = u - u.mean(axis=0)
    _, vecs = np.linalg.eigh(u.T @ u)
    v = vecs[:, -1]
    return v * (1.0 if v[np.argmax(np.abs(v))] >= 0 else -1.0)


def direction_scores(X: Any, axis: Any) -> np.ndarray:
    """Each node's feature direction, minus the mean direction, projected on ``axis``.

    All zero when all nodes point the same way (over-smoothed). Defined in 08_graph_neural_networks.
    """
    u = _directions(X)
    return (u - u.mean(axis=0)) @ np.asarray(axis, dtype=float)


def depth_sweep(graph: Graph, train_idx: Any, test_idx: Any, kind: str = "symmetric", alpha: float = 0.0,
                k_max: int = K_MAX, axis: Any = None, ridge: float = RIDGE) -> dict[str, np.ndarray]:
    """Everything the explorer shows, for every depth 0..k_max at once (one propagation pass).

    Returns ``depths``; ``accuracy``, :func:`probe_accuracy` on ``graph.labels``;
    ``energy``, :func:`dirichlet_energy` of the kind that matches the propagator;
    ``scores`` (``(k_max + 1, n)``), :func:`direction_scores` on ``axis`` (default:
    the principal axis of the raw features). The same numbers as calling those
    functions at every depth, computed in one pass: each step's product ``P X``
    serves both the energy and the next step.

    Defined in 08_graph_neural_networks.
    """
    if graph.labels is None:
        raise ValueError("the graph needs node labels for the probe")
    P = propagator_matrix(graph, kind)
    x0 = np.asarray(graph.features, dtype=float)
    _, x0 = _operands(P, x0)
    x0 = x0.reshape(len(x0), -1)
    k_max, a = _check_depth(k_max, "the deepest step k_max"), _check_alpha(alpha)
    axis = principal_axis(x0) if axis is None else np.asarray(axis, dtype=float)
    y = np.asarray(graph.labels)
    tr, te = _indices(train_idx, len(y), "training"), _indices(test_idx, len(y), "test")
    ridge = _check_ridge(ridge)
    d_tilde = np.asarray(graph.sparse_adjacency().sum(axis=1)).ravel() + 1.0
    with _one_blas_thread():
        return _sweep(P, x0, y, tr, te, d_tilde, kind, a, k_max, axis, ridge)


_CONTROLLER: list = []


def _one_blas_thread() -> Any:
    """Single-threaded BLAS for these small products: threads only contend, badly so on a busy 2-core machine."""
    try:
        from threadpoolctl import ThreadpoolController  # installed with scikit-learn
    except ImportError:  # pragma: no cover - scikit-learn is a dependency of the course
        return contextlib.nullcontext()
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def _sweep(P: Any, x0: np.ndarray, y: np.ndarray, tr: np.ndarray, te: np.ndarray, d_tilde: np.ndarray, kind: str,
           a: float, k_max: int, axis: np.ndarray, ridge: float) -> dict[str, np.ndarray]:
    energy, scores = np.empty(k_max + 1), np.empty((k_max + 1, len(y)))
    classes = np.unique(y[tr])
    targets = (y[tr][:, None] == classes[None, :]).astype(float)
    mean_t = targets.mean(axis=0)
    centred_t, penalty = targets - mean_t, ridge * np.eye(len(tr))
    predicted = np.empty((k_max + 1, len(te)), dtype=y.dtype)
    x = x0
    for k in range(k_max + 1):
        px = np.asarray(P @ x)
        squares = np.einsum("ij,ij->i", x, x)
        if kind == "symmetric":   # trace X^T (I - A_hat) X
            energy[k] = squares.sum() - np.vdot(x, px)
        else:                     # trace X^T (D~ - A~) X = trace X^T D~ (I - P) X
            energy[k] = d_tilde @ (squares - np.einsum("ij,ij->i", x, px))
        norms = np.sqrt(squares)
        along = np.divide(x @ axis, norms, out=np.zeros(len(y)), where=norms > 0)
        scores[k] = along - along.mean()
        x_tr = x[tr]             # the probe, as in probe_accuracy
        mean_x = x_tr.mean(axis=0)
        xc = x_tr - mean_x
        coef = xc.T @ np.linalg.solve(xc @ xc.T + penalty, centred_t)
        predicted[k] = classes[np.argmax(x[te] @ coef - mean_x @ coef + mean_t, axis=1)]
        x = px if a == 0.0 else (1.0 - a) * px + a * x0
    return {"depths": np.arange(k_max + 1), "accuracy": np.mean(predicted == y[te], axis=1),
            "energy": np.maximum(energy, 0.0), "scores": scores}


# --------------------------------------------------------------------------- widget


def _percent(share: float) -> str:
    """12 %, 3.4 %, 0.0012 %: two significant digits below 10 %."""
    p = 100.0 * share
    return f"{p:.0f} %" if p >= 9.5 else f"{p:.2g} %"


class _GraphState:
    """A citation graph and what stays fixed for it: drawing, split, colour axis, cached sweeps.

    Defined in 08_graph_neural_networks.
    """

    def __init__(self, n_nodes: int, homophily: float, seed: int) -> None:
        from course.graphs import citation_graph, edge_homophily, largest_component, layout, semi_supervised_split

        self.graph = largest_component(citation_graph(n_nodes, homophily=homophily, seed=seed))
        g = self.graph
        self.positions = layout(g)
        counts = np.bincount(g.labels, minlength=int(g.labels.max()) + 1)
        per_class = min(PER_CLASS, int(counts.min()) - 1)
        if per_class < 1:
            raise ValueError("the graph is too small: some field has fewer than two connected papers")
        self.train_idx, self.test_idx = semi_supervised_split(g.labels, per_class=per_class,
                                                              n_test=g.n_nodes - per_class * len(counts), seed=seed)
        self.homophily = edge_homophily(g)
        # One colour axis for every depth and propagator: the main axis of the 2-step GCN features.
        two_steps = propagate(gcn_propagator(g, sparse_output=True), g.features, 2)
        self.axis = principal_axis(two_steps)
        ref = direction_scores(two_steps, self.axis)
        self.scale = float(np.quantile(np.abs(ref), 0.95)) or 1.0
        self.sweeps: dict[tuple[str, float], dict[str, np.ndarray]] = {}

    def sweep(self, kind: str, alpha: float) -> dict[str, np.ndarray]:
        key = (kind, round(alpha, 9))
        if key not in self.sweeps:
            if len(self.sweeps) > 64:
                self.sweeps.clear()
            s = depth_sweep(self.graph, self.train_idx, self.test_idx, kind, alpha, K_MAX, self.axis)
            e0 = s["energy"][0]
            # sqrt: a distance between neighbours (the energy is a sum of squares), relative to the raw features
            s["difference"] = np.sqrt(s["energy"] / e0) if e0 > 0 else np.zeros_like(s["energy"])
            self.sweeps[key] = s
        return self.sweeps[key]


class SmoothingExplorer(BlittedFigureWidget):
    """The graph coloured by its smoothed features (left); probe accuracy and Dirichlet energy against depth (right).

    Defined in 08_graph_neural_networks.
    """

    title = "Over-smoothing explorer"
    lets_you = "set the depth, the propagator, the teleport probability α and the graph's homophily, or play the layers one by one"

    def __init__(self, n_nodes: int, homophily: float, seed: int) -> None:
        self.n_nodes, self.seed = n_nodes, seed
        self._states: dict[float, _GraphState] = {homophily: _GraphState(n_nodes, homophily, seed)}
        self._syncing = False
        wide = {"description_width": "110px"}
        self.play = widgets.Play(value=2, min=0, max=K_MAX, step=1, interval=250, description="play depth")
        controls = {
            "depth": widgets.IntSlider(value=2, min=0, max=K_MAX, step=1, description="depth k (layers)", style=wide),
            "play": self.play,
            "propagator": widgets.ToggleButtons(options=[("symmetric (GCN)", "symmetric"),
                                                         ("random walk (mean)", "random walk")],
                                                value="symmetric", description="propagator",
                                                style={"description_width": "110px", "button_width": "160px"}),
            # a new teleport recomputes every depth (tens of ms): on release, not while dragging
            "alpha": widgets.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.05, description="teleport α",
                                         continuous_update=False, style=wide),
            "homophily": widgets.Dropdown(options=[(f"{h:g}" + _HOMOPHILY_NOTES.get(h, ""), h)
                                                   for h in sorted(set(HOMOPHILIES) | {homophily}, reverse=True)],
                                          value=homophily, description="homophily", style=wide),
        }
        super().__init__(controls, figsize=(9.6, 4.2), dpi=80,
                         layout_rows=[["depth", "play"], ["propagator"], ["alpha", "homophily"]])

    # ------------------------------------------------------------------ controls

    def _on_change(self, change: dict) -> None:
        if self._syncing:
            return
        owner = change.get("owner")
        self._syncing = True
        try:  # the Play button and the depth slider show the same depth
            if owner is self.play:
                self.controls["depth"].value = self.play.value
            elif owner is self.controls["depth"]:
                self.play.value = self.controls["depth"].value
        finally:
            self._syncing = False
        self.refresh()

    def _state(self, homophily: float) -> _GraphState:
        if homophily not in self._states:
            self._states[homophily] = _GraphState(self.n_nodes, homophily, self.seed)
        return self._states[homophily]

    # --------------------------------------------------------------------- maths

    def _compute(self, depth: int, play: int, propagator: str, alpha: float, homophily: float) -> dict[str, Any]:
        k = _check_depth(depth, "the depth k")
        if k > K_MAX:
            raise ValueError(f"the depth k must be at most {K_MAX}, got {k}")
        a = _check_alpha(alpha)
        if propagator not in PROPAGATORS:
            raise ValueError(f"unknown propagator {propagator!r}: choose one of {', '.join(PROPAGATORS)}")
        h = float(homophily)
        if not 0.0 <= h <= 1.0:
            raise ValueError(f"the homophily must be a share between 0 and 1, got {homophily!r}")
        state = self._state(h)
        s = state.sweep(propagator, a)
        acc, share = s["accuracy"], s["difference"]
        best = int(np.argmax(acc))
        if k == 0:
            verdict = "the raw features: each paper's own words"
        elif best == 0:
            verdict = "smoothing hurts: most neighbours are from other fields"
        elif k > best and acc[k] < acc[best] - 0.05:
            verdict = "over-smoothing"
        elif acc[k] > acc[0] + 0.02:
            verdict = "smoothing helps"
        else:
            verdict = "smoothing does not help here"
        status = (f"depth {k}: test accuracy {_percent(acc[k])} (best {_percent(acc[best])} at depth {best}); "
                  f"neighbours' features differ by {_percent(share[k])} of depth 0 — {verdict}")
        return {"depth": k, "propagator": propagator, "alpha": a, "homophily": h,
                "edge_homophily": state.homophily, "graph": state.graph, "positions": state.positions,
                "train_idx": state.train_idx, "test_idx": state.test_idx, "depths": s["depths"],
                "accuracy": acc, "energy": s["energy"], "difference": share, "scores": s["scores"][k],
                "scale": state.scale, "best_depth": best, "best_accuracy": float(acc[best]),
                "test_accuracy": float(acc[k]), "chance": 1.0 / len(np.unique(state.graph.labels)),
                "status": status}

    # ---------------------------------------------------------------------- view

    def _setup_figure(self) -> None:
        fig = self.fig
        self.ax_graph = fig.add_axes((0.005, 0.085, 0.42, 0.8))
        self.ax_curve = fig.add_axes((0.52, 0.13, 0.39, 0.69))
        self.ax_energy = self.ax_curve.twinx()
        ax = self.ax_graph
        ax.set_axis_off()
        ax.set_aspect("equal", adjustable="box")
        self.edges = LineCollection([], colors="0.6", linewidths=0.6, alpha=0.5, zorder=1)
        ax.add_collection(self.edges)
        self.nodes = ax.scatter([], [], c=[], s=28, cmap=_CMAP, vmin=-1, vmax=1, zorder=2)
        self.graph_title = fig.text(0.215, 0.935, "", ha="center", va="center", fontsize=10.5)
        fig.text(0.215, 0.04, "colour: each paper's smoothed features along their main axis\n"
                              "(grey: like the average paper)  ·  ringed: the labelled papers",
                 ha="center", va="center", fontsize=8, color="0.3")
        ax = self.ax_curve
        (self.acc_line,) = ax.plot([], [], "o-", color=_ACC, ms=2.5, lw=1.6, label="probe test accuracy")
        self.chance_line = ax.axhline(0.2, color=_ACC, ls=":", lw=1.2, label="chance")
        (self.best_point,) = ax.plot([], [], "*", color=_ACC, ms=12, mec="white", mew=0.6, label="best depth")
        self.now_line = ax.axvline(2, color="0.2", lw=1)
        (self.now_acc,) = ax.plot([], [], "o", ms=7, mfc="white", mew=1.8, color=_ACC)
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_locator(FixedLocator([0, 0.2, 0.4, 0.6, 0.8, 1.0]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:.0f} %"))
        ax.set_ylabel("test accuracy", color=_ACC, fontsize=9)
        ax.grid(alpha=0.25)
        ax.set_xlabel("depth k: propagation steps (GCN layers)", fontsize=9)
        ax = self.ax_energy
        (self.energy_line,) = ax.plot([], [], "s-", color=_ENERGY, ms=2.5, lw=1.6,
                                      label="neighbours' difference / depth 0")
        (self.now_energy,) = ax.plot([], [], "s", ms=7, mfc="white", mew=1.8, color=_ENERGY)
        ax.set_yscale("log")
        ax.set_ylim(_ENERGY_FLOOR, 1.5)
        ax.yaxis.set_major_locator(FixedLocator([1e-4, 1e-3, 1e-2, 1e-1, 1.0]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _percent(v)))
        ax.set_ylabel("√ Dirichlet energy / depth 0 (log)", color=_ENERGY, fontsize=9)
        for ax in (self.ax_curve, self.ax_energy):
            ax.set_xscale("symlog", linthresh=1, linscale=0.6)
            ax.set_xlim(-0.15, K_MAX * 1.08)
            ax.xaxis.set_major_locator(FixedLocator([t for t in (0, 1, 2, 4, 8, 16, 32, 64) if t <= K_MAX]))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            ax.tick_params(labelsize=8)
        self.ax_energy.tick_params(axis="y", colors=_ENERGY)
        self.ax_curve.tick_params(axis="y", colors=_ACC)
        handles = [self.acc_line, self.best_point, self.chance_line, self.energy_line]
        self.fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.715, 0.995), ncol=2, fontsize=8,
                        frameon=False, handlelength=1.8, columnspacing=1.2)
        self._set_animated([self.nodes, self.graph_title, self.now_line, self.now_acc, self.now_energy])
        # Three layers: the frame (axes, ticks, labels, legend: never changes), the curves and edges (change
        # with the propagator, alpha and graph), the animated artists (change with the depth).
        self._set_changing([self.edges, self.acc_line, self.chance_line, self.best_point, self.energy_line])

    def _draw(self, d: dict[str, Any]) -> None:
        g, pos = d["graph"], d["positions"]
        if self._static_changed((d["homophily"], d["propagator"], d["alpha"])):
            self.edges.set_segments(pos[g.edges])
            lo, hi = pos.min(axis=0), pos.max(axis=0)
            pad = 0.03 * (hi - lo).max()
            self.ax_graph.set_xlim(lo[0] - pad, hi[0] + pad)
            self.ax_graph.set_ylim(lo[1] - pad, hi[1] + pad)
            self.ax_graph.apply_aspect()  # the cached frame skips Axes.draw, which would do this
            self.acc_line.set_data(d["depths"], d["accuracy"])
            self.energy_line.set_data(d["depths"], np.maximum(d["difference"], _ENERGY_FLOOR))
            self.chance_line.set_ydata([d["chance"]] * 2)
            self.best_point.set_data([d["best_depth"]], [d["best_accuracy"]])
            self.nodes.set_offsets(pos)
            labelled = np.zeros(g.n_nodes, dtype=bool)
            labelled[d["train_idx"]] = True
            self.nodes.set_edgecolors(np.where(labelled[:, None], (0.0, 0.0, 0.0, 1.0), (1.0, 1.0, 1.0, 0.9)))
            self.nodes.set_linewidths(np.where(labelled, 1.2, 0.4))
            self.nodes.set_clim(-d["scale"], d["scale"])
        k = d["depth"]
        self.nodes.set_array(d["scores"])
        self.graph_title.set_text(f"depth k = {k}: test accuracy {_percent(d['test_accuracy'])}")
        self.now_line.set_xdata([k, k])
        self.now_acc.set_data([k], [d["accuracy"][k]])
        self.now_energy.set_data([k], [max(d["difference"][k], _ENERGY_FLOOR)])


def make_smoothing_explorer(n_nodes: int = 300, homophily: float = 0.8, seed: int = 0) -> SmoothingExplorer:
    """The over-smoothing explorer on ``course.graphs.citation_graph(n_nodes, homophily=homophily, seed=seed)``.

    The graph is reduced to its largest connected component (about 95 % of the
    papers), so that over-smoothing has one limit to converge to; 10 papers per
    field are labelled for the probe and all others are test papers. Controls:
    the depth k (0..64, with a Play button), the propagator, APPNP's teleport
    alpha and the homophily (which rebuilds the graph, about a second).

    Defined in 08_graph_neural_networks.
    """
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, (int, np.integer)) or not 60 <= n_nodes <= 1000:
        raise ValueError(f"n_nodes must be a whole number from 60 to 1000 (the drawing gets unreadable beyond), "
                         f"got {n_nodes!r}")
    h = float(homophily)
    if not 0.0 <= h <= 1.0:
        raise ValueError(f"the homophily must be a share between 0 and 1, got {homophily!r}")
    return SmoothingExplorer(int(n_nodes), h, int(seed))
