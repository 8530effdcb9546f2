"""Decision-threshold explorer: one slider moves the cut through a classifier's scores.

A score plus a threshold is a classifier: predict the positive class when
``score >= threshold``. Moving the threshold trades misses (FN) for false
alarms (FP). The widget shows the same moment three ways: the two classes'
score histograms with the cut, the 2 x 2 confusion matrix it produces, and the
operating point on the ROC curve (which holds *every* threshold at once).

The maths lives in plain functions (:func:`confusion_at`, :func:`rates_at`,
:func:`roc_curve_points`, :func:`auc_trapezoid`) that agree with
``sklearn.metrics`` (``confusion_matrix``, ``precision_score``... with
``zero_division=0``, ``roc_curve(drop_intermediate=False)``, ``roc_auc_score``);
:func:`make_threshold_explorer` wraps them in a widget.

Defined in 01_ml_fundamentals.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from course.plotting import CLASS_COLORS
from course.widgets._base import BlittedFigureWidget

__all__ = [
    "auc_trapezoid",
    "confusion_at",
    "make_threshold_explorer",
    "rates_at",
    "roc_curve_points",
    "ThresholdExplorer",
]


# --------------------------------------------------------------------------- maths


def _labels_scores(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    """Labels and float scores as 1-D arrays of equal, non-zero length (ValueError otherwise)."""
    y = np.asarray(y_true)
    try:
        s = np.asarray(scores, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("the scores must be numbers (one score per example)") from None
    if y.ndim != 1 or s.ndim != 1:
        raise ValueError(f"labels and scores must be 1-D (one per example), got shapes {y.shape} and {s.shape}")
    if y.shape != s.shape:
        raise ValueError(f"labels and scores must have the same length, got {y.size} labels and {s.size} scores")
    if y.size == 0:
        raise ValueError("no examples: the labels and scores are empty")
    if not np.all(np.isfinite(s)):
        raise ValueError("the scores contain NaN or infinite values")
    return y, s


def _threshold(threshold: Any) -> float:
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"the threshold must be a number, got {threshold!r}") from None
    if math.isnan(t):
        raise ValueError("the threshold is NaN: choose a number (scores >= threshold are predicted positive)")
    return t


def confusion_at(y_true: Any, scores: Any, threshold: float, positive: Any = 1) -> tuple[int, int, int, int]:
    """``(tp, fp, fn, tn)`` when examples with ``score >= threshold`` are predicted positive.

    An example is actually positive when its label equals ``positive`` (labels
    may be 0/1, -1/+1 or names). A threshold above every score flags nothing
    (tp = fp = 0); one at or below the lowest score flags everything.

    Defined in 01_ml_fundamentals.
    """
    y, s = _labels_scores(y_true, scores)
    t = _threshold(threshold)
    actual = y == positive
    flagged = s >= t
    tp = int(np.count_nonzero(actual & flagged))
    fp = int(np.count_nonzero(~actual & flagged))
    fn = int(np.count_nonzero(actual & ~flagged))
    tn = int(np.count_nonzero(~actual & ~flagged))
    return tp, fp, fn, tn


def _ratio(num: float, den: float) -> float:
    return float(num) / den if den > 0 else 0.0


def rates_at(y_true: Any, scores: Any, threshold: float, positive: Any = 1) -> dict[str, float]:
    """Precision, recall (= TPR), FPR, accuracy and F1 at ``threshold`` (positive when score >= threshold).

    Keys: ``"precision"``, ``"recall"``, ``"tpr"`` (the same number as recall),
    ``"fpr"``, ``"accuracy"``, ``"f1"``. A rate whose denominator is 0 (nothing
    flagged, no positives...) is 0.0, as scikit-learn reports with ``zero_division=0``.

    Defined in 01_ml_fundamentals.
    """
    tp, fp, fn, tn = confusion_at(y_true, scores, threshold, positive)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "tpr": recall,
        "fpr": _ratio(fp, fp + tn),
        "accuracy": _ratio(tp + tn, tp + fp + fn + tn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
    }


def roc_curve_points(y_true: Any, scores: Any, positive: Any = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)``: one ROC point per distinct score, thresholds descending.

    The first threshold is ``+inf`` (nothing flagged: the point (0, 0)); each
    following one is a distinct score, so examples with tied scores switch
    together. The same as ``sklearn.metrics.roc_curve(..., drop_intermediate=False)``.
    Needs both classes (otherwise a rate would divide by zero).

    Defined in 01_ml_fundamentals.
    """
    y, s = _labels_scores(y_true, scores)
    actual = y == positive
    n_pos = int(np.count_nonzero(actual))
    n_neg = actual.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"an ROC curve needs both classes: got {n_pos} positive and {n_neg} negative examples "
                         f"(is positive={positive!r} one of the labels?)")
    order = np.argsort(-s, kind="stable")
    s_sorted, a_sorted = s[order], actual[order]
    last = np.r_[np.flatnonzero(np.diff(s_sorted)), s.size - 1]  # last index of each distinct score
    tp = np.cumsum(a_sorted)[last]
    fp = (last + 1) - tp
    fpr = np.r_[0.0, fp / n_neg]
    tpr = np.r_[0.0, tp / n_pos]
    thresholds = np.r_[np.inf, s_sorted[last]]
    return fpr, tpr, thresholds


