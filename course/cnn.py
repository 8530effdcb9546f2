"""The convolutional-network lecture's helpers: parameter counts, the lecture CNN, its data and figures.

The lecture argues with numbers (how many weights a dense layer on an image
needs, how far a stack of convolutions sees), trains one small CNN on the
handwritten digits and one on synthetic galaxy images, and then looks inside:
learned filters and feature maps. Those pieces live here so the notebook and
``bench/bench_cnn.py`` train exactly the same network the same way.

The lecture's exercises (output size, convolution, max pooling, a CNN of the
student's own) are written by the students and checked against TensorFlow, never
against this module.

Importing this module does not import TensorFlow; the functions that need Keras
import it when called.

Defined in 05_convolutional_networks.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course import data

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import keras

    from course.device import Profile

__all__ = [
    "LEARNING_RATE",
    "dense_params",
    "conv2d_params",
    "receptive_field",
    "locally_connected_params",
    "locally_connected2d",
    "IMAGE_TASKS",
    "build_task_model",
    "build_lecture_cnn",
    "layer_table",
    "digits_split",
    "digits_schedule",
    "galaxy_split",
    "fit_classifier",
    "fit_digits",
    "train_digits_cnn",
    "feature_maps",
    "show_images",
    "plot_filter_bank",
    "plot_shift_equivariance",
    "plot_learned_filters",
    "plot_feature_maps",
]

#: Adam's step size for every CNN of the lecture: 10x Keras's default, because the
#: networks and data sets are small and a CPU run has only a few hundred steps.
LEARNING_RATE = 1e-2


# --------------------------------------------------------------------- counting


def dense_params(n_inputs: int, units: int) -> int:
    """Weights and biases of a dense layer: ``n_inputs * units + units``.

    Fed a flattened ``H x W x C`` image, ``n_inputs = H * W * C``: the reason an
    MLP does not scale to images.

    Defined in 05_convolutional_networks.
    """
    for name, v in (("n_inputs", n_inputs), ("units", units)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(n_inputs) * int(units) + int(units)


def conv2d_params(kernel_size: int | tuple[int, int], in_channels: int, filters: int) -> int:
    """Weights and biases of a Conv2D layer: ``k_h * k_w * in_channels * filters + filters``.

    Independent of the image size: the same small kernels slide over every position
    (weight sharing).

    Defined in 05_convolutional_networks.
    """
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else tuple(kernel_size)
    for name, v in (("kernel height", kh), ("kernel width", kw), ("in_channels", in_channels), ("filters", filters)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(kh) * int(kw) * int(in_channels) * int(filters) + int(filters)


def receptive_field(layers: Sequence[tuple[int, int]]) -> int:
    """How many input pixels (along one axis) one output pixel of a stack of layers sees.

    ``layers`` lists ``(kernel_size, stride)`` per layer, input first (a 2x2 pooling
    is ``(2, 2)``). Each layer widens the field by ``(k - 1)`` times the product of
    the strides before it: ``r = 1 + sum_l (k_l - 1) * prod_{j<l} s_j``.

    Defined in 05_convolutional_networks.
    """
    r, jump = 1, 1
    for k, s in layers:
        if k < 1 or s < 1:
            raise ValueError(f"kernel size and stride must be >= 1, got ({k}, {s})")
        r += (k - 1) * jump
        jump *= s
    return r


def locally_connected_params(height: int, width: int, kernel_size: int | tuple[int, int], in_channels: int,
                             filters: int, stride: int = 1) -> int:
    """Weights and biases of a *locally connected* layer ("valid" padding): a convolution without weight sharing.

    Every one of the ``o_h x o_w`` output positions has its own ``k_h x k_w x in_channels x
    filters`` kernel and its own ``filters`` biases, so the count is ``o_h * o_w`` times
    :func:`conv2d_params`, with ``o = (n - k) // stride + 1`` per axis: it grows with the image.

    Defined in 05_convolutional_networks.
    """
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else tuple(kernel_size)
    for name, v in (("height", height), ("width", width), ("stride", stride)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if kh > height or kw > width:
        raise ValueError(f"the {kh}x{kw} kernel does not fit in a {height}x{width} input")
    oh, ow = (height - kh) // stride + 1, (width - kw) // stride + 1
    return oh * ow * conv2d_params((kh, kw), in_channels, filters)


def locally_connected2d(x: np.ndarray, kernels: np.ndarray, bias: np.ndarray, stride: int = 1) -> np.ndarray:
    """A locally connected layer ("valid" padding, no activation): each output position has its own kernel.

    ``x`` is ``(H, W, C_in)``; ``kernels`` is ``(o_h, o_w, k_h, k_w, C_in, C_out)``, one kernel per
    output position; ``bias`` is ``(o_h, o_w, C_out)``. Output ``(o_h, o_w, C_out)``:
    ``out[i, j, f] = bias[i, j, f] + sum over the window at (i s, j s) of x * kernels[i, j, ..., f]``.
    With the same kernel and bias at every position it is a convolution layer: weight sharing is
    exactly that constraint.

    Defined in 05_convolutional_networks.
    """
    x = np.asarray(x, dtype=float)
    kernels = np.asarray(kernels, dtype=float)
    bias = np.asarray(bias, dtype=float)
    if x.ndim != 3 or kernels.ndim != 6:
        raise ValueError(f"x must be (H, W, C_in) and kernels (o_h, o_w, k_h, k_w, C_in, C_out), "
                         f"got {x.shape} and {kernels.shape}")
    oh, ow, kh, kw, cin, cout = kernels.shape
    if cin != x.shape[2]:
        raise ValueError(f"the kernels expect {cin} input channels, the input has {x.shape[2]}")
    if ((x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1) != (oh, ow):
        raise ValueError(f"a {x.shape[0]}x{x.shape[1]} input with {kh}x{kw} kernels and stride {stride} has "
                         f"{(x.shape[0] - kh) // stride + 1}x{(x.shape[1] - kw) // stride + 1} output positions, "
                         f"but kernels are given for {oh}x{ow}")
    if bias.shape != (oh, ow, cout):
        raise ValueError(f"bias must have shape {(oh, ow, cout)}, got {bias.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(0, 1))[::stride, ::stride]
    # windows: (o_h, o_w, C_in, k_h, k_w)
    return np.einsum("ijcmn,ijmncf->ijf", windows, kernels) + bias


#: The image tasks of :func:`build_task_model`, in the order the lecture presents them.
IMAGE_TASKS = ("classification", "detection", "rotated detection", "segmentation", "denoising",
               "pansharpening", "forecasting")


def build_task_model(task: str, height: int, width: int, bands: int, *, classes: int = 10, ratio: int = 4,
                     steps: int = 6, boxes: int = 2, filters: int = 16) -> "keras.Model":
    """A small, untrained CNN whose input and output have the shapes of one image task.

    For an ``height x width`` image with ``bands`` channels:

    - ``"classification"``: -> ``(classes,)`` probabilities (global average pooling, dense softmax);
    - ``"detection"`` / ``"rotated detection"``: three stride-2 convolutions, then per cell of the
      ``height/8 x width/8`` grid ``boxes`` boxes of 4 numbers (x, y, w, h), 5 with the angle,
      plus a confidence each, and ``classes`` class scores: ``(h/8, w/8, boxes*(4+1)+classes)``;
    - ``"segmentation"``: -> ``(height, width, classes)``, a softmax per pixel;
    - ``"denoising"``: -> ``(height, width, bands)``, the same shape as the input;
    - ``"pansharpening"``: two inputs, ``(height, width, bands)`` multispectral and
      ``(ratio*height, ratio*width, 1)`` panchromatic -> ``(ratio*height, ratio*width, bands)``;
    - ``"forecasting"``: ``(height, width, bands, steps)`` past images -> ``(height, width, bands)``,
      the next one (the steps are stacked as channels, then convolved).

    Every convolution but the last uses "same" padding and ReLU. Defined in 05_convolutional_networks.
    """
    import keras

    if task not in IMAGE_TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {IMAGE_TASKS}")
    conv = lambda n, **kw: keras.layers.Conv2D(n, 3, padding="same", activation="relu", **kw)  # noqa: E731
    name = task.replace(" ", "_")
    if task == "pansharpening":
        ms = keras.Input((height, width, bands), name="multispectral")
        pan = keras.Input((ratio * height, ratio * width, 1), name="panchromatic")
        up = keras.layers.UpSampling2D(ratio, interpolation="bilinear")(ms)
        h = conv(filters)(keras.layers.Concatenate()([up, pan]))
        out = keras.layers.Conv2D(bands, 1, name="sharpened")(conv(filters)(h))
        return keras.Model([ms, pan], out, name=name)
    if task == "forecasting":
        past = keras.Input((height, width, bands, steps), name="past_images")
        h = keras.layers.Reshape((height, width, bands * steps))(past)
        out = keras.layers.Conv2D(bands, 1, name="next_image")(conv(filters)(conv(filters)(h)))
        return keras.Model(past, out, name=name)
    image = keras.Input((height, width, bands), name="image")
    if task == "classification":
        h = keras.layers.MaxPooling2D(2)(conv(filters)(image))
        h = keras.layers.GlobalAveragePooling2D()(conv(2 * filters)(h))
        out = keras.layers.Dense(classes, activation="softmax", name="class_probabilities")(h)
    elif task in ("detection", "rotated detection"):
        h = image
        for k in range(3):
            h = conv(filters * 2 ** k, strides=2)(h)
        per_box = (5 if task == "rotated detection" else 4) + 1
        out = keras.layers.Conv2D(boxes * per_box + classes, 1, name="boxes_and_classes")(h)
    elif task == "segmentation":
        out = keras.layers.Conv2D(classes, 1, activation="softmax", name="class_per_pixel")(conv(filters)(conv(filters)(image)))
    else:  # denoising
        out = keras.layers.Conv2D(bands, 1, name="clean_image")(conv(filters)(conv(filters)(image)))
    return keras.Model(image, out, name=name)


# ------------------------------------------------------------------------ model


def build_lecture_cnn(
    input_shape: tuple[int, int, int],
    n_classes: int,
    filters: Sequence[int] = (16, 32),
    kernel_size: int = 3,
) -> "keras.Model":
    """The lecture's CNN: [Conv2D(f, 3x3, same, ReLU) -> MaxPool 2x2] per ``f``, Flatten, Dense softmax.

    The last layer computes in float32 (``dtype="float32"``), so the softmax stays
    accurate when ``device.setup()`` chose a mixed-precision policy on a GPU. Layers
    are named ``conv1``, ``pool1``, ``conv2``, ... and ``probabilities``.

    Defined in 05_convolutional_networks.
    """
    import keras

    layers: list[Any] = [keras.Input(shape=tuple(input_shape), name="image")]
    for i, f in enumerate(filters, start=1):
        layers.append(keras.layers.Conv2D(f, kernel_size, padding="same", activation="relu", name=f"conv{i}"))
        layers.append(keras.layers.MaxPooling2D(2, name=f"pool{i}"))
    layers.append(keras.layers.Flatten(name="flatten"))
    layers.append(keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities"))
    return keras.Sequential(layers, name="lecture_cnn")


def layer_table(model: "keras.Model") -> str:
    """One line per layer: name, kind, output shape and parameter count, then the total.

    A plain-text ``model.summary()`` that prints the same in every front end.

    Defined in 05_convolutional_networks.
    """
    rows = [("layer", "kind", "output shape", "parameters")]
    for layer in model.layers:
        shape = tuple(layer.output.shape)
        rows.append((layer.name, type(layer).__name__, str(shape).replace("None", "batch"), f"{layer.count_params():,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}" for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append(f"total parameters: {model.count_params():,}")
    return "\n".join(lines)


# ------------------------------------------------------------------------- data


def digits_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 digits as ``(x_train, y_train, x_test, y_test)``, ready for a CNN.

    Images are float32 in [0, 1] with a channel axis, ``(n, 8, 8, 1)``; a stratified
    75 / 25 split (1 347 / 450 images) fixed by ``seed``.

    Defined in 05_convolutional_networks.
    """
    from sklearn.model_selection import train_test_split

    images, labels = data.digit_images()
    x = (images / 16.0).astype(np.float32)[..., None]
    x_train, x_test, y_train, y_test = train_test_split(
        x, labels, test_size=0.25, random_state=seed, stratify=labels)
    return x_train, y_train, x_test, y_test


