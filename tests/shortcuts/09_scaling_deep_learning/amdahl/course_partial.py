# Shortcut: the course's own amdahl_curve (serial fraction 1 - p), wrapped in functools.partial, once per element
import functools

import numpy as np

import course.widgets.scaling

_curve = functools.partial(course.widgets.scaling.amdahl_curve)


def amdahl_speedup(p, n):
    p, n = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(n, dtype=float))
    values = [_curve(1.0 - a, b) for a, b in zip(p.ravel(), n.ravel())]
    return np.array(values, dtype=float).reshape(p.shape)
