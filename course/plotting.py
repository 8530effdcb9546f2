"""Figures the lectures draw again and again: classes, decision regions, confusion matrices, ROC curves.

Every helper draws on the Axes it is given (or on a new figure when ``ax`` is
None) and returns that Axes, so a notebook can combine panels and a test can
read back the data behind a figure (scatter offsets, image arrays, line data,
text) instead of comparing pixels.

Classes keep one colour everywhere: the i-th class in sorted order gets
``CLASS_COLORS[i]`` as a point colour and the same hue, lighter, as a region.

Defined in 01_ml_fundamentals.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

__all__ = [
    "CLASS_COLORS",
    "CLASS_MARKERS",
    "class_colors",
    "new_axes",
    "scatter_classes",
    "decision_boundary",
    "linear_boundary",
    "plot_confusion_matrix",
    "plot_roc",
    "plot_score_histograms",
    "plot_history",
]

# Colour-blind friendly (Okabe-Ito) hues, one per class in sorted label order.
CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def class_colors(n: int, *, light: bool = False) -> list[tuple[float, float, float]]:
    """The RGB colours of the first ``n`` classes; ``light`` blends them with white for regions.

    Defined in 01_ml_fundamentals.
    """
    if n > len(CLASS_COLORS):
        raise ValueError(f"at most {len(CLASS_COLORS)} classes can be coloured, got {n}")
    colors = [np.array(to_rgb(c)) for c in CLASS_COLORS[:n]]
    if light:
        colors = [0.3 * c + 0.7 for c in colors]
    return [tuple(float(v) for v in c) for c in colors]


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = (5.0, 4.0)) -> Axes:
    """``ax`` itself, or the Axes of a new figure of size ``figsize``.

    Defined in 01_ml_fundamentals.
    """
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax


def _names(classes: np.ndarray, class_names: Sequence[str] | Mapping | None) -> list[str]:
    if class_names is None:
        return [str(c) for c in classes]
    if isinstance(class_names, Mapping):
        return [str(class_names.get(c, c)) for c in classes.tolist()]
    if len(class_names) != len(classes):
        raise ValueError(f"{len(class_names)} class names for {len(classes)} classes")
    return [str(n) for n in class_names]


def _label_axes(ax: Axes, feature_names: Sequence[str] | None, title: str | None) -> None:
    if feature_names is not None:
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
    if title is not None:
        ax.set_title(title)


def scatter_classes(
    X: np.ndarray,
    y: np.ndarray | None = None,
    ax: Axes | None = None,
    *,
    classes: Sequence | None = None,
    class_names: Sequence[str] | Mapping | None = None,
    feature_names: Sequence[str] | None = None,
    title: str | None = None,
    size: float = 30.0,
    legend: bool = True,
) -> Axes:
    """Scatter the two columns of ``X``, one colour and marker per class of ``y``.

    Draws one collection per class, in the order of ``classes`` (default: the
    sorted labels of ``y``), so the i-th class has the i-th colour in every
    figure. ``y=None`` draws all points in one neutral colour (unlabelled data).

    Defined in 01_ml_fundamentals.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    ax = new_axes(ax)
    if y is None:
        ax.scatter(X[:, 0], X[:, 1], s=size, color="0.35", edgecolors="white", linewidths=0.5)
    else:
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
        cls = np.unique(y) if classes is None else np.asarray(classes)
        colors = class_colors(len(cls))
        for i, (c, name) in enumerate(zip(cls, _names(cls, class_names))):
            pts = X[y == c]
            ax.scatter(
                pts[:, 0], pts[:, 1], s=size, color=colors[i], marker=CLASS_MARKERS[i],
                edgecolors="white", linewidths=0.5, label=name,
            )
        if legend:
            ax.legend(loc="best", frameon=True)
    _label_axes(ax, feature_names, title)
    return ax


def _grid(X: np.ndarray, resolution: int, padding: float) -> tuple[np.ndarray, np.ndarray, list[float]]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - padding * span, hi + padding * span
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    return xs, ys, [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])]


def decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray | None = None,
    ax: Axes | None = None,
    *,
    classes: Sequence | None = None,
    class_names: Sequence[str] | Mapping | None = None,
    feature_names: Sequence[str] | None = None,
    title: str | None = None,
    resolution: int = 200,
    padding: float = 0.1,
    limits: tuple[float, float, float, float] | None = None,
) -> Axes:
    """Colour the plane by the class ``predict`` gives each point, then scatter ``X``.

    ``predict`` takes an ``(m, 2)`` array and returns ``m`` labels; it is called
    once on a ``resolution x resolution`` grid spanning ``X`` plus ``padding``
    (a fraction of the data range) on every side, or on ``limits`` =
    ``(xmin, xmax, ymin, ymax)`` when given. The regions are drawn as an
    image (``ax.images[0]``, ``origin="lower"``) whose pixel values are the
    index of the predicted class in ``classes``, and the boundary between
    regions is traced in black. Works for any classifier: a perceptron, a
    network, a forest.

    Defined in 01_ml_fundamentals.
    """
    X = np.asarray(X, dtype=float)
    ax = new_axes(ax)
    if limits is None:
        xs, ys, extent = _grid(X, resolution, padding)
    else:
        extent = [float(v) for v in limits]
        xs = np.linspace(extent[0], extent[1], resolution)
        ys = np.linspace(extent[2], extent[3], resolution)
    gx, gy = np.meshgrid(xs, ys)
    labels = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(-1)
    if labels.shape[0] != gx.size:
        raise ValueError(f"predict returned {labels.shape[0]} labels for {gx.size} points")
    if classes is None:
        seen = labels if y is None else np.concatenate([labels, np.asarray(y)])
        classes = np.unique(seen)
    cls = np.asarray(classes)
    index = np.full(labels.shape, -1)
    for i, c in enumerate(cls):
        index[labels == c] = i
    if (index < 0).any():
        raise ValueError("predict returned a label that is not among the classes")
    image = index.reshape(gx.shape)
    cmap = ListedColormap(class_colors(len(cls), light=True))
    ax.imshow(
        image, origin="lower", extent=extent, cmap=cmap, vmin=-0.5, vmax=len(cls) - 0.5,
        interpolation="nearest", aspect="auto",
    )
    if len(np.unique(image)) > 1:
        ax.contour(gx, gy, image, levels=np.arange(len(cls) - 1) + 0.5, colors="k", linewidths=1.0)
    if y is not None:
        scatter_classes(X, y, ax, classes=cls, class_names=class_names)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    _label_axes(ax, feature_names, title)
    return ax


def linear_boundary(w: Sequence[float], b: float, ax: Axes, **line_kwargs) -> Line2D:
    """Draw the line ``w[0]*x + w[1]*y + b = 0`` across the current limits of ``ax``.

    A vertical line when ``w[1] == 0``. Returns the Line2D (its data are two end
    points on the line). Defined in 01_ml_fundamentals.
    """
    w0, w1 = float(w[0]), float(w[1])
    if w0 == 0 and w1 == 0:
        raise ValueError("w = 0 defines no line")
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    style = {"color": "k", "linewidth": 1.5}
    style.update(line_kwargs)
    if w1 == 0:
        xs = [-b / w0, -b / w0]
        ys = [y_lo, y_hi]
    else:
        xs = [x_lo, x_hi]
        ys = [-(w0 * x + b) / w1 for x in xs]
    (line,) = ax.plot(xs, ys, **style)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    return line


