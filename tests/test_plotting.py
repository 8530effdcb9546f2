"""Tests for course.plotting: the data behind each figure, not its pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from course import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def two_blobs():
    X = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0], [4.0, 4.0], [5.0, 4.5]])
    y = np.array([-1, -1, -1, 1, 1])
    return X, y


def test_class_colors_light_is_lighter_same_count():
    dark, light = plotting.class_colors(3), plotting.class_colors(3, light=True)
    assert len(dark) == len(light) == 3
    assert all(sum(lc) > sum(dc) for dc, lc in zip(dark, light))
    assert dark[0] == pytest.approx(to_rgb(plotting.CLASS_COLORS[0]))
    with pytest.raises(ValueError):
        plotting.class_colors(len(plotting.CLASS_COLORS) + 1)


def test_new_axes_reuses_given_axes():
    fig, ax = plt.subplots()
    assert plotting.new_axes(ax) is ax
    assert plotting.new_axes(None) is not ax


def test_scatter_classes_one_collection_per_class_in_sorted_order():
    X, y = two_blobs()
    ax = plotting.scatter_classes(X, y, class_names={-1: "setosa", 1: "virginica"}, feature_names=["a", "b"])
    assert len(ax.collections) == 2
    np.testing.assert_allclose(ax.collections[0].get_offsets(), X[y == -1])
    np.testing.assert_allclose(ax.collections[1].get_offsets(), X[y == 1])
    assert [c.get_label() for c in ax.collections] == ["setosa", "virginica"]
    np.testing.assert_allclose(ax.collections[1].get_facecolor()[0][:3], to_rgb(plotting.CLASS_COLORS[1]))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")


def test_scatter_classes_explicit_classes_keep_colours_when_a_class_is_absent():
    X, y = two_blobs()
    ax = plotting.scatter_classes(X[y == 1], y[y == 1], classes=[-1, 1], legend=False)
    assert len(ax.collections) == 2
    assert len(ax.collections[0].get_offsets()) == 0
    np.testing.assert_allclose(ax.collections[1].get_facecolor()[0][:3], to_rgb(plotting.CLASS_COLORS[1]))


def test_scatter_classes_unlabelled_and_bad_shapes():
    X, _ = two_blobs()
    ax = plotting.scatter_classes(X)
    assert len(ax.collections) == 1
    np.testing.assert_allclose(ax.collections[0].get_offsets(), X)
    with pytest.raises(ValueError):
        plotting.scatter_classes(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError):
        plotting.scatter_classes(X, np.zeros(2))
    with pytest.raises(ValueError):
        plotting.scatter_classes(X, np.array([0, 0, 0, 1, 1]), class_names=["only one"])


def test_decision_boundary_image_holds_class_index_of_predictions():
    X, y = two_blobs()
    ax = plotting.decision_boundary(lambda P: np.where(P[:, 0] >= 2.5, 1, -1), X, y, resolution=50, padding=0.0)
    image = np.asarray(ax.images[0].get_array())
    assert image.shape == (50, 50)
    xs = np.linspace(0.0, 5.0, 50)
    expected_row = (xs >= 2.5).astype(int)  # index 0 is class -1, index 1 is class +1
    np.testing.assert_array_equal(image, np.tile(expected_row, (50, 1)))
    assert ax.images[0].get_extent() == pytest.approx([0.0, 5.0, 0.0, 4.5])
    assert ax.images[0].origin == "lower"
    # the data points are drawn on top, one collection per class
    np.testing.assert_allclose(ax.collections[-1].get_offsets(), X[y == 1])


def test_decision_boundary_rows_follow_second_feature():
    X, _ = two_blobs()
    ax = plotting.decision_boundary(lambda P: (P[:, 1] > 2.0).astype(int), X, resolution=20, padding=0.0)
    image = np.asarray(ax.images[0].get_array())
    ys = np.linspace(0.0, 4.5, 20)
    np.testing.assert_array_equal(image[:, 0], (ys > 2.0).astype(int))
    np.testing.assert_array_equal(image[:, 0], image[:, -1])


def test_decision_boundary_explicit_limits_set_grid_and_view():
    X, y = two_blobs()
    ax = plotting.decision_boundary(lambda P: np.where(P[:, 1] >= 0, 1, -1), X, y, resolution=11,
                                    limits=(-1.0, 9.0, -5.0, 5.0))
    assert ax.images[0].get_extent() == pytest.approx([-1.0, 9.0, -5.0, 5.0])
    assert ax.get_xlim() == pytest.approx((-1.0, 9.0)) and ax.get_ylim() == pytest.approx((-5.0, 5.0))
    image = np.asarray(ax.images[0].get_array())
    np.testing.assert_array_equal(image[:, 3], (np.linspace(-5, 5, 11) >= 0).astype(int))


def test_decision_boundary_three_classes_and_unknown_label():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    y = np.array([0, 1, 2])
    ax = plotting.decision_boundary(lambda P: np.digitize(P[:, 0], [0.5, 1.5]), X, y, resolution=30)
    assert set(np.unique(np.asarray(ax.images[0].get_array()))) == {0, 1, 2}
    with pytest.raises(ValueError):
        plotting.decision_boundary(lambda P: np.full(len(P), 7), X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError):
        plotting.decision_boundary(lambda P: np.zeros(3), X, y)


def test_linear_boundary_points_lie_on_the_line():
    fig, ax = plt.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(-5, 5)
    w, b = np.array([2.0, -1.0]), 3.0
    line = plotting.linear_boundary(w, b, ax)
    xs, ys = line.get_data()
    np.testing.assert_allclose(xs, [0, 10])
    np.testing.assert_allclose(w[0] * np.asarray(xs) + w[1] * np.asarray(ys) + b, 0.0, atol=1e-12)
    assert ax.get_xlim() == (0, 10)


def test_linear_boundary_vertical_and_degenerate():
    fig, ax = plt.subplots()
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 1)
    line = plotting.linear_boundary([2.0, 0.0], -3.0, ax)
    np.testing.assert_allclose(line.get_xdata(), [1.5, 1.5])
    np.testing.assert_allclose(line.get_ydata(), [0, 1])
    with pytest.raises(ValueError):
        plotting.linear_boundary([0.0, 0.0], 1.0, ax)


def test_confusion_matrix_image_and_counts_in_cells():
    cm = np.array([[40, 10], [3, 47]])
    ax = plotting.plot_confusion_matrix(cm, ["versicolor", "virginica"])
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    texts = {(t.get_position()[1], t.get_position()[0]): t.get_text() for t in ax.texts}
    assert texts == {(0, 0): "TN\n40", (0, 1): "FP\n10", (1, 0): "FN\n3", (1, 1): "TP\n47"}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["versicolor", "virginica"]
    assert ax.get_ylabel() == "true class"


def test_confusion_matrix_multiclass_has_no_kind_names():
    cm = np.arange(9).reshape(3, 3)
    ax = plotting.plot_confusion_matrix(cm, ["a", "b", "c"])
    assert sorted(t.get_text() for t in ax.texts) == [str(v) for v in range(9)]
    with pytest.raises(ValueError):
        plotting.plot_confusion_matrix(cm, ["a", "b"])
    with pytest.raises(ValueError):
        plotting.plot_confusion_matrix(np.zeros((2, 3)), ["a", "b"])


def test_plot_roc_curve_chance_and_operating_point():
    fpr, tpr = [0.0, 0.0, 0.5, 1.0], [0.0, 0.5, 1.0, 1.0]
    ax = plotting.plot_roc(fpr, tpr, auc=0.875, label="petal length", operating_point=(0.5, 1.0))
    curve, chance, point = ax.lines
    np.testing.assert_allclose(curve.get_xydata(), np.column_stack([fpr, tpr]))
    np.testing.assert_allclose(chance.get_xydata(), [[0, 0], [1, 1]])
    np.testing.assert_allclose(point.get_xydata(), [[0.5, 1.0]])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "petal length (AUC = 0.875)"
    assert "FPR = 0.50" in labels[2]


def test_plot_roc_overlay_without_chance_and_bad_input():
    ax = plotting.plot_roc([0, 1], [0, 1], show_chance=False)
    ax = plotting.plot_roc([0, 0, 1], [0, 1, 1], ax, show_chance=False, label="perfect")
    assert len(ax.lines) == 2
    with pytest.raises(ValueError):
        plotting.plot_roc([0, 1], [0, 0.5, 1])


def test_plot_score_histograms_counts_per_class_share_bins():
    scores = np.array([0.1, 0.2, 0.2, 0.7, 0.8, 0.9, 0.35])
    y = np.array([0, 0, 0, 1, 1, 1, 1])
    ax = plotting.plot_score_histograms(scores, y, threshold=0.5, bins=4)
    neg_bars, pos_bars = ax.patches[:4], ax.patches[4:8]
    edges = np.histogram_bin_edges(scores, bins=4)
    np.testing.assert_array_equal([p.get_height() for p in neg_bars], np.histogram(scores[y == 0], edges)[0])
    np.testing.assert_array_equal([p.get_height() for p in pos_bars], np.histogram(scores[y == 1], edges)[0])
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.5, 0.5])
    with pytest.raises(ValueError):
        plotting.plot_score_histograms(scores, y[:3])


def test_plot_history_numbers_epochs_from_one():
    ax = plotting.plot_history({"train": [3, 1, 0], "test": [4, 2, 2]}, ylabel="mistakes")
    np.testing.assert_allclose(ax.lines[0].get_xydata(), [[1, 3], [2, 1], [3, 0]])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [4, 2, 2])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    ax.figure.canvas.draw()
    ticks = ax.get_xticks()
    assert np.allclose(ticks, np.round(ticks))
    ax = plotting.plot_history([5.0, 4.0], start=0, logy=True)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0, 1])
    assert ax.get_yscale() == "log"
    assert ax.get_legend() is None
