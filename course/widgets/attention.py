"""The attention map viewer: heat map, BertViz-style lines and ViT patch overlays.

Attention weights come as an array shaped (layers, heads, queries, keys): entry
``[l, h, i, j]`` says how much query token ``i`` draws on key token ``j`` in head
``h`` of layer ``l``; every row (fixed ``l, h, i``) is a softmax, so it sums to 1.
The maths lives in plain functions (:func:`normalise_attention`,
:func:`head_average`, :func:`attention_map`, :func:`row_lines`,
:func:`patch_attention_map`, :func:`alignment_example`);
:func:`make_attention_viewer` wraps them in a widget.

Defined in 07_attention_transformers.
"""

from __future__ import annotations

import html
from typing import Any, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from course.widgets._base import BlittedFigureWidget

__all__ = [
    "alignment_example",
    "attention_map",
    "head_average",
    "make_attention_viewer",
    "normalise_attention",
    "patch_attention_map",
    "row_lines",
    "token_positions",
]

#: How far a row's sum may be from 1 before it is refused (float16 softmax is ~1e-3 off).
ROW_SUM_ATOL = 1e-3
#: Up to this many query tokens are also shown as buttons to click (longer sequences: the drop-down).
MAX_TOKEN_BUTTONS = 32
#: Up to this many tokens (queries and keys) are labelled, and only then is the "lines" view offered
#: next to the patches of a vision transformer: 65 unlabelled lines cannot be read.
MAX_LINE_TOKENS = 40
#: The chosen query's colour: its frame in the heat map, its dot in the lines view and its button.
QUERY_COLOUR = "#D55E00"
#: CSS that makes the chosen token button stand out (ipywidgets 7 and 8 mark it with ``mod-active``).
TOKEN_BUTTON_CSS = (
    "<style>.course-attention-tokens .widget-toggle-button.mod-active,"
    ".course-attention-tokens .jupyter-button.mod-active"
    f"{{background-color:{QUERY_COLOUR} !important;color:#ffffff !important;font-weight:bold;"
    "box-shadow:0 0 0 2px #8a3300 inset !important;}</style>"
)


# --------------------------------------------------------------------------- maths


def normalise_attention(attention: Any, *, renormalise: bool = False, atol: float = ROW_SUM_ATOL) -> np.ndarray:
    """Any attention array as a float64 array shaped (layers, heads, queries, keys).

    Accepts (queries, keys), (heads, queries, keys) and (layers, heads, queries, keys),
    adding the missing axes. Keras' ``MultiHeadAttention(..., return_attention_scores=True)``
    returns (batch, heads, queries, keys): pass ``scores[0]`` for one example, or
    ``np.stack([s[0] for s in per_layer_scores])`` for several layers.

    Checks, each with a message: not empty, finite, non-negative, and every row sums
    to 1 within ``atol``. The decision: rows that do not sum to 1 are *refused*, since
    they usually mean the wrong axis was softmaxed or raw scores (logits) were passed;
    ``renormalise=True`` divides each row by its sum instead (for raw alignment counts).

    Defined in 07_attention_transformers.
    """
    try:
        arr = np.array(attention, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"attention must be an array of numbers: {exc}") from None
    if arr.size == 0:
        raise ValueError(f"the attention array is empty (shape {arr.shape})")
    if arr.ndim not in (2, 3, 4):
        hint = " -- for a batch, pick one example first: scores[0]" if arr.ndim == 5 else ""
        raise ValueError(f"attention must have 2, 3 or 4 dimensions (queries, keys), (heads, queries, keys) or "
                         f"(layers, heads, queries, keys); got {arr.ndim} with shape {arr.shape}{hint}")
    arr = arr.reshape((1,) * (4 - arr.ndim) + arr.shape)
    if not np.all(np.isfinite(arr)):
        raise ValueError("the attention weights contain NaN or infinite values")
    if np.any(arr < 0):
        raise ValueError(f"attention weights must be >= 0 (they come from a softmax); the smallest is {arr.min():.3g}"
                         " -- did you pass raw scores (logits) instead of weights?")
    sums = arr.sum(axis=-1)
    if renormalise:
        if np.any(sums <= 0):
            raise ValueError("a row of attention weights is all zeros, so it cannot be renormalised")
        return arr / sums[..., None]
    worst = float(np.abs(sums - 1).max())
    if worst > atol:
        raise ValueError(f"each row of attention weights must sum to 1 (a softmax over the keys); one row sums to "
                         f"{sums.flat[int(np.abs(sums - 1).argmax())]:.4g} -- pass renormalise=True to rescale rows")
    return arr