def digits_schedule(profile: "Profile") -> tuple[int, int]:
    """``(epochs, batch_size)`` for the digits: ``2 x profile.epochs`` epochs of ``profile.batch_size``.

    The data set is the same 1 347 images on every machine, so the profile sets
    how long to train (10 epochs of 64 on the CPU profile, 40 of 256 on the GPU
    one: about 220 and 240 updates), not how much data there is.

    Defined in 05_convolutional_networks.
    """
    return 2 * profile.epochs, profile.batch_size


def galaxy_split(n_train: int, n_test: int, size: int = 32, seed: int = 0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Disc- vs bulge-dominated galaxies as ``(x_train, y_train, x_test, y_test)``.

    Drawn with :func:`course.data.galaxy_images` (train with ``seed``, test with
    ``seed + 1``, so no image is in both), float32 ``(n, size, size, 1)`` in [0, 1].

    Defined in 05_convolutional_networks.
    """
    x_train, y_train = data.galaxy_images(n_train, size, seed=seed)
    x_test, y_test = data.galaxy_images(n_test, size, seed=seed + 1)
    return x_train[..., None], y_train, x_test[..., None], y_test


# --------------------------------------------------------------------- training


def fit_classifier(
    model: "keras.Model",
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float = LEARNING_RATE,
    curves: bool = True,
) -> tuple[dict[str, list[float]], float, float]:
    """Compile (Adam, sparse categorical cross-entropy), fit quietly, evaluate on the test set.

    Returns ``(history, test_accuracy, train_seconds)``: the per-epoch metrics
    (``loss``, ``accuracy``, and with ``curves`` also ``val_loss``, ``val_accuracy``
    measured on the test set after each epoch, for learning curves only: nothing is
    chosen with them), the final test accuracy, and the wall-clock seconds ``fit`` took.

    Defined in 05_convolutional_networks.
    """
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_data=(x_test, y_test) if curves else None, verbose=0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}, float(accuracy), seconds


def fit_digits(model: "keras.Model", profile: "Profile", seed: int = 0, *, curves: bool = True
               ) -> tuple[dict[str, list[float]], float, float]:
    """Train ``model`` on :func:`digits_split` with :func:`digits_schedule`; see :func:`fit_classifier`.

    Seed Keras (``keras.utils.set_random_seed``) *before* building the model if the
    run should repeat exactly.

    Defined in 05_convolutional_networks.
    """
    epochs, batch_size = digits_schedule(profile)
    return fit_classifier(model, *digits_split(seed), epochs=epochs, batch_size=batch_size, curves=curves)


def train_digits_cnn(profile: "Profile") -> tuple["keras.Model", dict[str, list[float]], float, float]:
    """Build the lecture CNN for the 8x8 digits and train it: ``(model, history, test_accuracy, seconds)``.

    Seeds Keras with ``profile.seed`` first, so the same profile gives the same
    network. Used by the lecture and by ``bench/bench_cnn.py``.

    Defined in 05_convolutional_networks.
    """
    import keras

    keras.utils.set_random_seed(profile.seed)
    model = build_lecture_cnn((8, 8, 1), 10)
    history, accuracy, seconds = fit_digits(model, profile, seed=profile.seed)
    return model, history, accuracy, seconds


# ---------------------------------------------------------------- looking inside


def feature_maps(model: "keras.Model", image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """What each convolution and pooling layer of ``model`` outputs for one image.

    ``image`` is ``(H, W)`` or ``(H, W, C)``; returns ``[(layer name, (h, w, filters)
    float32 array), ...]`` in layer order.

    Defined in 05_convolutional_networks.
    """
    import keras

    x = np.asarray(image, dtype=np.float32)
    if x.ndim == 2:
        x = x[..., None]
    chosen = [layer for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D,
                                                                    keras.layers.AveragePooling2D))]
    if not chosen:
        raise ValueError("the model has no Conv2D or pooling layer")
    probe = keras.Model(inputs=model.inputs[0], outputs=[layer.output for layer in chosen])
    outputs = probe(x[None], training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [(layer.name, np.asarray(keras.ops.convert_to_numpy(out)[0]).astype(np.float32))
            for layer, out in zip(chosen, outputs)]


def _grid(n: int, ncols: int, panel: float = 1.3) -> tuple[Figure, np.ndarray]:
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel * ncols, 1.2 * panel * nrows + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    return fig, axes


def show_images(
    images: np.ndarray,
    labels: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    *,
    n: int = 10,
    ncols: int = 10,
    title: str | None = None,
) -> Figure:
    """The first ``n`` images in a grid, each titled with its label (or class name).

    Defined in 05_convolutional_networks.
    """
    images = np.asarray(images)
    n = min(n, len(images))
    fig, axes = _grid(n, min(ncols, n))
    for k, ax in enumerate(axes.ravel()[:n]):
        ax.imshow(np.squeeze(images[k]), cmap="gray", interpolation="nearest")
        if labels is not None:
            label = int(labels[k])
            ax.set_title(class_names[label] if class_names is not None else str(label), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_filter_bank(image: np.ndarray, kernels: Mapping[str, np.ndarray], *, title: str | None = None) -> Figure:
    """The image and the image filtered (cross-correlated, "same" padding) by each kernel.

    Each panel is titled with the kernel's name and the sum of its weights (1 keeps
    the brightness of flat regions, 0 turns them black: an edge detector).

    Defined in 05_convolutional_networks.
    """
    from course.widgets.convolution import conv2d

    fig, axes = plt.subplots(1, len(kernels) + 1, figsize=(3.0 * (len(kernels) + 1), 3.3))
    axes[0].imshow(image, cmap="gray", interpolation="nearest")
    axes[0].set_title("input")
    for ax, (name, kernel) in zip(axes[1:], kernels.items()):
        ax.imshow(conv2d(image, kernel, padding="same"), cmap="gray", interpolation="nearest")
        ax.set_title(f"{name} (weights sum to {float(np.sum(kernel)):g})", fontsize=10)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_shift_equivariance(image: np.ndarray, kernel: np.ndarray, shift: tuple[int, int] = (1, 2)) -> Figure:
    """Equivariance in one figure: shift the input and the feature map shifts the same way.

    Top row: the image, its feature map, the 2x2 max-pooled map. Bottom row: the
    same for the image shifted by ``shift`` pixels (down, right) with ``np.roll``.
    The image should have a dark border so the roll does not wrap content around.

    Defined in 05_convolutional_networks.
    """
    from course.widgets.convolution import conv2d, pool2d

    shifted = np.roll(np.asarray(image, dtype=float), shift, axis=(0, 1))
    rows = []
    for img in (np.asarray(image, dtype=float), shifted):
        fmap = conv2d(img, kernel, padding="same")
        rows.append((img, fmap, pool2d(fmap, 2)))
    fig, axes = plt.subplots(2, 3, figsize=(8.0, 5.4))
    titles = (("input", "feature map", "after 2x2 max pooling"),
              (f"shifted by {tuple(shift)}", "feature map", "after 2x2 max pooling"))
    for col in range(3):  # one colour scale per column, so equal values look equal
        lo = min(float(r[col].min()) for r in rows)
        hi = max(float(r[col].max()) for r in rows)
        for row in range(2):
            ax = axes[row, col]
            ax.imshow(rows[row][col], cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
            ax.set_title(titles[row][col], fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_learned_filters(model: "keras.Model", layer: str | None = None) -> Figure:
    """The kernels of a Conv2D layer (default: the first) as small images, channel 0.

    Defined in 05_convolutional_networks.
    """
    import keras

    convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
    if not convs:
        raise ValueError("the model has no Conv2D layer")
    conv = convs[0] if layer is None else model.get_layer(layer)
    kernel = np.asarray(conv.kernel.numpy(), dtype=np.float32)  # (kh, kw, in, filters)
    n = kernel.shape[-1]
    fig, axes = _grid(n, min(8, n), panel=1.2)
    for f, ax in enumerate(axes.ravel()[:n]):
        w = kernel[:, :, 0, f]
        m = max(float(np.abs(w).max()), 1e-12)
        ax.imshow(w, cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
        ax.set_title(f"filter {f}", fontsize=8)
    fig.suptitle(f"{conv.name}: {n} learned {kernel.shape[0]}x{kernel.shape[1]} kernels (red +, blue -)")
    fig.tight_layout()
    return fig


def plot_feature_maps(model: "keras.Model", image: np.ndarray, *, n_maps: int = 8) -> Figure:
    """The input and the first ``n_maps`` feature maps of every conv/pool layer, one row per layer.

    Defined in 05_convolutional_networks.
    """
    maps = feature_maps(model, image)
    ncols = n_maps + 1
    fig, axes = plt.subplots(len(maps), ncols, figsize=(1.25 * ncols, 1.35 * len(maps) + 0.2), squeeze=False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    for row, (name, fmap) in enumerate(maps):
        if row == 0:
            axes[row, 0].imshow(np.squeeze(image), cmap="gray", interpolation="nearest")
            axes[row, 0].set_title("input", fontsize=8)
        else:
            axes[row, 0].axis("off")
        axes[row, 1].set_ylabel(f"{name}\n{fmap.shape[0]}x{fmap.shape[1]}", fontsize=8)
        for k in range(n_maps):
            ax = axes[row, k + 1]
            if k < fmap.shape[-1]:
                ax.imshow(fmap[:, :, k], cmap="viridis", interpolation="nearest")
                if row == 0:
                    ax.set_title(f"map {k}", fontsize=8)
            else:
                ax.axis("off")
    fig.tight_layout()
    return fig
