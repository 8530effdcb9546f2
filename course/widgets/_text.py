"""Labels drawn as glyph outlines: many numbers on a figure without matplotlib's per-Text layout cost.

A matplotlib ``Text`` is laid out by the font engine on every draw (about 0.5 ms
each), and ``TextPath`` plus ``Path.get_extents`` costs over 1 ms per new string.
Widgets that write a number into every pixel of a map (the convolution slider)
would spend most of a redraw there. :func:`text_outline` assembles a label from
cached per-character outlines instead, centred by the font's advance widths, and
:class:`PathLabels` draws a whole set of them as one ``PathCollection``.

Defined in 05_convolutional_networks.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import IdentityTransform

try:  # matplotlib >= 3.10
    from matplotlib.ft2font import LoadFlags

    _NO_HINTING: Any = LoadFlags.NO_HINTING
except ImportError:  # pragma: no cover - older matplotlib
    from matplotlib.ft2font import LOAD_NO_HINTING as _NO_HINTING

__all__ = ["PathLabels", "contrast_ratio", "contrasting_text", "power_of_ten", "relative_luminance", "text_outline"]

_GLYPHS: dict[tuple[str, float, str], tuple[Path, float]] = {}
_DIGIT_HEIGHT: dict[tuple[float, str], float] = {}
_LINE_SPACING = 1.25  # baseline to baseline, in font sizes


def _glyph(char: str, prop: FontProperties) -> tuple[Path, float]:
    """One character's outline (points, origin on its baseline) and its advance width (points)."""
    key = (char, prop.get_size_in_points(), findfont(prop))
    if key not in _GLYPHS:
        font = get_font(key[2])
        font.set_size(key[1], 72)
        advance = font.load_char(ord(char), flags=_NO_HINTING).linearHoriAdvance / 65536
        # TextPath of a blank has no outline (and trips over its empty code list)
        outline = Path(np.zeros((0, 2))) if char.isspace() else TextPath((0, 0), char, prop=prop)
        _GLYPHS[key] = (outline, advance)
    return _GLYPHS[key]


def text_outline(text: str, prop: FontProperties) -> Path:
    """The outline of ``text`` in points, centred on (0, 0); lines split at "\\n" are centred too.

    Equal to ``TextPath(text)`` up to kerning (digits, signs and points have none in
    DejaVu Sans) and the centring; a new label costs about 0.02 ms. The vertical
    centre is that of the digits (height of "0"), so labels of different heights
    line up.
    """
    size = prop.get_size_in_points()
    key = (size, findfont(prop))
    if key not in _DIGIT_HEIGHT:  # Path.get_extents solves the Bezier curves: about 1 ms
        _DIGIT_HEIGHT[key] = float(_glyph("0", prop)[0].get_extents().y1)
    digit_height = _DIGIT_HEIGHT[key]
    lines = text.split("\n")
    block = (len(lines) - 1) * _LINE_SPACING * size + digit_height
    parts = []
    for k, line in enumerate(lines):
        glyphs = [_glyph(char, prop) for char in line]
        x = -sum(advance for _, advance in glyphs) / 2
        y = block / 2 - digit_height - k * _LINE_SPACING * size
        for path, advance in glyphs:
            if len(path.vertices):
                parts.append(Path(path.vertices + (x, y), path.codes))
            x += advance
    return Path.make_compound_path(*parts) if parts else Path(np.zeros((0, 2)))