def head_average(attention: Any) -> np.ndarray:
    """The mean over heads (the axis third from the end): (L, H, Q, K) -> (L, Q, K), (H, Q, K) -> (Q, K).

    A common summary of multi-head attention, though single heads are often sharper.

    Defined in 07_attention_transformers.
    """
    arr = np.asarray(attention, dtype=float)
    if arr.ndim < 3:
        raise ValueError(f"head_average needs a heads axis: shape (heads, queries, keys) or more, got {arr.shape}")
    return arr.mean(axis=-3)


def attention_map(attention: np.ndarray, layer: int, head: int | str) -> np.ndarray:
    """The (queries, keys) map of one layer and one head (``head="mean"``: averaged over heads).

    ``attention`` is 4-D, as from :func:`normalise_attention`.

    Defined in 07_attention_transformers.
    """
    n_layers, n_heads = attention.shape[:2]
    if not 0 <= layer < n_layers:
        raise ValueError(f"layer must be in 0..{n_layers - 1}, got {layer}")
    if head == "mean":
        return head_average(attention[layer])
    if isinstance(head, str) or not 0 <= int(head) < n_heads:
        raise ValueError(f'head must be in 0..{n_heads - 1} or "mean", got {head!r}')
    return attention[layer, int(head)]


def token_positions(n: int) -> np.ndarray:
    """Heights of ``n`` tokens listed top to bottom, from 1 (first) to 0 (last); one token sits at 0.5.

    Defined in 07_attention_transformers.
    """
    if n < 1:
        raise ValueError(f"need at least one token, got {n}")
    return np.array([0.5]) if n == 1 else np.linspace(1.0, 0.0, n)


