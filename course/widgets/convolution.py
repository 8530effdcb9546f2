"""The convolution slider: slide a 3x3 kernel over an image, see each product, sum and feature map.

The maths lives in plain functions (:func:`conv2d`, :func:`output_size`,
:func:`same_padding`, :func:`window_products`, :func:`pool2d`,
:func:`parse_kernel`, :func:`flip_kernel`, :data:`KERNELS`) that match
TensorFlow's ``tf.nn.conv2d`` / ``tf.nn.max_pool2d`` exactly, padding included;
:func:`make_convolution_slider` wraps them in a widget.

Defined in 05_convolutional_networks.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from course.widgets._base import BlittedFigureWidget
from course.widgets._text import PathLabels, contrasting_text

__all__ = [
    "KERNELS",
    "LECTURE_IMAGE",
    "LECTURE_KERNEL",
    "IMAGE_SOURCES",
    "conv2d",
    "flip_kernel",
    "format_kernel",
    "make_convolution_slider",
    "output_size",
    "pad_image",
    "parse_kernel",
    "pool2d",
    "same_padding",
    "window_products",
]

#: The lecture's worked example: a 5x5 binary image ...
LECTURE_IMAGE = np.array(
    [[1, 1, 1, 0, 0],
     [0, 1, 1, 1, 0],
     [0, 0, 1, 1, 1],
     [0, 0, 1, 1, 0],
     [0, 1, 1, 0, 0]], dtype=float)
#: ... and its 3x3 "X" filter: the first output pixel is 4, the valid output [[4,3,4],[2,4,3],[2,3,4]].
LECTURE_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)

#: Classic 3x3 image filters (all written as cross-correlation kernels, the way CNNs use them).
KERNELS: dict[str, np.ndarray] = {
    "lecture X filter": LECTURE_KERNEL,
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "box blur": np.full((3, 3), 1 / 9),
    "Gaussian blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=float) / 16,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "edge": np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float),
    "strong edge": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),
    "Sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "Sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
}


# --------------------------------------------------------------------------- maths


def _as_image(image: Any, what: str = "image") -> np.ndarray:
    arr = np.asarray(image, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"the {what} must be a 2-D array (height, width), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"the {what} is empty (shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"the {what} contains NaN or infinite values")
    return arr


def _check_stride(stride: Any) -> int:
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride must be a positive integer (1 moves the kernel one pixel at a time), got {stride!r}")
    return int(stride)


def output_size(n: int, k: int, stride: int = 1, pad: int = 0) -> int:
    """Output length along one axis: ``floor((n - k + 2 pad) / stride) + 1``.

    ``n`` input pixels, kernel (or pooling window) ``k``, ``pad`` zeros on each side.
    For TensorFlow's "same" padding the total padding can be odd (see :func:`same_padding`).

    Defined in 05_convolutional_networks.
    """
    stride = _check_stride(stride)
    if k < 1:
        raise ValueError(f"kernel size must be at least 1, got {k}")
    if pad < 0:
        raise ValueError(f"padding must be >= 0, got {pad}")
    if n + 2 * pad < k:
        raise ValueError(f"the kernel ({k} pixels) is bigger than the padded input "
                         f"({n} + 2x{pad} = {n + 2 * pad} pixels)")
    return (n - k + 2 * pad) // stride + 1


def same_padding(n: int, k: int, stride: int = 1) -> tuple[int, int]:
    """Zeros (before, after) that TensorFlow's ``padding="SAME"`` adds along one axis.

    The output has ``ceil(n / stride)`` pixels; the total padding needed for that is
    split in two and, when it is odd, the extra zero goes *after* (bottom / right).

    Defined in 05_convolutional_networks.
    """
    stride = _check_stride(stride)
    out = -(-n // stride)
    total = max((out - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def _pads(shape: tuple[int, int], kshape: tuple[int, int], stride: int,
          padding: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) zeros for ``padding`` = "valid", "same" or an int."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0), (0, 0)
        if mode == "same":
            return same_padding(shape[0], kshape[0], stride), same_padding(shape[1], kshape[1], stride)
        raise ValueError(f'padding must be "valid", "same" or a number of zeros, got {padding!r}')
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f'padding must be "valid", "same" or a number of zeros >= 0, got {padding!r}')
    p = int(padding)
    return (p, p), (p, p)


def pad_image(image: Any, kernel_shape: tuple[int, int], stride: int = 1,
              padding: Any = "valid") -> tuple[np.ndarray, tuple[int, int]]:
    """The zero-padded image and the (top, left) padding, for ``padding`` = "valid", "same" or an int.

    Defined in 05_convolutional_networks.
    """
    img = _as_image(image)
    stride = _check_stride(stride)
    (top, bottom), (left, right) = _pads(img.shape, kernel_shape, stride, padding)
    return np.pad(img, ((top, bottom), (left, right))), (top, left)


def flip_kernel(kernel: Any) -> np.ndarray:
    """The kernel rotated by 180 degrees: turns cross-correlation into true convolution.

    ``conv2d(image, flip_kernel(k))`` is the mathematicians' convolution of the image
    with ``k`` (what ``scipy.signal.convolve2d`` computes). Symmetric kernels (blur,
    sharpen, edge) are unchanged; Sobel x changes sign.

    Defined in 05_convolutional_networks.
    """
    return _as_image(kernel, "kernel")[::-1, ::-1].copy()


def conv2d(image: Any, kernel: Any, stride: int = 1, padding: Any = "valid") -> np.ndarray:
    """Slide ``kernel`` over ``image``: each output pixel is sum(window * kernel).

    Strictly this is *cross-correlation*: true convolution flips the kernel first
    (``out[i, j] = sum image[i - m, j - n] k[m, n]``). Deep-learning frameworks
    (``tf.nn.conv2d``, Keras ``Conv2D``, PyTorch) skip the flip, because the kernel is
    learned anyway -- a network would just learn the flipped kernel. We follow them;
    :func:`flip_kernel` gives the true convolution.

    ``padding``: "valid" (no zeros; output shrinks by k - 1), "same" (TensorFlow's:
    ``ceil(n / stride)`` outputs, extra zero on the bottom/right when the padding is
    odd) or an int (that many zeros on every side). ``stride`` moves the kernel that
    many pixels at a time. Matches ``tf.nn.conv2d`` on a single channel.

    Defined in 05_convolutional_networks.
    """
    k = _as_image(kernel, "kernel")
    stride = _check_stride(stride)
    padded, _ = pad_image(image, k.shape, stride, padding)
    for axis, name in ((0, "height"), (1, "width")):
        if padded.shape[axis] < k.shape[axis]:
            raise ValueError(f"the kernel ({k.shape[0]}x{k.shape[1]}) is bigger than the padded image "
                             f"({padded.shape[0]}x{padded.shape[1]}) in {name}: use a smaller kernel or more padding")
    windows = np.lib.stride_tricks.sliding_window_view(padded, k.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, k)


def window_products(image: Any, kernel: Any, i: int, j: int, stride: int = 1,
                    padding: Any = "valid") -> tuple[np.ndarray, np.ndarray, float]:
    """For output pixel (i, j): the input window under the kernel, window * kernel, and its sum.

    The sum is exactly ``conv2d(image, kernel, stride, padding)[i, j]``; the window
    is taken from the zero-padded image, so "same" padding shows its zeros.

    Defined in 05_convolutional_networks.
    """
    k = _as_image(kernel, "kernel")
    out = conv2d(image, k, stride, padding)
    if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
        raise ValueError(f"output pixel ({i}, {j}) is outside the {out.shape[0]}x{out.shape[1]} feature map")
    padded, _ = pad_image(image, k.shape, stride, padding)
    r, c = i * stride, j * stride
    window = padded[r:r + k.shape[0], c:c + k.shape[1]].copy()
    products = window * k
    return window, products, float(products.sum())


def pool2d(x: Any, size: int = 2, stride: int | None = None, mode: str = "max") -> np.ndarray:
    """Max or average pooling with "valid" padding, like ``tf.nn.max_pool2d`` / ``avg_pool2d``.

    Each output pixel summarises a ``size x size`` window; ``stride`` defaults to
    ``size`` (windows side by side). ``mode`` is "max" or "average" ("avg").

    Defined in 05_convolutional_networks.
    """
    arr = _as_image(x, "feature map")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"pool size must be a positive integer, got {size!r}")
    stride = _check_stride(size if stride is None else stride)
    if arr.shape[0] < size or arr.shape[1] < size:
        raise ValueError(f"the feature map ({arr.shape[0]}x{arr.shape[1]}) is smaller than "
                         f"the {size}x{size} pooling window")
    windows = np.lib.stride_tricks.sliding_window_view(arr, (size, size))[::stride, ::stride]
    if mode == "max":
        return windows.max(axis=(2, 3))
    if mode in ("average", "avg", "mean"):
        return windows.mean(axis=(2, 3))
    raise ValueError(f'pooling mode must be "max" or "average", got {mode!r}')


def parse_kernel(text: str, shape: tuple[int, int] | None = (3, 3)) -> np.ndarray:
    """A kernel typed as text: rows separated by ";" or new lines, numbers by spaces or commas.

    ``"0 -1 0; -1 5 -1; 0 -1 0"`` is the sharpen kernel; fractions such as ``1/9``
    and Python lists (``[[0, -1, 0], ...]``) work too. ``shape`` is the required
    shape (None: any rectangle).

    Defined in 05_convolutional_networks.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError('type the kernel as rows separated by ";", e.g. "0 -1 0; -1 5 -1; 0 -1 0"')
    cleaned = text.replace("],", ";").replace("[", " ").replace("]", " ")
    rows = [row for row in cleaned.replace("\n", ";").split(";") if row.strip()]
    values: list[list[float]] = []
    for row in rows:
        numbers = []
        for token in row.replace(",", " ").split():
            try:
                numbers.append(float(Fraction(token)))
            except (ValueError, ZeroDivisionError):
                raise ValueError(f"cannot read {token!r} as a number in the kernel "
                                 '(write rows like "0 -1 0; -1 5 -1; 0 -1 0"; fractions like 1/9 are fine)') from None
        values.append(numbers)
    lengths = {len(r) for r in values}
    if len(lengths) != 1:
        raise ValueError("every kernel row needs the same number of values, "
                         f"got rows of {[len(r) for r in values]}")
    kernel = np.array(values, dtype=float)
    if shape is not None and kernel.shape != tuple(shape):
        raise ValueError(f"the kernel must be {shape[0]}x{shape[1]}, got {kernel.shape[0]}x{kernel.shape[1]}")
    return kernel


