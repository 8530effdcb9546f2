# Run in the student's kernel after a lecture: move every control of every course widget the lecture built
# to another valid value and check that the widget redrew (the kernel side of a click, under Colab's ipywidgets).
import ipywidgets as _ipw

from course.widgets._base import FigureWidget as _FigureWidget


def _other_value(control):
    value = control.value
    options = getattr(control, "options", None)
    if options:
        labels = [o[1] if isinstance(o, tuple) else o for o in options]
        if isinstance(value, tuple):  # a multiple selection: add one option, or drop one when all are chosen
            missing = [o for o in labels if o not in value]
            return value + (missing[0],) if missing else value[:-1] or None
        others = [o for o in labels if o != value]
        return others[0] if others else None
    if isinstance(value, bool):
        return not value
    if hasattr(control, "max") and hasattr(control, "min") and isinstance(value, (int, float)):
        step = getattr(control, "step", None) or (1 if isinstance(value, int) else (control.max - control.min) / 10)
        new = value + step if value + step <= control.max else value - step
        return type(value)(new) if control.min <= new <= control.max and new != value else None
    return None


_figures = [w for w in list(_ipw.Widget.widgets.values()) if isinstance(w, _FigureWidget)]
_moved = 0
for _w in _figures:
    for _name, _control in _w.controls.items():
        hidden = getattr(getattr(_control, "layout", None), "display", None) == "none"
        if not hasattr(_control, "value") or getattr(_control, "disabled", False) or hidden:
            continue  # a student cannot move it
        _new = _other_value(_control)
        if _new is None:
            continue
        _before = _w.renders
        _control.value = _new
        assert _w.error or _w.renders > _before, f"{type(_w).__name__}: moving {_name} to {_new!r} did not redraw"
        assert not _w.error, f"{type(_w).__name__}: moving {_name} to {_new!r} shows an error: {_w.error}"
        _moved += 1
print(f"widgets driven: {len(_figures)} widgets, {_moved} controls moved, ipywidgets {_ipw.__version__}")