def row_lines(row: Any, query: int, n_queries: int, *, x_left: float = 0.0, x_right: float = 1.0,
              max_width: float = 4.0, relative: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BertViz-style lines for one query: from the query token (left) to every key token (right).

    Returns ``segments`` (keys, 2, 2) -- ((x_left, y_query), (x_right, y_key)) -- and, per
    line, ``alphas`` and ``widths`` proportional to the weight: alpha = weight (a weight of
    1 is opaque; a row spread evenly over many keys is faint, which is the point), or
    weight / max(row) with ``relative=True``; width = ``max_width`` x alpha.

    Defined in 07_attention_transformers.
    """
    w = np.asarray(row, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"a row of attention weights must be 1-D and non-empty, got shape {w.shape}")
    if not 0 <= query < n_queries:
        raise ValueError(f"query must be in 0..{n_queries - 1}, got {query}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("attention weights must be finite and >= 0")
    yq = token_positions(n_queries)[query]
    yk = token_positions(w.size)
    segments = np.empty((w.size, 2, 2))
    segments[:, 0, 0], segments[:, 0, 1] = x_left, yq
    segments[:, 1, 0], segments[:, 1, 1] = x_right, yk
    alphas = w / w.max() if relative and w.max() > 0 else np.clip(w, 0.0, 1.0)
    return segments, alphas, max_width * alphas


def patch_attention_map(att_row: Any, grid: tuple[int, int], image_shape: tuple[int, int] | None = None) -> np.ndarray:
    """One query's attention over image patches, as a (gh, gw) map or upsampled to ``image_shape``.

    A vision transformer cuts the image into a ``grid`` of gh x gw patches (row by row)
    and often prepends a class token: ``att_row`` may have gh*gw entries, or gh*gw + 1
    with the class token first (its own weight is dropped; the rest are not rescaled,
    so the map shows the share of attention each patch gets). Upsampling is
    nearest-neighbour: each patch covers its block of pixels.

    Defined in 07_attention_transformers.
    """
    w = np.asarray(att_row, dtype=float)
    try:
        gh, gw = (int(g) for g in grid)
    except (TypeError, ValueError):
        raise ValueError(f"grid must be (rows, columns) of patches, got {grid!r}") from None
    if gh < 1 or gw < 1:
        raise ValueError(f"grid must have at least one patch in each direction, got {grid!r}")
    if w.ndim != 1:
        raise ValueError(f"one row of attention weights is 1-D, got shape {w.shape}")
    if w.size == gh * gw + 1:
        w = w[1:]
    elif w.size != gh * gw:
        raise ValueError(f"a {gh}x{gw} grid has {gh * gw} patches (+1 with a class token), "
                         f"but the row has {w.size} weights")
    grid_map = w.reshape(gh, gw)
    if image_shape is None:
        return grid_map
    h, wd = (int(s) for s in image_shape[:2])
    if h < gh or wd < gw:
        raise ValueError(f"the image ({h}x{wd}) is smaller than the patch grid ({gh}x{gw})")
    rows = np.arange(h) * gh // h
    cols = np.arange(wd) * gw // wd
    return grid_map[rows[:, None], cols[None, :]]


ENGLISH = "The agreement on the European Economic Area was signed in August 1992 .".split()
FRENCH = "L' accord sur la zone économique européenne a été signé en août 1992 .".split()
# French word -> {English word index: weight}: mostly one-to-one and monotone, except
# "zone économique européenne" <- "European Economic Area" (reversed), "a été" <- "was".
_ALIGN = [
    {0: 0.85, 1: 0.10},              # L'         The
    {1: 0.90, 0: 0.05},              # accord     agreement
    {2: 0.85, 3: 0.08},              # sur        on
    {3: 0.70, 6: 0.12, 2: 0.08},     # la         the (agrees with zone ~ Area)
    {6: 0.75, 4: 0.10, 5: 0.08},     # zone       Area
    {5: 0.80, 6: 0.08, 4: 0.06},     # économique Economic
    {4: 0.78, 5: 0.12, 6: 0.04},     # européenne European
    {7: 0.70, 8: 0.20},              # a          was
    {7: 0.55, 8: 0.35},              # été        was (signed)
    {8: 0.88, 7: 0.06},              # signé      signed
    {9: 0.85, 10: 0.08},             # en         in
    {10: 0.90, 9: 0.04},             # août       August
    {11: 0.95},                      # 1992       1992
    {12: 0.95},                      # .          .
]


def alignment_example() -> tuple[np.ndarray, list[str], list[str]]:
    """An illustrative translation alignment, written by hand: (weights, French tokens, English tokens).

    Rows are the French words a decoder produces (queries), columns the English source
    words (keys), every row sums to 1. The weights were set by hand (the table
    ``_ALIGN`` in this module, plus 0.01 everywhere, rows rescaled to sum to 1) to look
    like the alignment a trained model (RNNsearch) produced for this sentence in
    Bahdanau et al. (2015), fig. 3(a): mostly diagonal, but "zone économique européenne"
    reverses "European Economic Area" and "a été" both look at "was". No model computed
    these numbers; the lecture's toy translator (:func:`course.transformers.build_translator`)
    learns such a matrix itself.

    Defined in 07_attention_transformers.
    """
    weights = np.full((len(FRENCH), len(ENGLISH)), 0.01)
    for i, row in enumerate(_ALIGN):
        for j, w in row.items():
            weights[i, j] += w
    return weights / weights.sum(axis=1, keepdims=True), list(FRENCH), list(ENGLISH)


def _tokens(tokens: Sequence[Any] | None, n: int, what: str, default: Sequence[str] | None = None) -> list[str]:
    if tokens is None:
        if default is not None:
            tokens = default
        else:
            return [str(i) for i in range(n)]
    if isinstance(tokens, str):
        tokens = tokens.split()
    tokens = [str(t) for t in tokens]
    if len(tokens) != n:
        raise ValueError(f"the attention has {n} {what}, but {len(tokens)} {what} tokens were given")
    return tokens


def _vit_tokens(n: int, grid: tuple[int, int]) -> list[str]:
    gh, gw = grid
    patches = [f"patch {r},{c}" for r in range(gh) for c in range(gw)]
    return (["[CLS]"] + patches) if n == gh * gw + 1 else patches


# --------------------------------------------------------------------------- widget


class AttentionViewer(BlittedFigureWidget):
    """Heat map of one layer/head | lines from the chosen query to the keys (or patch overlay).

    ``load(...)`` swaps in new attention; bad input becomes a message and the last good
    data stays. Defined in 07_attention_transformers.
    """

    title = "Attention map viewer"
    lets_you = ("pick the layer and the head, click a query token (or patch) to see which keys it attends to, "
                "and switch between the heat map and the lines view")

    def __init__(self, attention: Any, tokens_q: Any, tokens_k: Any, grid: Any, image: Any,
                 renormalise: bool) -> None:
        self._state: dict[str, Any] | None = None
        self._load_error = ""
        self._generation = 0
        self._syncing = False
        try:
            self._state = self._prepare(attention, tokens_q, tokens_k, grid, image, renormalise)
        except ValueError as exc:
            self._load_error = str(exc)
        controls = {
            "layer": widgets.IntSlider(value=0, min=0, max=0, description="layer"),
            "head": widgets.Dropdown(options=[("head 0", 0)], value=0, description="head"),
            "query": widgets.Dropdown(options=[("0", 0)], value=0, description="query token"),
            "mode": widgets.ToggleButtons(options=["lines", "patches"], value="lines", description="view"),
            # Click a token: the query tokens as buttons (short sequences; the drop-down always works).
            "token": widgets.ToggleButtons(options=[("0", 0)], value=0, description="click a query",
                                           style={"button_width": "auto"},
                                           layout=widgets.Layout(flex_flow="row wrap")),
        }
        controls["token"].add_class("course-attention-tokens")
        self._controls_for_state(controls)
        super().__init__(controls, figsize=(10.0, 4.4), dpi=80,
                         layout_rows=[["layer", "head"], ["query", "mode"], ["token"]])
        # Show the picture pixel for pixel: a VBox stretches its children to the output's width
        # (an 800-px PNG became ~964 px wide, and blurred, in JupyterLab). max_width still lets it
        # shrink on a narrow screen, with the height following.
        self.image.layout.width = f"{round(self.fig.get_figwidth() * self.fig.dpi)}px"
        self.image.layout.height = "auto"
        self._style = widgets.HTML(value=TOKEN_BUTTON_CSS, layout=widgets.Layout(display="none"))
        self.children = (*self.children, self._style)

    # ------------------------------------------------------------------ data

    @staticmethod
    def _prepare(attention: Any, tokens_q: Any, tokens_k: Any, grid: Any, image: Any,
                 renormalise: bool) -> dict[str, Any]:
        att = normalise_attention(attention, renormalise=renormalise)
        n_q, n_k = att.shape[2:]
        img = None
        if grid is not None:
            try:
                grid = (int(grid[0]), int(grid[1]))
            except (TypeError, ValueError, IndexError):
                raise ValueError(f"grid must be (rows, columns) of patches, got {grid!r}") from None
            patch_attention_map(np.zeros(n_k), grid)  # checks the key count fits the grid
            if image is not None:
                img = np.asarray(image, dtype=float)
                if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)) or img.size == 0:
                    raise ValueError(f"image must be (height, width) or (height, width, 3), got shape {img.shape}")
                if img.shape[0] < grid[0] or img.shape[1] < grid[1]:
                    raise ValueError(f"the image ({img.shape[0]}x{img.shape[1]}) is smaller than the patch grid {grid}")
        elif image is not None:
            raise ValueError("an image needs grid=(rows, columns): how the image was cut into patches")
        default_k = _vit_tokens(n_k, grid) if grid is not None else None
        tq = _tokens(tokens_q, n_q, "queries", _vit_tokens(n_q, grid) if grid is not None and n_q == n_k else None)
        if tokens_k is None and n_k == n_q and grid is None:
            tk = _tokens(tq, n_k, "keys")
        elif tokens_k is None and grid is None:
            raise ValueError(f"the attention has {n_q} queries but {n_k} keys: pass tokens_k for the keys")
        else:
            tk = _tokens(tokens_k, n_k, "keys", default_k)
        return {"att": att, "tokens_q": tq, "tokens_k": tk, "grid": grid, "image": img}

    def _controls_for_state(self, controls: dict[str, widgets.Widget]) -> None:
        state = self._state
        if state is None:
            return
        n_layers, n_heads, n_q, n_k = state["att"].shape
        self._syncing = True
        try:
            controls["layer"].value = 0
            controls["layer"].max = n_layers - 1
            controls["layer"].disabled = n_layers == 1
            controls["layer"].layout.display = "none" if n_layers == 1 else None  # a control with one value
            controls["head"].options = [(f"head {h}", h) for h in range(n_heads)] + [("average over heads", "mean")]
            controls["head"].value = 0
            controls["query"].options = [(f"{i}: {t}", i) for i, t in enumerate(state["tokens_q"])]
            controls["query"].value = 0
            # Button labels must differ from each other: a repeated token gets its position.
            seen = {t: state["tokens_q"].count(t) for t in state["tokens_q"]}
            controls["token"].options = [(t if seen[t] == 1 else f"{t} ({i})", i)
                                         for i, t in enumerate(state["tokens_q"])]
            controls["token"].value = 0
            controls["token"].layout.display = None if n_q <= MAX_TOKEN_BUTTONS else "none"
            controls["mode"].value = "patches" if state["grid"] is not None else "lines"
            # The choice is offered only with a patch grid, and only when the lines view can be read.
            readable = max(n_q, n_k) <= MAX_LINE_TOKENS
            controls["mode"].layout.display = None if state["grid"] is not None and readable else "none"
        finally:
            self._syncing = False

    def load(self, attention: Any, tokens_q: Any = None, tokens_k: Any = None, *, grid: Any = None,
             image: Any = None, renormalise: bool = False) -> None:
        """Show new attention weights; bad input becomes the message and the last good data stays."""
        try:
            state = self._prepare(attention, tokens_q, tokens_k, grid, image, renormalise)
        except ValueError as exc:
            self.error = str(exc)
            self.message.value = f'<span style="color:#b00020">⚠ {html.escape(self.error)}</span>'
            return
        self._state = state
        self._load_error = ""
        self._controls_for_state(self.controls)
        self._apply_state()
        self.refresh()

    # ------------------------------------------------------------------ figure

    def _setup_figure(self) -> None:
        fig = self.fig
        self.ax_heat = fig.add_axes((0.13, 0.22, 0.36, 0.68))
        self.ax_lines = fig.add_axes((0.68, 0.04, 0.14, 0.86))
        self.ax_patch = fig.add_axes((0.56, 0.06, 0.40, 0.84))
        self.im_heat = self.ax_heat.imshow(np.zeros((2, 2)), cmap="viridis", aspect="auto", interpolation="nearest",
                                           vmin=0, vmax=1)
        self.heat_row = Rectangle((0, 0), 1, 1, fill=False, ec=QUERY_COLOUR, lw=2.0)
        self.ax_heat.add_patch(self.heat_row)
        self.ax_heat.set_xlabel("keys", fontsize=9)
        self.ax_heat.set_ylabel("queries", fontsize=9)
        self.heat_title = self.ax_heat.set_title("", fontsize=10)

        ax = self.ax_lines
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.04, 1.04)
        ax.axis("off")
        self.lines = LineCollection([], colors="#0072B2")
        ax.add_collection(self.lines)
        self.key_dots = ax.scatter([], [], s=[], color="#0072B2", zorder=3)
        (self.query_dot,) = ax.plot([], [], "o", color=QUERY_COLOUR, ms=7, zorder=4)
        self.query_band = Rectangle((-0.9, 0), 0.88, 0.02, color="#E69F00", alpha=0.35, clip_on=False)
        ax.add_patch(self.query_band)
        self.lines_title = ax.set_title("", fontsize=10)
        self.q_texts: list = []
        self.k_texts: list = []

        ax = self.ax_patch
        ax.set_xticks([])
        ax.set_yticks([])
        self.im_base = ax.imshow(np.zeros((2, 2)), cmap="gray", interpolation="nearest")
        self.im_overlay = ax.imshow(np.zeros((2, 2)), cmap="inferno", alpha=0.6, interpolation="nearest")
        self.patch_box = Rectangle((0, 0), 1, 1, fill=False, ec="#56B4E9", lw=2.0)
        ax.add_patch(self.patch_box)
        self.patch_title = ax.set_title("", fontsize=10)
        self._set_animated([self.im_heat, self.heat_row, self.heat_title, self.lines, self.key_dots,
                            self.query_dot, self.query_band, self.lines_title,
                            self.im_overlay, self.patch_box, self.patch_title])
        self._apply_state()

    def _apply_state(self) -> None:
        """Token labels, text columns and the patch image: what changes only when new data is loaded."""
        self._generation += 1
        state = self._state
        for t in self.q_texts + self.k_texts:
            t.remove()
        self.q_texts, self.k_texts = [], []
        if state is None:
            return
        n_q, n_k = state["att"].shape[2:]
        tq, tk = state["tokens_q"], state["tokens_k"]
        ax = self.ax_heat
        ax.set_xlim(-0.5, n_k - 0.5)
        ax.set_ylim(n_q - 0.5, -0.5)
        self.im_heat.set_extent((-0.5, n_k - 0.5, n_q - 0.5, -0.5))
        size = 10 if max(n_q, n_k) <= 16 else 8 if max(n_q, n_k) <= 30 else 6
        # Too many tokens to label them all: label the first, the middle and the last one.
        sparse = lambda n, names: ([0, n // 2, n - 1], [names[0], names[n // 2], names[-1]])  # noqa: E731
        if n_k <= MAX_LINE_TOKENS:
            ax.set_xticks(range(n_k), tk, rotation=90, fontsize=size)
        else:
            ax.set_xticks(*sparse(n_k, tk), rotation=90, fontsize=8)
        if n_q <= MAX_LINE_TOKENS:
            ax.set_yticks(range(n_q), tq, fontsize=size)
        else:
            ax.set_yticks(*sparse(n_q, tq), fontsize=8)
        if max(n_q, n_k) <= MAX_LINE_TOKENS:
            yq, yk = token_positions(n_q), token_positions(n_k)
            self.q_texts = [self.ax_lines.text(-0.04, y, t, ha="right", va="center", fontsize=size)
                            for y, t in zip(yq, tq)]
            self.k_texts = [self.ax_lines.text(1.04, y, t, ha="left", va="center", fontsize=size)
                            for y, t in zip(yk, tk)]
        self.query_band.set_height(0.9 / max(n_q - 1, 1) if n_q > 1 else 0.1)
        if state["grid"] is not None:
            gh, gw = state["grid"]
            img = state["image"]
            shape = img.shape[:2] if img is not None else (gh, gw)
            extent = (-0.5, shape[1] - 0.5, shape[0] - 0.5, -0.5)
            self.im_base.set_data(img if img is not None else np.zeros(shape))
            self.im_base.set_extent(extent)
            if img is not None and img.ndim == 2:
                lo, hi = float(img.min()), float(img.max())
                self.im_base.set_clim(lo, hi if hi > lo else lo + 1)
            self.im_base.set_visible(img is not None)
            self.im_overlay.set_extent(extent)
            self.im_overlay.set_alpha(0.6 if img is not None else 1.0)
            self.ax_patch.set_xlim(extent[0], extent[1])
            self.ax_patch.set_ylim(extent[2], extent[3])

    # ------------------------------------------------------------------ events

    def _on_change(self, change: dict) -> None:
        if self._syncing:
            return
        pair = {id(self.controls["query"]): "token", id(self.controls["token"]): "query"}
        other = pair.get(id(change.get("owner")))
        if other is not None:  # the drop-down and the buttons choose the same query
            self._syncing = True
            try:
                self.controls[other].value = change["new"]
            finally:
                self._syncing = False
        self.refresh()

    def _compute(self, layer: int, head: Any, query: int, mode: str, token: int | None = None) -> dict[str, Any]:
        state = self._state
        if state is None:
            raise ValueError(self._load_error)
        att, tq, tk, grid = state["att"], state["tokens_q"], state["tokens_k"], state["grid"]
        amap = attention_map(att, int(layer), head)
        n_q, n_k = amap.shape
        if not 0 <= query < n_q:
            raise ValueError(f"query must be in 0..{n_q - 1}, got {query}")
        if mode == "lines" and grid is not None and max(n_q, n_k) > MAX_LINE_TOKENS:
            raise ValueError(f"{max(n_q, n_k)} tokens are too many to label in the lines view (at most "
                             f"{MAX_LINE_TOKENS}): the patches view shows this query's attention")
        row = amap[query]
        segments, alphas, widths = row_lines(row, query, n_q)
        best = int(row.argmax())
        head_label = "average over heads" if head == "mean" else f"head {head}"
        data: dict[str, Any] = {
            "map": amap, "row": row, "segments": segments, "alphas": alphas, "widths": widths,
            "layer": int(layer), "head": head, "query": int(query), "argmax": best, "mode": mode,
            "tokens_q": tq, "tokens_k": tk, "head_label": head_label,
            "status": (f"layer {layer}, {head_label}: query ‘{tq[query]}’ attends most to ‘{tk[best]}’ "
                       f"(weight {row[best]:.2f}); its row sums to {row.sum():.3f}"),
        }
        if mode == "patches":
            if grid is None:
                raise ValueError("this attention has no patch grid: make_attention_viewer(..., grid=(rows, columns))")
            img = state["image"]
            data["patch_map"] = patch_attention_map(row, grid, img.shape[:2] if img is not None else None)
            n_patches = grid[0] * grid[1]
            cls = n_q == n_patches + 1
            data["query_patch"] = None if (cls and query == 0) or n_q not in (n_patches, n_patches + 1) \
                else divmod(query - int(cls), grid[1])
        return data

    def _draw(self, d: dict[str, Any]) -> None:
        patches = d["mode"] == "patches"
        if self._static_changed((self._generation, patches)):
            self.ax_lines.set_visible(not patches)
            self.ax_patch.set_visible(patches)
        amap, q = d["map"], d["query"]
        n_q, n_k = amap.shape
        self.im_heat.set_data(amap)
        self.im_heat.set_clim(0.0, max(float(amap.max()), 1e-12))
        self.heat_row.set_bounds(-0.5, q - 0.5, n_k, 1)
        self.heat_title.set_text(f"layer {d['layer']}, {d['head_label']}")
        for artist in (self.lines, self.key_dots, self.query_dot, self.query_band, self.lines_title):
            artist.set_visible(not patches)
        for artist in (self.im_overlay, self.patch_box, self.patch_title):
            artist.set_visible(patches)
        if patches:
            pmap = d["patch_map"]
            self.im_overlay.set_data(pmap)
            self.im_overlay.set_clim(0.0, max(float(pmap.max()), 1e-12))
            qp = d["query_patch"]
            self.patch_box.set_visible(qp is not None)
            if qp is not None:
                gh, gw = self._state["grid"]
                h, w = pmap.shape
                self.patch_box.set_bounds(qp[1] * w / gw - 0.5, qp[0] * h / gh - 0.5, w / gw, h / gh)
            self.patch_title.set_text(f"attention of ‘{d['tokens_q'][q]}’ over the patches")
            return
        colors = np.zeros((n_k, 4))
        colors[:, :3] = (0.0, 0.447, 0.698)
        colors[:, 3] = d["alphas"]
        self.lines.set_segments(d["segments"])
        self.lines.set_color(colors)
        self.lines.set_linewidths(np.maximum(d["widths"], 0.3))
        self.key_dots.set_offsets(d["segments"][:, 1, :])
        self.key_dots.set_sizes(60 * d["alphas"])
        yq = d["segments"][0, 0, 1]
        self.query_dot.set_data([0.0], [yq])
        self.query_band.set_y(yq - self.query_band.get_height() / 2)
        self.lines_title.set_text(f"‘{d['tokens_q'][q]}’ → keys")


def make_attention_viewer(attention: Any, tokens_q: Any = None, tokens_k: Any = None, *,
                          grid: tuple[int, int] | None = None, image: Any = None,
                          renormalise: bool = False) -> AttentionViewer:
    """The attention map viewer of 07_attention_transformers.

    ``attention``: (layers, heads, queries, keys), (heads, queries, keys) or (queries,
    keys) weights (see :func:`normalise_attention`). ``tokens_q`` / ``tokens_k`` label
    the rows / columns (a list, or a string split on spaces; ``tokens_k`` defaults to
    ``tokens_q`` for self-attention). For a vision transformer pass ``grid=(rows,
    columns)`` of patches (keys: one per patch, optionally after a class token) and
    optionally the ``image``: the "patches" view overlays the chosen query's attention.
    Bad input shows a message instead of raising; ``viewer.load(...)`` loads new data.

    Defined in 07_attention_transformers.
    """
    return AttentionViewer(attention, tokens_q, tokens_k, grid, image, renormalise)