def format_kernel(kernel: np.ndarray) -> str:
    """A kernel as the text :func:`parse_kernel` reads (fractions kept short: 1/9, 1/16).

    Defined in 05_convolutional_networks.
    """
    def fmt(v: float) -> str:
        f = Fraction(float(v)).limit_denominator(256)
        return str(f) if abs(float(f) - v) < 1e-9 else f"{v:g}"
    return "; ".join(" ".join(fmt(v) for v in row) for row in np.asarray(kernel, dtype=float))


# --------------------------------------------------------------------------- widget


def _digit() -> np.ndarray:
    from course.data import digit_images  # scikit-learn import: only when chosen
    images, labels = digit_images()
    return images[int(np.flatnonzero(labels == 3)[0])]


def _galaxy() -> np.ndarray:
    from course.data import galaxy_image
    return galaxy_image(32, seed=0)


def _satellite() -> np.ndarray:
    from course.data import satellite_patch
    return satellite_patch(32, seed=0)


IMAGE_SOURCES: dict[str, Callable[[], np.ndarray]] = {
    "lecture 5x5 example": lambda: LECTURE_IMAGE,
    "handwritten digit 3 (8x8)": _digit,
    "galaxy (32x32)": _galaxy,
    "satellite patch (32x32)": _satellite,
}

