"""course.widgets._text: labels assembled from cached glyph outlines look like matplotlib's own text."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from course.widgets._text import (
    PathLabels,
    contrast_ratio,
    contrasting_text,
    power_of_ten,
    relative_luminance,
    text_outline,
)

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


def test_relative_luminance_and_contrast_follow_wcag() -> None:
    assert relative_luminance([1.0, 1.0, 1.0]) == pytest.approx(1.0)
    assert relative_luminance([0.0, 0.0, 0.0]) == pytest.approx(0.0)
    assert relative_luminance([0x76 / 255] * 3) == pytest.approx(0.1812, abs=2e-4)  # WCAG's example grey #767676
    assert relative_luminance([1.0, 0.0, 0.0]) == pytest.approx(0.2126)
    assert contrast_ratio([0, 0, 0], [1, 1, 1]) == pytest.approx(21.0)
    assert contrast_ratio([1, 1, 1], [0x76 / 255] * 3) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio([0.3, 0.5, 0.7], [0.3, 0.5, 0.7]) == pytest.approx(1.0)


def test_contrasting_text_is_never_below_the_text_minimum() -> None:
    """Whatever the background (every grey, random colours), black or white text contrasts at least 4.5:1,
    and the choice is the better of the two."""
    rng = np.random.default_rng(0)
    backgrounds = np.vstack([np.repeat(np.linspace(0, 1, 256)[:, None], 3, axis=1), rng.random((2000, 3))])
    text = contrasting_text(backgrounds)
    assert set(map(tuple, text)) == {(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)}
    ratio = contrast_ratio(text, backgrounds)
    assert ratio.min() >= 4.58 - 1e-3
    other = contrast_ratio(1.0 - text, backgrounds)
    assert np.all(ratio >= other - 1e-9)
    np.testing.assert_array_equal(contrasting_text([[0.5, 0.5, 0.5, 1.0]]), [[0.0, 0.0, 0.0]])  # RGBA: mid grey
    np.testing.assert_array_equal(contrasting_text([[0.4, 0.4, 0.4]]), [[1.0, 1.0, 1.0]])      # darker grey


def test_extent_scales_with_the_font_size() -> None:
    text, _ = _figure_with([], [])
    text.set_fontsize(10)
    w10, h10 = text.extent("-47")
    text.set_fontsize(20)
    w20, h20 = text.extent("-47")
    assert w20 == pytest.approx(2 * w10) and h20 == pytest.approx(2 * h10)
    two_w, two_h = text.extent("1×2\n= 2")
    assert two_h > 2 * h20 and two_w == pytest.approx(text.extent("1×2")[0])
    # the width is the drawn outline's advance, in pixels at the figure's 80 dpi
    outline = text_outline("88", FontProperties(size=20)).get_extents()
    assert text.extent("88")[0] == pytest.approx(outline.width * 80 / 72, rel=0.15)
    with pytest.raises(ValueError, match="positive"):
        text.set_fontsize(0)


def test_fit_gives_the_largest_size_that_fits_or_none() -> None:
    text, _ = _figure_with([], [])
    labels = ["7", "-130", "0.5"]
    size = text.fit(labels, (40.0, 40.0), largest=30, smallest=6, fill=0.8)
    assert size is not None and size % 0.5 == 0
    for s, fits in ((size, True), (size + 0.5, False)):
        text.set_fontsize(s)
        widest = max(text.extent(t)[0] for t in labels)
        assert (widest <= 0.8 * 40.0) is fits
    assert text.fit(labels, (400.0, 400.0), largest=14, smallest=6) == 14   # capped
    assert text.fit(labels, (8.0, 8.0), largest=14, smallest=9) is None      # too small to be legible
    assert text.fit([], (8.0, 8.0), largest=14, smallest=9) == 14


def test_labels_at_two_sizes_keep_their_own_outlines() -> None:
    text, _ = _figure_with([], [])
    text.set_fontsize(10)
    text.set(["8"], [(0, 0)])
    small = text.collection.get_paths()[0].get_extents()
    text.set_fontsize(20)
    text.set(["8"], [(0, 0)])
    large = text.collection.get_paths()[0].get_extents()
    assert large.height == pytest.approx(2 * small.height, rel=0.02)
    text.set_fontsize(10)
    text.set(["8"], [(0, 0)])
    assert text.collection.get_paths()[0].get_extents().height == pytest.approx(small.height)
