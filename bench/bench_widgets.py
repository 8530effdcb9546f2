"""Per widget: time from a control's change to the new figure being ready (kernel side, default sizes).

Targets (issue 3): median < 50 ms and p95 < 100 ms over at least 50 changes, for
every widget on this 2-core machine; one playground training step (the Step
button: an epoch of training, then the redraw) under 100 ms.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Iterator

import numpy as np

from tests.widgets.demos import DEMOS, build

CHANGES = 60


def candidate_values(control: Any) -> list[tuple[str, Any]]:
    """Values a user could pick for this control, as (attribute, value) pairs."""
    name = type(control).__name__
    if name == "Play":  # the play button advances one step at a time
        return [("value", min(control.value + k, control.max)) for k in range(1, 9)]
    if name in ("IntSlider", "FloatSlider", "BoundedIntText", "BoundedFloatText"):
        vals = np.linspace(control.min, control.max, 9)
        return [("value", type(control.value)(v)) for v in vals]
    if name == "FloatLogSlider":
        return [("value", float(control.base ** e)) for e in np.linspace(control.min, control.max, 9)]
    if name in ("IntRangeSlider", "FloatRangeSlider"):
        lo, hi = control.min, control.max
        span = hi - lo
        cast = type(control.value[0])
        return [("value", (cast(lo + f * span / 4), cast(hi - f * span / 4))) for f in (0, 0.5, 1, 1.5)]
    if name in ("Dropdown", "ToggleButtons", "RadioButtons", "Select"):
        return [("index", i) for i in range(len(control.options))]
    if name == "SelectMultiple":
        n = len(control.options)
        return [("index", tuple(range(k))) for k in range(1, n + 1)]
    if name == "Checkbox":
        return [("value", True), ("value", False)]
    return []


def changes(widget: Any) -> Iterator[tuple[str, str, Any]]:
    plans = [(n, c, candidate_values(c)) for n, c in widget.controls.items()]
    plans = [(n, c, vals) for n, c, vals in plans if vals]
    cycles = [itertools.cycle([(n, c, a, v) for a, v in vals]) for n, c, vals in plans]
    for cyc in itertools.cycle(cycles):
        yield next(cyc)


def time_widget(widget: Any) -> tuple[list[float], int]:
    """Time CHANGES redraws (after one untimed pass that warms first-use caches, e.g. loading an image set)."""
    for _name, control, values in [(n, c, candidate_values(c)) for n, c in widget.controls.items()]:
        for attr, value in values:
            setattr(control, attr, value)
    times, errors, n = [], 0, 0
    for _name, control, attr, value in changes(widget):
        if len(times) >= CHANGES or n >= 10 * CHANGES:
            break
        if type(control).__name__ == "Play":
            value = control.value + 1 if control.value < control.max else control.min
        before = widget.renders
        start = time.perf_counter()
        setattr(control, attr, value)
        elapsed = time.perf_counter() - start
        n += 1
        if widget.renders > before:
            times.append(elapsed)
        elif widget.error:
            errors += 1
    return times, errors


def run() -> list[dict]:
    rows = []
    for label in DEMOS:
        try:
            widget = build(label)
        except (ImportError, AttributeError) as exc:
            rows.append({"name": f"{label}: not available ({exc})", "value": "-", "unit": "", "ok": False})
            continue
        times, errors = time_widget(widget)
        ms = np.array(times) * 1000
        rows.append({"name": f"{label}: median redraw ({len(ms)} changes)", "value": round(float(np.median(ms)), 1),
                     "unit": "ms", "target": "< 50 ms", "ok": float(np.median(ms)) < 50})
        rows.append({"name": f"{label}: p95 redraw", "value": round(float(np.percentile(ms, 95)), 1),
                     "unit": "ms", "target": "< 100 ms", "ok": float(np.percentile(ms, 95)) < 100})
    rows.extend(playground_steps())
    return rows


def playground_steps() -> list[dict]:
    """The Step button CHANGES times on the default playground: one epoch of training plus the redraw."""
    widget = build("network playground")
    widget.step_button.click()  # first-use warm-up
    times = []
    for _ in range(CHANGES):
        before = widget.renders
        start = time.perf_counter()
        widget.step_button.click()
        times.append(time.perf_counter() - start)
        if widget.renders != before + 1:
            return [{"name": "network playground: Step did not redraw", "value": "-", "unit": "", "ok": False}]
    ms = np.array(times) * 1000
    return [{"name": f"network playground: training step + redraw, median ({len(ms)} steps)",
             "value": round(float(np.median(ms)), 1), "unit": "ms", "target": "< 100 ms",
             "ok": float(np.median(ms)) < 100},
            {"name": "network playground: training step + redraw, p95", "value": round(float(np.percentile(ms, 95)), 1),
             "unit": "ms", "target": "< 100 ms", "ok": float(np.percentile(ms, 95)) < 100}]
