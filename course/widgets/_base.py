"""What every course widget shares: controls, a matplotlib figure shown as a PNG, an error line.

Why PNG in a core ``widgets.Image`` rather than ipympl or an Output area: it
works in JupyterLab and in Colab (core ipywidgets only, 7.7 and 8.x), redraws
in tens of milliseconds by updating artists in place, and the same PNG is the
static fallback that nbconvert HTML and GitHub show (``_repr_mimebundle_``),
since saved widget state is stripped from the notebooks.

Subclasses implement ``_compute(**values) -> dict`` (pure maths, may raise
ValueError with a message for the student) and ``_draw(data)`` (update
artists). Headless tests set ``controls[name].value`` and read ``.data``.
"""

from __future__ import annotations

import base64
import html
import io
import math
import time
from typing import Any

import ipywidgets as widgets
# No matplotlib.use("Agg") here: each widget draws on its own Agg canvas, whatever the backend,
# and switching the global backend would turn off a notebook's inline figures (plt.show() shows nothing).
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox


class FigureWidget(widgets.VBox):
    """A VBox of controls, a figure image and a message line. Defined in 02_neural_networks."""

    title = "Course widget"
    #: What a student can change in the live widget (the course website's caption under its picture).
    lets_you = "change its controls"

    def __init__(self, controls: dict[str, widgets.Widget], figsize: tuple[float, float] = (9.0, 3.6), dpi: int = 80,
                 layout_rows: list[list[str]] | None = None) -> None:
        self.controls = controls
        self.fig = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.fig)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.message = widgets.HTML(value="")
        self.data: dict[str, Any] = {}
        self.error: str = ""
        self.renders = 0
        self.last_render_s = 0.0
        rows = layout_rows or [list(controls)]
        boxes = [widgets.HBox([controls[name] for name in row]) for row in rows]
        super().__init__(children=[*boxes, self.image, self.message])
        self._setup_figure()
        for control in controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        self.refresh()

    # -------------------------------------------------------------- subclass API

    def _setup_figure(self) -> None:  # pragma: no cover - overridden
        """Create axes and artists once (redraws only update them)."""

    def _compute(self, **values: Any) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _draw(self, data: dict[str, Any]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    # ------------------------------------------------------------------ internals

    def values(self) -> dict[str, Any]:
        return {name: c.value for name, c in self.controls.items() if hasattr(c, "value")}

    def _on_change(self, _change: dict) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute and redraw; a ValueError becomes a message, the last good picture stays."""
        start = time.perf_counter()
        try:
            data = self._compute(**self.values())
        except ValueError as exc:
            self.error = str(exc)
            self.message.value = f'<span style="color:#b00020">⚠ {html.escape(self.error)}</span>'
            return
        self.error = ""
        self.data = data
        self._draw(data)
        self.image.value = self.png()
        self.message.value = self._status(data)
        self.renders += 1
        self.last_render_s = time.perf_counter() - start

    def _status(self, data: dict[str, Any]) -> str:
        return html.escape(str(data.get("status", "")))

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.canvas.print_png(buf)
        return buf.getvalue()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The live widget view plus a PNG of the current state (what static renderings show).

        Built by hand because ipywidgets 7.7 (Colab) has no ``_repr_mimebundle_``.
        """
        png = self.image.value or self.png()
        return {
            "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": self.model_id},
            "image/png": base64.b64encode(png).decode("ascii"),
            "text/plain": f"{self.title} (interactive in JupyterLab or Colab; the picture shows its initial state)",
        }

    def _ipython_display_(self, **kwargs: Any) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)