def relative_luminance(rgb: Any) -> np.ndarray:
    """WCAG 2 relative luminance of sRGB colours (..., 3 or 4) with channels in [0, 1]: 0 black, 1 white."""
    c = np.asarray(rgb, dtype=float)[..., :3]
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(a: Any, b: Any) -> np.ndarray:
    """WCAG 2 contrast ratio of two colours, from 1 (same) to 21 (black on white); 4.5 is the minimum for text."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


#: Backgrounds at least this luminous take black text, darker ones white: the choice with the larger contrast,
#: which is never below 4.58:1 (the worst case is a mid grey near #767676, equally far from both).
_BLACK_TEXT_ABOVE = math.sqrt(1.05 * 0.05) - 0.05


def contrasting_text(background: Any) -> np.ndarray:
    """Black or white text colours (n, 3), whichever contrasts more with each background colour (n, 3 or 4)."""
    dark = relative_luminance(np.atleast_2d(background)) < _BLACK_TEXT_ABOVE
    return np.where(dark[:, None], 1.0, 0.0) * np.ones((1, 3))


class PathLabels:
    """Text labels at data positions on an axes, drawn as one ``PathCollection``.

    ``set(labels, xy, colours)`` replaces them all; ``labels`` keeps the strings (what
    tests read). Labels keep their size in points whatever the axes' zoom;
    :meth:`fit` chooses the largest size at which every label fits a box of pixels
    (a pixel of an image), and :meth:`set_fontsize` applies it.
    """

    def __init__(self, ax: Any, fontsize: float = 7.0, cache_size: int = 4096) -> None:
        self._props: dict[float, FontProperties] = {}
        self._prop = self._font(fontsize)
        self._scale = ax.figure.dpi / 72.0  # outlines are in points; the collection draws in pixels
        self._paths: dict[tuple[float, str], Path] = {}
        self._cache_size = cache_size
        self.labels: list[str] = []
        self.collection = PathCollection([], offsets=np.zeros((0, 2)), offset_transform=ax.transData,
                                         transform=IdentityTransform(), edgecolors="none", facecolors="black")
        ax.add_collection(self.collection, autolim=False)

    def _font(self, size: float) -> FontProperties:
        if size not in self._props:
            self._props[size] = FontProperties(size=size)
        return self._props[size]

    @property
    def fontsize(self) -> float:
        """The size of the labels in points."""
        return self._prop.get_size_in_points()

    def set_fontsize(self, size: float) -> None:
        """Draw the labels :meth:`set` next at ``size`` points (outlines stay cached per size)."""
        if size <= 0:
            raise ValueError(f"font size must be positive, got {size!r}")
        self._prop = self._font(float(size))

    def extent(self, text: str) -> tuple[float, float]:
        """Width and height of ``text`` in pixels at the current size: advances of the widest line, and the
        lines stacked as :func:`text_outline` stacks them (the digits' height for the last one)."""
        size = self.fontsize
        lines = text.split("\n")
        width = max(sum(_glyph(char, self._prop)[1] for char in line) for line in lines)
        key = (size, findfont(self._prop))
        if key not in _DIGIT_HEIGHT:
            _DIGIT_HEIGHT[key] = float(_glyph("0", self._prop)[0].get_extents().y1)
        height = (len(lines) - 1) * _LINE_SPACING * size + _DIGIT_HEIGHT[key]
        return width * self._scale, height * self._scale

    def fit(self, labels: Sequence[str], box: tuple[float, float], *, largest: float, smallest: float,
            fill: float = 0.8, step: float = 0.5) -> float | None:
        """The largest size in points (a multiple of ``step``, at most ``largest``) at which every label fits
        ``fill`` of a ``box`` = (width, height) in pixels; None when even ``smallest`` does not fit.

        Sizes scale outlines linearly (no hinting), so one measurement at the current size decides.
        """
        if not labels:
            return largest
        extents = np.array([self.extent(t) for t in set(labels)])
        per_point = extents.max(axis=0) / self.fontsize  # pixels per point of font size
        room = fill * np.asarray(box, dtype=float)
        size = min(largest, float(np.min(room / np.maximum(per_point, 1e-12))))
        size = math.floor(size / step) * step
        return size if size >= smallest else None

    def _path(self, text: str) -> Path:
        key = (self.fontsize, text)
        path = self._paths.get(key)
        if path is None:
            if len(self._paths) >= self._cache_size:  # a long session of fresh values: start afresh
                self._paths.clear()
            outline = text_outline(text, self._prop)
            path = self._paths[key] = Path(outline.vertices * self._scale, outline.codes)
        return path

    def set(self, labels: Sequence[str], xy: Any, colours: Any = "black") -> None:
        """Show ``labels[i]`` centred at data point ``xy[i]`` in ``colours`` (one, or one per label)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if len(labels) != len(xy):
            raise ValueError(f"{len(labels)} labels but {len(xy)} positions")
        self.labels = list(labels)
        self.collection.set_paths([self._path(t) for t in self.labels])
        self.collection.set_offsets(xy)
        self.collection.set_facecolors(colours)

    def clear(self) -> None:
        self.set([], np.zeros((0, 2)))


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(value: float, _pos: Any = None) -> str:
    """A log-axis tick label as plain text with superscripts (10⁸, 10⁻⁶): no mathtext, which costs ~1 ms a label.

    Use as ``FuncFormatter(power_of_ten)`` on decade ticks; non-positive values get no label.
    """
    if value <= 0:
        return ""
    return "10" + str(round(math.log10(value))).translate(_SUPERSCRIPTS)