PADDINGS = [("valid", "valid"), ("same", "same"), ("zero-pad 1", 1), ("zero-pad 2", 2)]
_MAX_LABELLED = 144  # write the numbers into maps of up to 12x12 pixels (when they fit at a legible size)
#: Sizes in points of the numbers written into the panels: as large as the pixels allow, up to the first, and
#: never smaller than the second (at the figure's 80 dpi, 9 pt draws digits about 7 pixels tall; smaller
#: numbers are left out rather than drawn illegibly).
_LABEL_LARGEST, _LABEL_SMALLEST = 14.0, 9.0
_CUSTOM = "custom (type below)"


def _fmt(v: float) -> str:
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return f"{v:.2g}" if abs(v) < 1 else f"{v:.3g}"


def _pixel_box(ax: Any, h: int, w: int) -> tuple[float, float]:
    """The size in figure pixels of one pixel of an ``h x w`` image drawn (aspect equal) in ``ax``."""
    box = ax.get_position(original=True)
    width, height = ax.figure.get_size_inches() * ax.figure.dpi
    side = min(box.width * width / w, box.height * height / h)
    return side, side


class _Numbers(PathLabels):
    """The value of every pixel written on an image: as large as the pixels allow, black or white,
    whichever contrasts more with the pixel's colour."""

    def __init__(self, ax: Any, im: Any) -> None:
        super().__init__(ax, fontsize=_LABEL_LARGEST)
        self.ax, self.im = ax, im

    def write(self, labels: list[str], arr: np.ndarray) -> None:
        """Write ``labels`` (one per pixel of ``arr``, row by row) on the image, or nothing if they cannot be legible."""
        h, w = arr.shape
        size = self.fit(labels, _pixel_box(self.ax, h, w), largest=_LABEL_LARGEST, smallest=_LABEL_SMALLEST)
        if size is None:
            self.clear()
            return
        self.set_fontsize(size)
        rows, cols = np.divmod(np.arange(h * w), w)
        self.set(labels, np.column_stack([cols, rows]), contrasting_text(self.im.cmap(self.im.norm(arr.ravel()))))

    def show(self, arr: np.ndarray | None) -> None:
        """Label every pixel of ``arr`` with its value (None: no labels)."""
        if arr is None:
            self.clear()
            return
        self.write([_fmt(float(v)) for v in arr.ravel()], arr)