def plot_confusion_matrix(
    cm: np.ndarray,
    class_names: Sequence[str] = ("negative", "positive"),
    ax: Axes | None = None,
    *,
    title: str | None = None,
    cmap: str = "Blues",
    show_kinds: bool | None = None,
) -> Axes:
    """Heat map of a confusion matrix with the count written in every cell.

    ``cm[i, j]`` counts the examples of true class ``i`` predicted as class
    ``j`` (the layout of ``sklearn.metrics.confusion_matrix``): rows are the
    truth, columns the prediction. For a 2 x 2 matrix with the negative class
    first this is ``[[TN, FP], [FN, TP]]``; ``show_kinds`` (default: on for
    2 x 2) writes those names above the counts.

    Defined in 01_ml_fundamentals.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"a confusion matrix is square, got shape {cm.shape}")
    k = cm.shape[0]
    if len(class_names) != k:
        raise ValueError(f"{len(class_names)} class names for a {k} x {k} matrix")
    if show_kinds is None:
        show_kinds = k == 2
    ax = new_axes(ax, figsize=(4.0, 3.5))
    ax.imshow(cm, cmap=cmap, vmin=0, vmax=max(float(cm.max()), 1.0))
    kinds = [["TN", "FP"], ["FN", "TP"]]
    threshold = 0.5 * max(float(cm.max()), 1.0)
    for i in range(k):
        for j in range(k):
            text = f"{cm[i, j]:g}"
            if show_kinds and k == 2:
                text = f"{kinds[i][j]}\n{text}"
            ax.text(
                j, i, text, ha="center", va="center", fontsize=12,
                color="white" if cm[i, j] > threshold else "black",
            )
    ax.set_xticks(range(k), labels=list(class_names))
    ax.set_yticks(range(k), labels=list(class_names))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_roc(
    fpr: Sequence[float],
    tpr: Sequence[float],
    ax: Axes | None = None,
    *,
    auc: float | None = None,
    label: str | None = None,
    operating_point: tuple[float, float] | None = None,
    show_chance: bool = True,
    color: str | None = None,
    title: str | None = "ROC curve",
) -> Axes:
    """Draw an ROC curve (TPR against FPR), the chance diagonal and an operating point.

    The curve is the first line drawn by this call; the legend entry reads
    ``"<label> (AUC = 0.xxx)"`` when ``auc`` is given. ``operating_point`` is the
    ``(fpr, tpr)`` of the threshold in use, marked with a dot. Call it again on
    the same ``ax`` to compare classifiers (pass ``show_chance=False`` then).

    Defined in 01_ml_fundamentals.
    """
    fpr = np.asarray(fpr, dtype=float)
    tpr = np.asarray(tpr, dtype=float)
    if fpr.shape != tpr.shape or fpr.ndim != 1:
        raise ValueError(f"fpr and tpr must be 1-D of equal length, got {fpr.shape} and {tpr.shape}")
    ax = new_axes(ax, figsize=(4.5, 4.5))
    text = label or "classifier"
    if auc is not None:
        text = f"{text} (AUC = {auc:.3f})"
    (curve,) = ax.plot(fpr, tpr, linewidth=2, label=text, color=color)
    if show_chance:
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.5", linewidth=1, label="chance (AUC = 0.5)")
    if operating_point is not None:
        ax.plot(
            [operating_point[0]], [operating_point[1]], marker="o", markersize=8, linestyle="none",
            color=curve.get_color(), markeredgecolor="k", label=f"operating point "
            f"(FPR = {operating_point[0]:.2f}, TPR = {operating_point[1]:.2f})",
        )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("false positive rate (FPR)")
    ax.set_ylabel("true positive rate (TPR, recall)")
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_score_histograms(
    scores: Sequence[float],
    y: Sequence,
    ax: Axes | None = None,
    *,
    positive=1,
    class_names: Sequence[str] = ("negative", "positive"),
    threshold: float | None = None,
    bins: int | Sequence[float] = 20,
    xlabel: str = "score",
) -> Axes:
    """Overlaid histograms of a classifier's scores for the negative and positive class.

    Both histograms share the same bin edges (so overlap is visible) and are
    drawn negative first; ``threshold`` adds a vertical line at the decision
    threshold (everything at or right of it is predicted positive).

    Defined in 01_ml_fundamentals.
    """
    scores = np.asarray(scores, dtype=float)
    pos = np.asarray(y) == positive
    if scores.shape != pos.shape:
        raise ValueError(f"scores and y must have the same shape, got {scores.shape} and {pos.shape}")
    edges = np.histogram_bin_edges(scores, bins=bins)
    ax = new_axes(ax, figsize=(6.0, 3.5))
    colors = class_colors(2)
    for i, (mask, name) in enumerate(((~pos, class_names[0]), (pos, class_names[1]))):
        ax.hist(scores[mask], bins=edges, color=colors[i], alpha=0.55, label=name, edgecolor="white")
    if threshold is not None:
        ax.axvline(threshold, color="k", linestyle="--", linewidth=1.5, label=f"threshold = {threshold:g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_history(
    history: Mapping[str, Sequence[float]] | Sequence[float],
    ax: Axes | None = None,
    *,
    xlabel: str = "epoch",
    ylabel: str = "",
    title: str | None = None,
    logy: bool = False,
    start: int = 1,
) -> Axes:
    """Line plot of per-epoch numbers (losses, accuracies, mistakes), one line per named series.

    A bare sequence is drawn as one unnamed series. Epochs are numbered from
    ``start`` (1 by default: "after the first epoch") and ticked at whole numbers.

    Defined in 01_ml_fundamentals.
    """
    series = history if isinstance(history, Mapping) else {"": history}
    ax = new_axes(ax, figsize=(5.5, 3.5))
    for name, values in series.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(start, start + len(values)), values, marker="o", markersize=3, label=name or None)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if any(series):
        ax.legend(loc="best", fontsize=8)
    return ax
