"""course.widgets.threshold: the maths against sklearn.metrics, and the widget headless."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics

from course import data
from course.widgets.threshold import (
    auc_trapezoid,
    confusion_at,
    make_threshold_explorer,
    rates_at,
    roc_curve_points,
)


def iris_pair() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's harder pair: virginica (1) vs versicolor (0), petal length as the score."""
    iris = data.load_iris()
    vv = iris.y > 0
    return (iris.y[vv] == 2).astype(int), iris.X[vv][:, 2]


def random_problem(seed: int, n: int = 200, labels=(0, 1), rounded: bool = True) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.choice(np.asarray(labels), size=n, p=[0.7, 0.3])
    scores = rng.normal(size=n) + 1.2 * (y == labels[1])
    return y, (np.round(scores, 1) if rounded else scores)  # rounding makes ties


def sk_confusion(y, scores, t, positive, negative) -> tuple[int, int, int, int]:
    y_pred = np.where(np.asarray(scores) >= t, positive, negative)
    tn, fp, fn, tp = metrics.confusion_matrix(y, y_pred, labels=[negative, positive]).ravel()
    return int(tp), int(fp), int(fn), int(tn)


# --------------------------------------------------------------------------- maths


@pytest.mark.parametrize("labels", [(0, 1), (-1, 1), ("artefact", "real")])
def test_confusion_at_matches_sklearn_confusion_matrix(labels) -> None:
    negative, positive = labels
    y, s = random_problem(3, labels=labels)
    for t in [-np.inf, -3.0, -0.5, 0.0, 0.3, 1.2, 2.5, np.inf, *np.unique(s)[::7]]:
        assert confusion_at(y, s, t, positive) == sk_confusion(y, s, t, positive, negative), t


def test_a_score_equal_to_the_threshold_is_predicted_positive() -> None:
    y = np.array([1, 0, 1, 0])
    s = np.array([0.5, 0.5, 0.2, 0.9])
    assert confusion_at(y, s, 0.5) == (1, 2, 1, 0)
    assert confusion_at(y, s, 0.5000001) == (0, 1, 2, 1)


def test_lecture_threshold_4_8_on_petal_length() -> None:
    y, s = iris_pair()
    assert confusion_at(y, s, 4.8) == sk_confusion(y, s, 4.8, 1, 0)
    assert sum(confusion_at(y, s, 4.8)) == 100


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rates_at_match_sklearn_scores(seed: int) -> None:
    y, s = random_problem(seed, labels=(-1, 1))
    for t in [-np.inf, -1.0, 0.0, 0.7, 1.5, 3.0, 10.0]:
        y_pred = np.where(s >= t, 1, -1)
        kw = dict(pos_label=1, zero_division=0)
        got = rates_at(y, s, t, positive=1)
        assert set(got) == {"precision", "recall", "tpr", "fpr", "accuracy", "f1"}
        assert got["precision"] == pytest.approx(metrics.precision_score(y, y_pred, **kw), abs=1e-12)
        assert got["recall"] == pytest.approx(metrics.recall_score(y, y_pred, **kw), abs=1e-12)
        assert got["tpr"] == got["recall"]
        assert got["f1"] == pytest.approx(metrics.f1_score(y, y_pred, **kw), abs=1e-12)
        assert got["accuracy"] == pytest.approx(metrics.accuracy_score(y, y_pred), abs=1e-12)
        tn, fp, _, _ = metrics.confusion_matrix(y, y_pred, labels=[-1, 1]).ravel()
        assert got["fpr"] == pytest.approx(fp / (fp + tn), abs=1e-12)


def test_rates_are_zero_not_nan_when_nothing_is_flagged() -> None:
    y, s = iris_pair()
    got = rates_at(y, s, 100.0)
    assert got["precision"] == 0.0 and got["recall"] == 0.0 and got["f1"] == 0.0 and got["fpr"] == 0.0
    assert got["accuracy"] == pytest.approx(0.5)


@pytest.mark.parametrize("seed,rounded", [(0, True), (1, True), (2, False), (3, False)])
def test_roc_curve_points_match_sklearn_roc_curve(seed: int, rounded: bool) -> None:
    y, s = random_problem(seed, rounded=rounded)
    fpr, tpr, thr = roc_curve_points(y, s)
    f_ref, t_ref, thr_ref = metrics.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, f_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tpr, t_ref, rtol=0, atol=1e-12)
    assert math.isinf(thr[0]) and thr[0] > 0
    np.testing.assert_array_equal(thr[1:], thr_ref[1:])
    # every point is the (FPR, TPR) of its own threshold
    for k in range(1, len(thr), 5):
        rates = rates_at(y, s, thr[k])
        assert (rates["fpr"], rates["tpr"]) == pytest.approx((fpr[k], tpr[k]))


def test_roc_curve_points_with_another_positive_label_and_iris_ties() -> None:
    y, s = iris_pair()
    labels = np.where(y == 1, "virginica", "versicolor")
    fpr, tpr, _ = roc_curve_points(labels, s, positive="virginica")
    f_ref, t_ref, _ = metrics.roc_curve(labels, s, pos_label="virginica", drop_intermediate=False)
    np.testing.assert_allclose(fpr, f_ref)
    np.testing.assert_allclose(tpr, t_ref)
    assert len(fpr) == len(np.unique(s)) + 1