class BlittedFigureWidget(FigureWidget):
    """A FigureWidget that redraws only its *animated* artists when nothing else changed.

    Matplotlib's blitting, on the Agg canvas: artists listed in ``self._animated``
    (set in ``_setup_figure``) are left out of a full draw; the rest is drawn once
    and cached as a background. ``_draw`` calls ``self._static_changed(key)`` with a
    key of everything the static artists depend on: while the key stays the same a
    redraw restores the background and draws only the animated artists (a slider that
    moves a marker costs a few ms instead of a full redraw). Defined in 05_convolutional_networks.
    """

    _animated: list = []
    _overlays: list = []
    _overlay_pixels: list = []
    _static_key: Any = None
    _background: Any = None

    def _set_animated(self, artists: list) -> None:
        self._animated = list(artists)
        for artist in self._animated:
            artist.set_animated(True)

    def _set_overlays(self, artists: list) -> None:
        """Artists drawn *over* the animated ones that change only with the static key (a legend).

        They are drawn once over the background and kept as pixels, which are pasted
        back after the animated artists: a legend costs a memory copy, not a layout.
        """
        self._overlays = list(artists)
        for artist in self._overlays:
            artist.set_animated(True)

    def _static_changed(self, key: Any) -> bool:
        """True when the static artists must be updated (and the background redrawn)."""
        if self._background is not None and key == self._static_key:
            return False
        self._static_key = key
        self._background = None
        return True

    def _set_changing(self, artists: list) -> None:
        """The only non-animated artists (often whole axes) that change with the static key.

        Everything else (titles, legends, other panels) is drawn once as a *frame* and
        kept as pixels; a new static key then redraws just these artists over the frame,
        which skips the text layout of the rest (often most of a full draw).
        """
        self._changing = list(artists)
        self._frame = None

    def _frame_text(self, ax: Any, title: str, xlabel: str, title_gap: float = 0.022,
                    xlabel_gap: float = 0.082) -> None:
        """A panel's title and x label as figure text, drawn once with the frame (see :meth:`_set_changing`).

        An axes title re-measures every tick label to place itself, about a third of
        redrawing the axes; figure text at a fixed place (gaps in figure fractions) does not.
        """
        box = ax.get_position()
        centre = (box.x0 + box.x1) / 2
        self.fig.text(centre, box.y1 + title_gap, title, ha="center", va="baseline", fontsize=10)
        self.fig.text(centre, box.y0 - xlabel_gap, xlabel, ha="center", va="top", fontsize=10)

    def _render_background(self) -> Any:
        """Draw everything but the animated artists and return the pixels (a region of the canvas)."""
        canvas = self.fig.canvas
        changing = getattr(self, "_changing", None)
        if not changing:
            canvas.draw()  # not saving: animated artists are skipped
            return canvas.copy_from_bbox(self.fig.bbox)
        if self._frame is None:
            for artist in changing:
                artist.set_visible(False)
            canvas.draw()
            self._frame = canvas.copy_from_bbox(self.fig.bbox)
            for artist in changing:
                artist.set_visible(True)
        canvas.restore_region(self._frame)
        for artist in changing:
            self.fig.draw_artist(artist)  # animated children of an axes are skipped, as in a full draw
        return canvas.copy_from_bbox(self.fig.bbox)

    def _render_overlays(self) -> list:
        canvas = self.fig.canvas
        renderer = canvas.get_renderer()
        regions = []
        for artist in self._overlays:
            if artist.get_visible():
                self.fig.draw_artist(artist)
                box = artist.get_window_extent(renderer)  # whole pixels, rounded outwards
                regions.append(canvas.copy_from_bbox(Bbox.from_extents(math.floor(box.x0), math.floor(box.y0),
                                                                       math.ceil(box.x1 - 1e-6), math.ceil(box.y1 - 1e-6))))
        return regions

    def png(self) -> bytes:
        canvas = self.fig.canvas
        if self._background is None:
            self._background = self._render_background()
            self._overlay_pixels = self._render_overlays()
        canvas.restore_region(self._background)
        for artist in self._animated:
            self.fig.draw_artist(artist)
        for region in self._overlay_pixels:
            canvas.restore_region(region)
        import numpy as np
        from PIL import Image  # matplotlib's own dependency

        buf = io.BytesIO()  # zlib level 1: quicker than matplotlib's default level, ~15% larger
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
        return buf.getvalue()
