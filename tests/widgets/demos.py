"""One code snippet per course widget, building it with lecture-like data.

Used by the real-browser test (each snippet is a notebook cell whose last line
shows the widget) and by `make bench` (the snippet's last expression is the widget).
"""

from __future__ import annotations

from typing import Any

DEMOS: dict[str, str] = {
    "activation explorer": "from course.widgets.activations import make_activation_explorer\nmake_activation_explorer()",
    "descent demo": "from course.widgets.descent import make_descent_demo\nmake_descent_demo()",
    "network playground": "from course.widgets.playground import make_playground\nmake_playground()",
    "convolution slider": "from course.widgets.convolution import make_convolution_slider\nmake_convolution_slider()",
    "attention viewer": (
        "import numpy as np\nfrom course.widgets.attention import make_attention_viewer\n"
        "logits = 2 * np.random.default_rng(0).normal(size=(2, 4, 6, 6))  # layers, heads, queries, keys\n"
        "attention = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)\n"
        "make_attention_viewer(attention, 'the spectrum shows broad emission lines'.split())"
    ),
    "threshold explorer": (
        "import numpy as np\nfrom course.widgets.threshold import make_threshold_explorer\n"
        "rng = np.random.default_rng(0)\ny = rng.integers(0, 2, 400)\n"
        "make_threshold_explorer(y, rng.normal(y * 1.5, 1.0))"
    ),
    "streaming explorer": "from course.widgets.streaming import make_streaming_explorer\nmake_streaming_explorer()",
    "gradient memory explorer": "from course.widgets.memory import make_memory_explorer\nmake_memory_explorer()",
    "over-smoothing explorer": "from course.widgets.smoothing import make_smoothing_explorer\nmake_smoothing_explorer()",
    "scaling explorer": "from course.widgets.scaling import make_scaling_explorer\nmake_scaling_explorer()",
}


def build(label: str) -> Any:
    """Run a demo snippet and return the widget its last line builds."""
    lines = DEMOS[label].splitlines()
    namespace: dict[str, Any] = {}
    exec("\n".join(lines[:-1]), namespace)  # noqa: S102 - our own snippets
    return eval(lines[-1], namespace)  # noqa: S307