def auc_trapezoid(fpr: Any, tpr: Any) -> float:
    """Area under the polyline through the ROC points (trapezoid rule); equals ``roc_auc_score``.

    Defined in 01_ml_fundamentals.
    """
    f = np.asarray(fpr, dtype=float)
    t = np.asarray(tpr, dtype=float)
    if f.shape != t.shape or f.ndim != 1 or f.size < 2:
        raise ValueError(f"fpr and tpr must be 1-D of equal length >= 2, got shapes {f.shape} and {t.shape}")
    return float(np.sum(np.diff(f) * (t[1:] + t[:-1]) / 2.0))


# --------------------------------------------------------------------------- widget


def _nice_step(span: float) -> float:
    """A 1-2-5 step giving about a hundred slider positions over ``span``."""
    raw = max(span, 1e-12) / 100.0
    base = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * base >= raw:
            return m * base
    return 10.0 * base  # pragma: no cover - unreachable


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


class ThresholdExplorer(BlittedFigureWidget):
    """Score histograms with the cut | confusion matrix | ROC curve with the operating point.

    Defined in 01_ml_fundamentals.
    """

    title = "Decision-threshold explorer"
    lets_you = "move the decision threshold and watch the two classes' score histograms, the confusion matrix and the operating point on the ROC curve"

    def __init__(self, y_true: Any, scores: Any, *, positive: Any = 1, class_names: Sequence[str] | None = None,
                 threshold: float | None = None, score_label: str = "score", bins: int | Sequence[float] | None = None,
                 ) -> None:
        y, s = _labels_scores(y_true, scores)
        self._y, self._s, self._positive = y, s, positive
        self._fpr, self._tpr, _ = roc_curve_points(y, s, positive)
        self._auc = auc_trapezoid(self._fpr, self._tpr)
        actual = y == positive
        self._n_pos, self._n_neg = int(actual.sum()), int((~actual).sum())
        names = tuple(class_names) if class_names is not None else ("negative", "positive")
        if len(names) != 2:
            raise ValueError(f"class_names are (negative name, positive name), got {len(names)} names")
        self._names = (str(names[0]), str(names[1]))
        self._score_label = score_label
        lo, hi = float(s.min()), float(s.max())
        step = _nice_step(hi - lo)
        self._step = step
        self._digits = _decimals(step)
        smin = math.floor(lo / step) * step - 2 * step  # a little beyond the scores: flag everything / nothing
        smax = math.ceil(hi / step) * step + 2 * step
        start = float(np.median(s)) if threshold is None else _threshold(threshold)
        start = min(max(start, smin), smax)
        self._bins = bins if bins is not None else min(60, max(10, int(2 * math.sqrt(s.size))))
        controls = {
            "threshold": widgets.FloatSlider(
                value=round(start, self._digits + 2), min=round(smin, self._digits), max=round(smax, self._digits),
                step=step, readout_format=f".{self._digits}f", description="threshold",
                continuous_update=True, layout=widgets.Layout(width="520px"),
            ),
        }
        super().__init__(controls, figsize=(12.0, 3.7), dpi=80)

    # ------------------------------------------------------------------ figure

    def _setup_figure(self) -> None:
        fig = self.fig
        fig.subplots_adjust(left=0.05, right=0.98, top=0.88, bottom=0.16, wspace=0.32)
        gs = fig.add_gridspec(1, 3, width_ratios=[1.5, 1.0, 1.0])
        ax_h, ax_c, ax_r = (fig.add_subplot(g) for g in gs)
        self.ax_hist, self.ax_cm, self.ax_roc = ax_h, ax_c, ax_r
        s, actual = self._s, self._y == self._positive
        edges = np.histogram_bin_edges(s, bins=self._bins)
        neg_name, pos_name = self._names
        ax_h.hist(s[~actual], bins=edges, color=CLASS_COLORS[0], alpha=0.55, edgecolor="white",
                  label=f"{neg_name} ({self._n_neg})")
        ax_h.hist(s[actual], bins=edges, color=CLASS_COLORS[1], alpha=0.55, edgecolor="white",
                  label=f"{pos_name} ({self._n_pos})")
        slider = self.controls["threshold"]
        ax_h.set_xlim(slider.min, slider.max)
        ax_h.set_xlabel(self._score_label)
        ax_h.set_ylabel("count")
        ax_h.set_title(f"scores: predict {pos_name} when score ≥ threshold", fontsize=10)
        ax_h.legend(loc="upper left", fontsize=8)
        self.flag_zone = Rectangle((0.0, 0.0), 1.0, 1.0, transform=ax_h.get_xaxis_transform(),
                                   color="0.5", alpha=0.12, lw=0)
        ax_h.add_patch(self.flag_zone)
        self.cut = ax_h.axvline(0.0, color="k", ls="--", lw=1.5)
        self.cut_label = ax_h.text(0.0, 0.97, "", transform=ax_h.get_xaxis_transform(), ha="left", va="top",
                                   fontsize=8)

        # Confusion matrix in scikit-learn's layout: rows = truth, columns = prediction, negative first.
        self.cm_image = ax_c.imshow(np.zeros((2, 2)), cmap="Blues", vmin=0, vmax=max(self._n_pos, self._n_neg, 1))
        self.cm_texts = [[ax_c.text(j, i, "", ha="center", va="center", fontsize=11) for j in range(2)]
                         for i in range(2)]
        ax_c.set_xticks([0, 1], labels=[neg_name, pos_name], fontsize=8)
        ax_c.set_yticks([0, 1], labels=[neg_name, pos_name], fontsize=8, rotation=90, va="center")
        ax_c.set_xlabel("predicted class")
        ax_c.set_ylabel("true class")
        ax_c.set_title("confusion matrix", fontsize=10)

        ax_r.plot(self._fpr, self._tpr, color=CLASS_COLORS[0], lw=2, label=f"ROC (AUC = {self._auc:.3f})")
        ax_r.plot([0, 1], [0, 1], ls="--", color="0.5", lw=1, label="chance")
        (self.point,) = ax_r.plot([0.0], [0.0], marker="o", ms=9, ls="none", color=CLASS_COLORS[1], mec="k",
                                  label="this threshold")
        self.point_label = ax_r.text(0.0, 0.0, "", fontsize=8, ha="left", va="top")
        ax_r.set_xlim(-0.02, 1.02)
        ax_r.set_ylim(-0.02, 1.02)
        ax_r.set_aspect("equal")
        ax_r.set_xlabel("false positive rate (FPR)")
        ax_r.set_ylabel("true positive rate (TPR)")
        ax_r.set_title("ROC curve: every threshold", fontsize=10)
        ax_r.legend(loc="lower right", fontsize=8)
        # Only these move with the slider: drawn over a cached background (blitting).
        self._set_animated([self.flag_zone, self.cut, self.cut_label, self.cm_image,
                            *[t for row in self.cm_texts for t in row], self.point, self.point_label])

    # ------------------------------------------------------------------ maths

    def _compute(self, threshold: float) -> dict[str, Any]:
        t = _threshold(threshold)
        if math.isfinite(t):
            t = float(f"{t:.12g}")  # a browser slider sends 4.800000000000001 for 4.8: keep ties as ties
        tp, fp, fn, tn = confusion_at(self._y, self._s, t, self._positive)
        rates = rates_at(self._y, self._s, t, self._positive)
        d = self._digits
        status = (f"threshold {t:.{d}f}: TP {tp}, FP {fp}, FN {fn}, TN {tn} · precision {rates['precision']:.3f} · "
                  f"recall (TPR) {rates['recall']:.3f} · FPR {rates['fpr']:.3f} · accuracy {rates['accuracy']:.3f} · "
                  f"F1 {rates['f1']:.3f}")
        return {"threshold": t, "counts": (tp, fp, fn, tn), "confusion": np.array([[tn, fp], [fn, tp]]),
                "rates": rates, "point": (rates["fpr"], rates["tpr"]), "auc": self._auc, "status": status}

    # ------------------------------------------------------------------ drawing

    def _draw(self, d: dict[str, Any]) -> None:
        self._static_changed(0)  # histograms and ROC curve never change
        t = d["threshold"]
        lo, hi = self.ax_hist.get_xlim()
        x = min(max(t, lo), hi)
        self.cut.set_xdata([x, x])
        self.flag_zone.set_x(x)
        self.flag_zone.set_width(max(hi - x, 0.0))
        self.cut_label.set_position((x, 0.97))
        right = x > lo + 0.75 * (hi - lo)  # keep the label inside the axes near the right edge
        self.cut_label.set_horizontalalignment("right" if right else "left")
        pad = "" if right else " "
        self.cut_label.set_text(f"{pad}t = {t:.{self._digits}f} \n{pad}flagged → ")
        cm = d["confusion"]
        self.cm_image.set_data(cm)
        half = 0.5 * max(self._n_pos, self._n_neg, 1)
        kinds = (("TN", "FP"), ("FN", "TP"))
        for i in range(2):
            for j in range(2):
                text = self.cm_texts[i][j]
                text.set_text(f"{kinds[i][j]}\n{cm[i, j]}")
                text.set_color("white" if cm[i, j] > half else "black")
        f, tp_rate = d["point"]
        self.point.set_data([f], [tp_rate])
        self.point_label.set_position((f + 0.03, tp_rate - 0.03))
        self.point_label.set_text(f"FPR {f:.2f}\nTPR {tp_rate:.2f}")


def make_threshold_explorer(y_true: Any, scores: Any, *, positive: Any = 1, class_names: Sequence[str] | None = None,
                            threshold: float | None = None, score_label: str = "score",
                            bins: int | Sequence[float] | None = None) -> ThresholdExplorer:
    """A slider over the decision threshold of a binary classifier's ``scores``.

    ``y_true`` are the labels (``positive`` marks the positive class), ``scores``
    one number per example (higher = more positive). ``class_names`` are
    (negative name, positive name); ``threshold`` the starting cut (default: the
    median score); ``score_label`` the histogram's x label; ``bins`` the
    histogram bins (a count or the edges). Raises ValueError for inputs that
    cannot make an ROC curve (empty, unequal lengths, one class only).

    Defined in 01_ml_fundamentals.
    """
    return ThresholdExplorer(y_true, scores, positive=positive, class_names=class_names, threshold=threshold,
                             score_label=score_label, bins=bins)