@pytest.mark.parametrize("seed", [0, 5])
def test_auc_trapezoid_matches_roc_auc_score(seed: int) -> None:
    y, s = random_problem(seed)
    fpr, tpr, _ = roc_curve_points(y, s)
    assert auc_trapezoid(fpr, tpr) == pytest.approx(metrics.roc_auc_score(y, s), abs=1e-12)
    y2, s2 = iris_pair()
    assert auc_trapezoid(*roc_curve_points(y2, s2)[:2]) == pytest.approx(metrics.roc_auc_score(y2, s2), abs=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: confusion_at([], [], 0.0), "empty"),
    (lambda: confusion_at([0, 1], [0.1], 0.0), "same length"),
    (lambda: confusion_at([0, 1], [0.1, float("nan")], 0.0), "NaN"),
    (lambda: confusion_at([[0, 1]], [[0.1, 0.2]], 0.0), "1-D"),
    (lambda: confusion_at([0, 1], ["a", "b"], 0.0), "numbers"),
    (lambda: confusion_at([0, 1], [0.1, 0.2], float("nan")), "NaN"),
    (lambda: rates_at([0, 1], [0.1, 0.2], "high"), "number"),
    (lambda: roc_curve_points([1, 1, 1], [0.1, 0.2, 0.3]), "both classes"),
    (lambda: roc_curve_points([0, 1, 0], [0.1, 0.2, 0.3], positive=2), "both classes"),
    (lambda: auc_trapezoid([0.0, 1.0], [0.0]), "equal length"),
    (lambda: make_threshold_explorer([0, 0, 0], [1.0, 2.0, 3.0]), "both classes"),
    (lambda: make_threshold_explorer([0, 1], [1.0, 2.0], class_names=("a", "b", "c")), "class_names"),
])
def test_bad_inputs_raise_value_errors_that_explain(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- widget


@pytest.fixture(scope="module")
def explorer():
    y, s = iris_pair()
    return make_threshold_explorer(y, s, class_names=("versicolor", "virginica"), threshold=4.8,
                                   score_label="petal length (cm)", bins=np.arange(2.9, 7.2, 0.2))


def test_widget_starts_at_the_lecture_threshold_with_sklearn_numbers(explorer) -> None:
    y, s = iris_pair()
    d = explorer.data
    assert explorer.error == ""
    assert d["threshold"] == pytest.approx(4.8)
    assert d["counts"] == sk_confusion(y, s, 4.8, 1, 0)
    tp, fp, fn, tn = d["counts"]
    np.testing.assert_array_equal(d["confusion"], metrics.confusion_matrix(y, (s >= 4.8).astype(int)))
    assert d["auc"] == pytest.approx(metrics.roc_auc_score(y, s))
    y_hat = (s >= 4.8).astype(int)
    assert d["rates"]["precision"] == pytest.approx(metrics.precision_score(y, y_hat))
    assert f"precision {metrics.precision_score(y, y_hat):.3f}" in explorer.message.value
    assert f"TP {tp}, FP {fp}, FN {fn}, TN {tn}" in explorer.message.value
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_slider_drives_counts_rates_and_the_roc_point(explorer) -> None:
    y, s = iris_pair()
    slider = explorer.controls["threshold"]
    assert slider.min <= s.min() and slider.max > s.max()
    fpr, tpr, _ = roc_curve_points(y, s)
    last_image = explorer.image.value
    seen = set()
    for t in [slider.min, 3.5, 4.5, 4.75, 5.05, 5.5, 6.5, slider.max]:
        slider.value = t
        d = explorer.data
        assert explorer.error == ""
        assert d["counts"] == sk_confusion(y, s, t, 1, 0)
        point = d["point"]
        assert point == pytest.approx((rates_at(y, s, t)["fpr"], rates_at(y, s, t)["tpr"]))
        # the operating point lies on the ROC curve
        assert np.any(np.isclose(fpr, point[0]) & np.isclose(tpr, point[1]))
        assert explorer.image.value != last_image
        last_image = explorer.image.value
        seen.add(d["counts"])
    slider.value = slider.min
    assert explorer.data["counts"] == (50, 50, 0, 0)  # everything flagged
    slider.value = slider.max
    assert explorer.data["counts"] == (0, 0, 50, 50)  # nothing flagged
    assert len(seen) >= 6


def test_slider_float_noise_does_not_break_ties(explorer) -> None:
    y, s = iris_pair()
    explorer.controls["threshold"].value = 4.800000000000001  # what a browser slider may send for 4.8
    assert explorer.data["counts"] == sk_confusion(y, s, 4.8, 1, 0)


def test_bad_threshold_shows_an_error_and_the_widget_recovers(explorer) -> None:
    slider = explorer.controls["threshold"]
    slider.value = 5.0
    good_image, good_counts = explorer.image.value, explorer.data["counts"]
    slider.value = float("nan")
    assert "NaN" in explorer.error
    assert "NaN" in explorer.message.value
    assert explorer.image.value == good_image and explorer.data["counts"] == good_counts  # last good picture kept
    slider.value = 4.2
    assert explorer.error == ""
    assert explorer.data["threshold"] == pytest.approx(4.2)
    assert explorer.image.value != good_image


def test_default_threshold_is_the_median_and_labels_are_generic() -> None:
    y, s = random_problem(4, labels=(-1, 1), rounded=False)
    w = make_threshold_explorer(y, s)
    assert w.data["threshold"] == pytest.approx(float(np.median(s)), abs=w.controls["threshold"].step)
    assert w.data["counts"] == confusion_at(y, s, w.data["threshold"])
    assert [t.get_text() for t in w.ax_cm.get_xticklabels()] == ["negative", "positive"]


def test_static_picture_for_nbconvert(explorer) -> None:
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle and len(bundle["image/png"]) > 1000
    assert bundle["text/plain"].startswith("Decision-threshold explorer")
    assert "application/vnd.jupyter.widget-view+json" in bundle
