"""course.widgets._base.FigureWidget: redraws, errors as messages, static fallback."""

from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.patches import Rectangle
from PIL import Image

from course.widgets._base import BlittedFigureWidget, FigureWidget


class Line(FigureWidget):
    title = "Line demo"

    def __init__(self) -> None:
        super().__init__({"slope": widgets.FloatSlider(value=1.0, min=-3, max=3, description="slope")})

    def _setup_figure(self) -> None:
        ax = self.fig.add_subplot()
        (self.line,) = ax.plot([], [])
        ax.set_xlim(0, 1)
        ax.set_ylim(-3, 3)

    def _compute(self, slope: float) -> dict:
        if slope < 0:
            raise ValueError("slope must be non-negative")
        x = np.linspace(0, 1, 5)
        return {"x": x, "y": slope * x, "status": f"slope {slope:.1f}"}

    def _draw(self, data: dict) -> None:
        self.line.set_data(data["x"], data["y"])


def test_initial_state_is_drawn() -> None:
    w = Line()
    assert w.renders == 1 and bytes(w.image.value).startswith(b"\x89PNG")
    np.testing.assert_allclose(w.line.get_ydata(), np.linspace(0, 1, 5))
    assert w.message.value == "slope 1.0"


def test_control_change_redraws() -> None:
    w = Line()
    before = w.image.value
    w.controls["slope"].value = 2.0
    assert w.renders == 2 and w.image.value != before
    np.testing.assert_allclose(w.data["y"], 2 * np.linspace(0, 1, 5))


def test_bad_value_is_a_message_and_the_picture_stays() -> None:
    w = Line()
    w.controls["slope"].value = 2.0
    good = w.image.value
    w.controls["slope"].value = -1.0
    assert w.error == "slope must be non-negative"
    assert "slope must be non-negative" in w.message.value and "b00020" in w.message.value
    assert w.image.value == good and w.data["y"][-1] == 2.0
    w.controls["slope"].value = 0.5
    assert w.error == "" and w.data["y"][-1] == 0.5


def test_static_fallback_is_the_current_png() -> None:
    w = Line()
    bundle = w._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == bytes(w.image.value)
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id
    assert bundle["text/plain"].startswith("Line demo")


class Marker(BlittedFigureWidget):
    """A vertical line that moves (animated) under an opaque box (overlay) whose colour is static."""

    title = "Marker demo"

    def __init__(self) -> None:
        super().__init__({"x": widgets.FloatSlider(value=0.2, min=0, max=1, description="x"),
                          "colour": widgets.Dropdown(options=["red", "blue"], value="red", description="box")},
                         figsize=(3.0, 2.0))

    def _setup_figure(self) -> None:
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, 1)
        self.ax.set_ylim(0, 1)
        self.ax.set_axis_off()
        self.ax.plot([0, 1], [0.1, 0.1], color="green", lw=4)  # static
        self.marker = self.ax.axvline(0.2, color="black", lw=6)
        self.box = self.ax.add_patch(Rectangle((0.4, 0.4), 0.3, 0.3, facecolor="red", edgecolor="none", zorder=5))
        self._set_animated([self.marker])
        self._set_overlays([self.box])

    def _compute(self, x: float, colour: str) -> dict:
        return {"x": x, "colour": colour}

    def _draw(self, data: dict) -> None:
        if self._static_changed(data["colour"]):
            self.box.set_facecolor(data["colour"])
        self.marker.set_xdata([data["x"], data["x"]])


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _full_draw(w: BlittedFigureWidget) -> np.ndarray:
    """The same figure drawn the plain way: every artist, in z-order, no cached pixels."""
    for artist in [*w._animated, *w._overlays]:
        artist.set_animated(False)
    try:
        w.fig.canvas.draw()
        return np.asarray(w.fig.canvas.buffer_rgba())[..., :3].astype(int)
    finally:
        for artist in [*w._animated, *w._overlays]:
            artist.set_animated(True)
        w._background = None  # the canvas now holds a full draw


@pytest.mark.parametrize("x", [0.05, 0.55, 0.9])
def test_blitted_picture_equals_a_full_draw(x: float) -> None:
    w = Marker()
    w.controls["x"].value = x
    blitted = _pixels(w.image.value)
    assert np.abs(blitted - _full_draw(w)).max() <= 1


def test_overlay_stays_on_top_and_follows_the_static_key() -> None:
    w = Marker()
    h, wd = _pixels(w.image.value).shape[:2]
    centre = (int(h * 0.45), int(wd * 0.55))  # inside the box (y from the top)
    w.controls["x"].value = 0.55  # the marker passes under the box
    assert tuple(_pixels(w.image.value)[centre]) == (255, 0, 0)
    assert tuple(_pixels(w.image.value)[int(h * 0.8), int(wd * 0.55)]) == (0, 0, 0)  # above the box: the marker
    w.controls["colour"].value = "blue"
    assert tuple(_pixels(w.image.value)[centre]) == (0, 0, 255)
    w.controls["x"].value = 0.6  # a blitted redraw keeps the new overlay
    assert tuple(_pixels(w.image.value)[centre]) == (0, 0, 255)
