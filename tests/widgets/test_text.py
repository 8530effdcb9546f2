"""course.widgets._text: labels assembled from cached glyph outlines look like matplotlib's own text."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from course.widgets._text import PathLabels, power_of_ten, text_outline

PROP = FontProperties(size=7)


@pytest.mark.parametrize("text", ["4", "-0.53", "1e+03", "0.071", "12×-1", "x = 3.5"])
def test_outline_is_textpath_shifted(text: str) -> None:
    ours = text_outline(text, PROP).vertices
    theirs = TextPath((0, 0), text, prop=PROP).vertices
    assert ours.shape == theirs.shape
    shift = ours[0] - theirs[0]
    np.testing.assert_allclose(ours - shift, theirs, atol=0.01)


def test_outline_is_centred_on_its_advance_and_digit_height() -> None:
    ext = text_outline("88", PROP).get_extents()
    assert abs((ext.x0 + ext.x1) / 2) < 0.2
    assert abs((ext.y0 + ext.y1) / 2) < 0.2
    minus = text_outline("-", PROP).get_extents()  # a short glyph keeps the digits' centre line
    assert abs((minus.y0 + minus.y1) / 2) < 1.5


def test_lines_are_stacked_and_each_centred() -> None:
    two = text_outline("1×2\n= 2", PROP)
    top, bottom = text_outline("1×2", PROP), text_outline("= 2", PROP)
    n_top = len(top.vertices)
    first, second = two.vertices[:n_top], two.vertices[n_top:]
    assert len(second) == len(bottom.vertices)
    assert first[:, 1].min() > second[:, 1].max()  # the first line sits above the second
    np.testing.assert_allclose(first[:, 0], top.vertices[:, 0], atol=1e-9)  # each line centred on its own
    np.testing.assert_allclose(second[:, 0], bottom.vertices[:, 0], atol=1e-9)
    ext = two.get_extents()
    assert abs((ext.y0 + ext.y1) / 2) < 1.5


def test_blank_and_empty_text() -> None:
    assert len(text_outline("", PROP).vertices) == 0
    assert len(text_outline(" ", PROP).vertices) == 0
    spaced, tight = text_outline("1 2", PROP).get_extents(), text_outline("12", PROP).get_extents()
    assert spaced.width > tight.width + 1  # the blank keeps its advance


def _figure_with(labels: list[str], xy: list[tuple[float, float]], colours="black"):
    fig = Figure(figsize=(2, 2), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_axis_off()
    text = PathLabels(ax, fontsize=10)
    text.set(labels, xy, colours)
    fig.canvas.draw()
    return text, np.asarray(fig.canvas.buffer_rgba())[..., :3]


def test_labels_are_drawn_where_asked() -> None:
    text, pixels = _figure_with(["8", "-1"], [(0, 0), (1, 1)])
    assert text.labels == ["8", "-1"]
    dark = pixels.sum(axis=2) < 300
    h, w = dark.shape
    # data (0, 0) is at 1/4 of the width from the left and 1/4 of the height from the bottom
    assert dark[int(0.75 * h) - 6:int(0.75 * h) + 6, int(0.25 * w) - 6:int(0.25 * w) + 6].any()
    assert dark[int(0.25 * h) - 6:int(0.25 * h) + 6, int(0.75 * w) - 6:int(0.75 * w) + 6].any()
    assert not dark[int(0.25 * h) - 6:int(0.25 * h) + 6, int(0.25 * w) - 6:int(0.25 * w) + 6].any()


def test_colours_per_label_and_clear() -> None:
    text, pixels = _figure_with(["8"], [(0.5, 0.5)], colours=[(1.0, 0.0, 0.0)])
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 80)
    assert red.any()
    text.clear()
    assert text.labels == [] and len(text.collection.get_paths()) == 0


def test_mismatched_labels_and_positions_are_refused() -> None:
    text, _ = _figure_with([], [])
    with pytest.raises(ValueError, match="2 labels but 1 positions"):
        text.set(["1", "2"], [(0, 0)])


def test_cache_is_bounded() -> None:
    text, _ = _figure_with([], [])
    text._cache_size = 10
    for start in range(0, 50, 5):
        text.set([str(v) for v in range(start, start + 5)], np.zeros((5, 2)))
        assert len(text._paths) <= 10


@pytest.mark.parametrize("value, label", [(1e8, "10⁸"), (1e-6, "10⁻⁶"), (1.0, "10⁰"), (1e12, "10¹²"), (0.0, ""), (-1.0, "")])
def test_power_of_ten_labels(value: float, label: str) -> None:
    assert power_of_ten(value) == label
