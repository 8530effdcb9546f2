"""course.widgets._base.FigureWidget: redraws, errors as messages, static fallback."""

from __future__ import annotations

import base64

import ipywidgets as widgets
import numpy as np

from course.widgets._base import FigureWidget


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