class ConvolutionSlider(BlittedFigureWidget):
    """Input with the kernel window | window x kernel products | feature map | pooled map.

    Defined in 05_convolutional_networks.
    """

    title = "Convolution slider"
    lets_you = "choose the image and the kernel (or type a 3×3 kernel), the stride and the padding, step through the output pixels, and add a 2×2 pooling"

    def __init__(self, images: Mapping[str, Callable[[], np.ndarray]], image: str, kernel: str,
                 stride: int, padding: Any, pool: str) -> None:
        self._sources = dict(images)
        self._cache: dict[str, np.ndarray] = {}
        self._syncing = False
        kernel_text = format_kernel(KERNELS[kernel]) if kernel in KERNELS else "0 -1 0; -1 5 -1; 0 -1 0"
        controls = {
            "image": widgets.Dropdown(options=list(self._sources), value=image, description="image"),
            "kernel": widgets.Dropdown(options=[*KERNELS, _CUSTOM], value=kernel, description="kernel"),
            "custom": widgets.Text(value=kernel_text, description="3x3 kernel", continuous_update=False,
                                   layout=widgets.Layout(width="340px")),
            "stride": widgets.IntSlider(value=stride, min=1, max=4, description="stride"),
            "padding": widgets.Dropdown(options=PADDINGS, value=padding, description="padding"),
            "position": widgets.IntSlider(value=0, min=0, max=8, description="output pixel"),
            # A Dropdown, like "padding": its label sits beside it (ToggleButtons put theirs above the buttons).
            "pool": widgets.Dropdown(options=["max", "average"], value=pool, description="2x2 pool"),
        }
        super().__init__(controls, figsize=(12.0, 3.4), dpi=80,
                         layout_rows=[["image", "kernel", "custom"], ["stride", "padding", "pool"], ["position"]])

    # ------------------------------------------------------------------ figure

    def _setup_figure(self) -> None:
        fig = self.fig
        fig.subplots_adjust(left=0.02, right=0.98, top=0.86, bottom=0.04, wspace=0.12)
        self.ax_in, self.ax_prod, self.ax_out, self.ax_pool = fig.subplots(1, 4)
        for ax in (self.ax_in, self.ax_prod, self.ax_out, self.ax_pool):
            ax.set_xticks([])
            ax.set_yticks([])
        z = np.zeros((3, 3))
        self.im_in = self.ax_in.imshow(z, cmap="gray", interpolation="nearest")
        self.im_prod = self.ax_prod.imshow(z, cmap="RdBu_r", interpolation="nearest")
        self.im_out = self.ax_out.imshow(z, cmap="gray", interpolation="nearest")
        self.im_pool = self.ax_pool.imshow(z, cmap="gray", interpolation="nearest")
        self.border = Rectangle((0, 0), 1, 1, fill=False, ec="#E69F00", ls="--", lw=1.2)
        self.window = Rectangle((0, 0), 1, 1, fill=False, ec="#D55E00", lw=2.5)
        self.cell = Rectangle((0, 0), 1, 1, fill=False, ec="#D55E00", lw=2.5)
        self.pool_cell = Rectangle((0, 0), 1, 1, fill=False, ec="#0072B2", lw=2.0)
        self.pool_cell_src = Rectangle((0, 0), 1, 1, fill=False, ec="#0072B2", lw=1.2, ls=":")
        self.ax_in.add_patch(self.border)
        self.ax_in.add_patch(self.window)
        self.ax_out.add_patch(self.cell)
        self.ax_out.add_patch(self.pool_cell_src)
        self.ax_pool.add_patch(self.pool_cell)
        self.in_numbers = _Numbers(self.ax_in, self.im_in)
        self.out_numbers = _Numbers(self.ax_out, self.im_out)
        self.pool_numbers = _Numbers(self.ax_pool, self.im_pool)
        self.prod_numbers = _Numbers(self.ax_prod, self.im_prod)
        self.pool_note = self.ax_pool.text(0.5, 0.5, "", ha="center", va="center", fontsize=11,
                                           transform=self.ax_pool.transAxes)
        # Moving the kernel only changes these: they are drawn over a cached background (blitting),
        # so dragging "output pixel" costs a few milliseconds instead of a full redraw.
        self._set_animated([self.ax_prod, self.window, self.cell, self.pool_cell_src, self.pool_cell])

    # ------------------------------------------------------------------ events

    def _on_change(self, change: dict) -> None:
        if self._syncing:
            return
        owner = change.get("owner")
        self._syncing = True
        try:
            if owner is self.controls["kernel"] and change["new"] in KERNELS:
                self.controls["custom"].value = format_kernel(KERNELS[change["new"]])
            elif owner is self.controls["custom"]:
                self.controls["kernel"].value = _CUSTOM
        finally:
            self._syncing = False
        self.refresh()

    def _image(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = _as_image(self._sources[name]())
        return self._cache[name]

    # ------------------------------------------------------------------ maths

    def _compute(self, image: str, kernel: str, custom: str, stride: int, padding: Any,
                 position: int, pool: str) -> dict[str, Any]:
        img = self._image(image)
        k = parse_kernel(custom) if kernel == _CUSTOM else KERNELS[kernel]
        out = conv2d(img, k, stride, padding)
        padded, (top, left) = pad_image(img, k.shape, stride, padding)
        n_out = out.size
        pos = min(max(int(position), 0), n_out - 1)
        i, j = divmod(pos, out.shape[1])
        window, products, total = window_products(img, k, i, j, stride, padding)
        try:
            pooled = pool2d(out, 2, 2, pool)
            pool_note = ""
        except ValueError as exc:  # a 1-pixel-wide feature map cannot be pooled: say so in the panel
            pooled, pool_note = np.zeros((0, 0)), str(exc)
        pad_label = padding if isinstance(padding, str) else f"{padding} zero{'s' if padding != 1 else ''}"
        status = (f"output pixel ({i}, {j}) = sum of window x kernel = {_fmt(total)} · "
                  f"{img.shape[0]}x{img.shape[1]} image, stride {stride}, padding {pad_label} → "
                  f"{out.shape[0]}x{out.shape[1]} feature map → {pool} pool "
                  f"{pooled.shape[0]}x{pooled.shape[1]}")
        return {"image": img, "kernel": k, "padded": padded, "pad": (top, left), "output": out,
                "position": pos, "n_positions": n_out, "ij": (i, j), "window": window, "products": products,
                "total": total, "pooled": pooled, "pool_mode": pool, "pool_note": pool_note,
                "stride": stride, "padding": padding, "status": status}

    def refresh(self) -> None:
        super().refresh()
        if not self.error and self.data:
            slider = self.controls["position"]
            self._syncing = True
            try:
                slider.max = max(self.data["n_positions"] - 1, 0)
                slider.value = self.data["position"]
            finally:
                self._syncing = False

    # ------------------------------------------------------------------ drawing

    @staticmethod
    def _show(im: Any, ax: Any, arr: np.ndarray, numbers: "_Numbers", label: bool = True) -> None:
        h, w = arr.shape
        im.set_data(arr)
        im.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        lo, hi = float(arr.min()), float(arr.max())
        if hi <= lo:  # a constant map shows mid-grey
            lo, hi = lo - 1, hi + 1
        im.set_clim(lo, hi)
        numbers.show(arr if label and arr.size <= _MAX_LABELLED else None)

    def _draw(self, d: dict[str, Any]) -> None:
        (i, j), s, k = d["ij"], d["stride"], d["kernel"]
        if self._static_changed((id(d["image"]), k.tobytes(), s, str(d["padding"]), d["pool_mode"])):
            self._draw_static(d)
        # What moves with the kernel (the animated artists, blitted in png()).
        self.window.set_bounds(j * s - 0.5, i * s - 0.5, k.shape[1], k.shape[0])
        self.cell.set_bounds(j - 0.5, i - 0.5, 1, 1)
        prod = d["products"]
        self.im_prod.set_data(prod)
        m = max(float(np.abs(prod).max()), 1e-12)
        self.im_prod.set_clim(-2 * m, 2 * m)  # pale colours: the numbers stay readable
        self.prod_numbers.write([f"{_fmt(w)}×{_fmt(kv)}\n= {_fmt(p)}"
                                 for w, kv, p in zip(d["window"].ravel(), k.ravel(), prod.ravel())], prod)
        self.ax_prod.set_title(f"window × kernel: sum = {_fmt(d['total'])}", fontsize=11)
        pooled = d["pooled"]
        pi, pj = i // 2, j // 2
        inside = pi < pooled.shape[0] and pj < pooled.shape[1]
        self.pool_cell.set_visible(inside)
        self.pool_cell_src.set_visible(inside)
        if inside:
            self.pool_cell.set_bounds(pj - 0.5, pi - 0.5, 1, 1)
            self.pool_cell_src.set_bounds(2 * pj - 0.5, 2 * pi - 0.5, 2, 2)

    def _draw_static(self, d: dict[str, Any]) -> None:
        """The panels that do not move with the kernel: input, feature map, pooled map."""
        img, padded, out, pooled = d["image"], d["padded"], d["output"], d["pooled"]
        top, left = d["pad"]
        padded_shown = padded.shape != img.shape
        self._show(self.im_in, self.ax_in, padded, self.in_numbers)
        self.border.set_bounds(left - 0.5, top - 0.5, img.shape[1], img.shape[0])
        self.border.set_visible(padded_shown)
        self.ax_in.set_title(f"input {img.shape[0]}x{img.shape[1]}" + (" + zero padding" if padded_shown else ""),
                             fontsize=11)
        self._show(self.im_out, self.ax_out, out, self.out_numbers)
        self.ax_out.set_title(f"feature map {out.shape[0]}x{out.shape[1]}", fontsize=11)
        self.im_pool.set_visible(bool(pooled.size))
        self._show(self.im_pool, self.ax_pool, pooled if pooled.size else np.zeros((1, 1)), self.pool_numbers,
                   label=bool(pooled.size))
        self.pool_note.set_text("" if pooled.size else "feature map too small\nfor 2x2 pooling")
        self.ax_pool.set_title(f"{d['pool_mode']} pool 2x2 → {pooled.shape[0]}x{pooled.shape[1]}", fontsize=11)


def make_convolution_slider(image: str = "lecture 5x5 example", kernel: str = "lecture X filter", *,
                            stride: int = 1, padding: str | int = "valid", pool: str = "max",
                            images: Mapping[str, Any] | None = None) -> ConvolutionSlider:
    """The convolution slider of 05_convolutional_networks.

    ``image`` names one of :data:`IMAGE_SOURCES` (or of ``images``: extra name -> 2-D
    array); ``kernel`` one of :data:`KERNELS`; ``padding`` "valid", "same", 1 or 2;
    ``pool`` "max" or "average". Move "output pixel" to slide the kernel; choose
    "custom" (or edit the text box) to type your own 3x3 kernel.

    Defined in 05_convolutional_networks.
    """
    sources: dict[str, Callable[[], np.ndarray]] = dict(IMAGE_SOURCES)
    for name, arr in (images or {}).items():
        sources[name] = (lambda a=arr: np.asarray(a, dtype=float))
    if image not in sources:
        raise ValueError(f"unknown image {image!r}; choose one of {list(sources)}")
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; choose one of {list(KERNELS)}")
    if padding not in [v for _, v in PADDINGS]:
        raise ValueError(f'padding must be one of "valid", "same", 1, 2; got {padding!r}')
    return ConvolutionSlider(sources, image, kernel, stride, padding, pool)
