"""Network playground: a small MLP trained live on 2-D toy datasets, its decision boundary redrawn as it learns.

The notebook version of playground.tensorflow.org. The network is plain NumPy
(forward pass, backpropagation, SGD or Adam, L2 on the weights) in the
functions below, so one epoch plus a redraw takes a few tens of milliseconds
and the numbers can be checked against Keras: the same Glorot-uniform
initialisation, ``binary_crossentropy`` on a sigmoid output, the L2 penalty
``l2 * sum(W**2)`` over every kernel (Keras's ``regularizers.L2``, biases not
penalised), and Keras's SGD and Adam updates.

Defined in 02_neural_networks (used again in 03_training).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import MaxNLocator

from course.widgets._base import BlittedFigureWidget
from course.widgets.activations import activation as _act
from course.widgets.activations import derivative as _dact

__all__ = [
    "DATASETS",
    "HIDDEN_ACTIVATIONS",
    "MAX_LAYERS",
    "MAX_UNITS",
    "BATCH_SIZE",
    "parse_architecture",
    "make_dataset",
    "init_params",
    "forward",
    "predict_proba",
    "loss_and_grads",
    "sgd_update",
    "adam_update",
    "train_epoch",
    "accuracy",
    "make_playground",
    "Playground",
]

DATASETS = ("circle", "xor", "spiral", "blobs")
HIDDEN_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu", "softplus")
MAX_LAYERS = 6      # like playground.tensorflow.org; keeps an epoch + redraw well under 100 ms
MAX_UNITS = 32
BATCH_SIZE = 10
EXTENT = 1.6        # the plotted square is [-EXTENT, EXTENT]^2

Params = list[tuple[np.ndarray, np.ndarray]]


# ------------------------------------------------------------------------------- data


def parse_architecture(text: str) -> tuple[int, ...]:
    """Hidden-layer sizes from text like ``"8, 8"`` (empty: no hidden layer, a logistic regression).

    At most 6 layers of 1..32 neurons. Defined in 02_neural_networks.
    """
    if not isinstance(text, str):
        raise ValueError(f"the hidden layers must be text like '8, 8', got {text!r}")
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if parts == [""]:
        return ()
    sizes = []
    for part in parts:
        if not part.isdigit():
            raise ValueError(
                f"cannot read the hidden layers {text!r}: write neuron counts separated by commas, e.g. '8, 8' "
                f"({part!r} is not a whole number)"
            )
        size = int(part)
        if not 1 <= size <= MAX_UNITS:
            raise ValueError(f"each hidden layer needs 1 to {MAX_UNITS} neurons, got {size} in {text!r}")
        sizes.append(size)
    if len(sizes) > MAX_LAYERS:
        raise ValueError(f"at most {MAX_LAYERS} hidden layers, got {len(sizes)} in {text!r}")
    return tuple(sizes)


def make_dataset(name: str, n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` labelled points in about [-1, 1]^2 for one of :data:`DATASETS`, labels 0/1, half of each.

    circle: a disc (1) inside a ring (0); xor: the sign of x*y; spiral: two
    interleaved arms; blobs: two Gaussian clouds. ``noise`` is the standard
    deviation of Gaussian jitter added to every point. Defined in 02_neural_networks.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    if int(n) != n or n < 2:
        raise ValueError(f"need at least 2 points, got n = {n!r}")
    noise = float(noise)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise:g}")
    rng = np.random.default_rng(seed)
    n = int(n)
    y = np.arange(n) % 2
    if name == "circle":
        r = np.where(y == 1, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
        angle = rng.uniform(0, 2 * np.pi, n)
        X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    elif name == "xor":
        X = rng.uniform(-1, 1, (n, 2))
        X += 0.05 * np.sign(X)  # a small gap along the axes, as in the web playground
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
    elif name == "spiral":
        t = rng.uniform(0.0, 1.0, n)
        angle = 1.75 * t * 2 * np.pi + np.pi * y
        X = np.column_stack([t * np.sin(angle), t * np.cos(angle)])
    else:  # blobs
        centres = np.array([[-0.5, -0.5], [0.5, 0.5]])
        X = centres[y] + rng.normal(0.0, 0.25, (n, 2))
    X = X + rng.normal(0.0, noise, X.shape) if noise > 0 else X
    return X, y.astype(float)


# ------------------------------------------------------------------------------ model


def init_params(sizes: Sequence[int], seed: int = 0) -> Params:
    """Weights ``[(W, b), ...]`` for layer sizes ``[2, h1, ..., 1]``: Glorot-uniform kernels, zero biases (Keras's
    defaults). Defined in 02_neural_networks."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        params.append((rng.uniform(-limit, limit, (fan_in, fan_out)), np.zeros(fan_out)))
    return params


def forward(params: Params, X: np.ndarray, activation: str = "tanh") -> tuple[np.ndarray, list]:
    """Probabilities of class 1 (sigmoid output) for the rows of ``X``, and the cache backprop needs.

    Hidden layers use ``activation``; the cache holds each layer's input and pre-activation.
    Defined in 02_neural_networks.
    """
    a = np.asarray(X, dtype=float)
    cache = []
    for i, (W, b) in enumerate(params):
        z = a @ W + b
        cache.append((a, z))
        a = z if i == len(params) - 1 else _act(activation, z)
    logits = a[:, 0]
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -500, 500))), cache


_BLOCK = 512


def predict_proba(params: Params, X: np.ndarray, activation: str = "tanh") -> np.ndarray:
    """P(class 1 | x) for the rows of ``X``. Defined in 02_neural_networks.

    Evaluated in blocks of 512 rows: the small matrix products stay in cache and
    single-threaded in OpenBLAS, several times faster than one big product on a
    busy 2-core machine (same numbers).
    """
    X = np.asarray(X, dtype=float)
    if len(X) <= _BLOCK:
        return forward(params, X, activation)[0]
    return np.concatenate([forward(params, X[i:i + _BLOCK], activation)[0] for i in range(0, len(X), _BLOCK)])


def _bce(p: np.ndarray, logits: np.ndarray, y: np.ndarray) -> float:
    # from the logits, so that it stays finite when p rounds to 0 or 1
    return float(np.mean(np.logaddexp(0.0, logits) - y * logits))


def loss_and_grads(params: Params, X: np.ndarray, y: np.ndarray, activation: str = "tanh",
                   l2: float = 0.0) -> tuple[float, Params]:
    """Mean binary cross-entropy plus ``l2 * sum(W**2)``, and its gradient for every ``(W, b)`` (backprop).

    Defined in 03_training.
    """
    y = np.asarray(y, dtype=float).reshape(-1)
    p, cache = forward(params, X, activation)
    logits = cache[-1][1][:, 0]
    loss = _bce(p, logits, y) + l2 * sum(float(np.sum(W * W)) for W, _ in params)
    dz = ((p - y) / len(y))[:, None]  # d loss / d logits
    grads: Params = []
    for i in range(len(params) - 1, -1, -1):
        W, _ = params[i]
        a_in, _ = cache[i]
        grads.append((a_in.T @ dz + 2.0 * l2 * W, dz.sum(axis=0)))
        if i > 0:
            dz = (dz @ W.T) * _dact(activation, cache[i - 1][1])
    return loss, grads[::-1]


def sgd_update(params: Params, grads: Params, lr: float) -> Params:
    """One plain SGD step ``w <- w - lr g`` (Keras ``SGD(learning_rate)``). Defined in 03_training."""
    return [(W - lr * gW, b - lr * gb) for (W, b), (gW, gb) in zip(params, grads)]


def adam_update(params: Params, grads: Params, state: dict, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                eps: float = 1e-7) -> Params:
    """One Adam step as Keras computes it; ``state`` (``{}`` at first) keeps the moments and the step count.

    Defined in 03_training.
    """
    if not state:
        state.update(t=0, m=[np.zeros_like(a) for pair in params for a in pair],
                     v=[np.zeros_like(a) for pair in params for a in pair])
    state["t"] += 1
    t = state["t"]
    scale = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    flat = [a for pair in params for a in pair]
    flat_g = [g for pair in grads for g in pair]
    out = []
    for i, (w, g) in enumerate(zip(flat, flat_g)):
        state["m"][i] = state["m"][i] + (g - state["m"][i]) * (1 - beta1)
        state["v"][i] = state["v"][i] + (g * g - state["v"][i]) * (1 - beta2)
        out.append(w - scale * state["m"][i] / (np.sqrt(state["v"][i]) + eps))
    return [(out[2 * i], out[2 * i + 1]) for i in range(len(params))]


def train_epoch(params: Params, X: np.ndarray, y: np.ndarray, *, lr: float, l2: float = 0.0,
                activation: str = "tanh", optimizer: str = "adam", state: dict | None = None,
                batch_size: int = BATCH_SIZE, seed: int = 0) -> Params:
    """One pass over ``(X, y)`` in shuffled mini-batches (shuffle seeded by ``seed``); returns the new weights.

    ``state`` carries Adam's moments between epochs. Defined in 03_training.
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"unknown optimizer {optimizer!r}: choose 'sgd' or 'adam'")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be positive, got {lr:g}")
    if not (math.isfinite(l2) and l2 >= 0):
        raise ValueError(f"the L2 strength must be >= 0, got {l2:g}")
    state = {} if state is None else state
    order = np.random.default_rng(seed).permutation(len(y))
    for start in range(0, len(y), batch_size):
        idx = order[start:start + batch_size]
        _, grads = loss_and_grads(params, X[idx], y[idx], activation, l2)
        params = sgd_update(params, grads, lr) if optimizer == "sgd" else adam_update(params, grads, state, lr)
    return params


def accuracy(params: Params, X: np.ndarray, y: np.ndarray, activation: str = "tanh") -> float:
    """Fraction of points whose predicted class (p > 0.5) is right. Defined in 02_neural_networks."""
    return float(np.mean((predict_proba(params, X, activation) > 0.5) == (np.asarray(y) > 0.5)))


def _mean_loss(params: Params, X: np.ndarray, y: np.ndarray, activation: str) -> float:
    p, cache = forward(params, X, activation)
    return _bce(p, cache[-1][1][:, 0], y)


# ----------------------------------------------------------------------------- widget

# light region colours, so that the points (full colours) stay visible on them
_CMAP = LinearSegmentedColormap.from_list("playground", ["#f2b58c", "#f7f7f7", "#8fbfe0"])
_LOSS_AXIS = (20, 50, 100, 200, 500, 1000, 2000)


class Playground(BlittedFigureWidget):
    """Decision boundary (left) and train/test loss per epoch (right); Play trains. Defined in 02_neural_networks."""

    title = "Network playground"
    lets_you = "choose the dataset and its noise, the hidden layers, the activation, the optimizer, the learning rate and L2, then train step by step"
    grid_size = 60
    n_points = 200  # per split: 200 to train on, 200 to test

    def __init__(self, dataset: str = "circle", hidden: str = "8, 8", seed: int = 0) -> None:
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")
        self.seed = seed
        self._syncing = False
        self._config: tuple | None = None
        wide = {"description_width": "90px"}
        self.play = widgets.Play(value=0, min=0, max=2000, step=1, interval=100)
        self.step_button = widgets.Button(description="Step", tooltip="train one epoch",
                                          layout=widgets.Layout(width="70px"))
        self.reset_button = widgets.Button(description="Reset", tooltip="back to the untrained network",
                                           layout=widgets.Layout(width="70px"))
        controls = {
            "dataset": widgets.Dropdown(options=[("circle", "circle"), ("XOR", "xor"), ("spiral", "spiral"),
                                                 ("Gaussian blobs", "blobs")], value=dataset,
                                        description="dataset", style=wide),
            "noise": widgets.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.05, description="noise", style=wide),
            "hidden": widgets.Text(value=hidden, description="hidden layers", placeholder="e.g. 8, 8",
                                   continuous_update=False, style=wide),
            "activation": widgets.Dropdown(options=list(HIDDEN_ACTIVATIONS), value="tanh",
                                           description="activation", style=wide),
            "optimizer": widgets.ToggleButtons(options=[("SGD", "sgd"), ("Adam", "adam")], value="adam",
                                               description="optimizer",
                                               style={"button_width": "60px", "description_width": "90px"}),
            "lr": widgets.FloatLogSlider(value=0.03, base=10, min=-4, max=0, step=0.1, description="learning rate",
                                         readout_format=".2g", style=wide),
            "l2": widgets.Dropdown(options=[("0", 0.0), ("0.0001", 1e-4), ("0.001", 1e-3), ("0.003", 3e-3),
                                            ("0.01", 1e-2), ("0.03", 3e-2), ("0.1", 0.1)], value=0.0,
                                   description="L2", style=wide),
            "epoch": self.play,
            "step": self.step_button,
            "reset": self.reset_button,
        }
        self.step_button.on_click(self._step)
        self.reset_button.on_click(self._reset)
        super().__init__(controls, figsize=(9.5, 4.0), layout_rows=[
            ["dataset", "noise", "hidden"], ["activation", "optimizer"], ["lr", "l2"], ["epoch", "step", "reset"]])

    # ------------------------------------------------------------------ controls

    def _step(self, _button: Any = None) -> None:
        self.play.value = min(self.play.max, self.play.value + 1)

    def _reset(self, _button: Any = None) -> None:
        self._config = None
        if self.play.value == 0:
            self.refresh()
        else:
            self.play.value = 0

    _RESTARTING = ("dataset", "noise", "hidden", "activation", "optimizer")

    def _on_change(self, change: dict) -> None:
        if self._syncing:
            return
        owner = change.get("owner")
        if any(owner is self.controls[name] for name in self._RESTARTING) and self.play.value != 0:
            self._syncing = True  # new data or a new network: training starts again from epoch 0
            try:
                self.play.value = 0
            finally:
                self._syncing = False
        self.refresh()

    # --------------------------------------------------------------------- model

    def _restart(self, config: tuple) -> None:
        dataset, noise, sizes, _activation, _optimizer = config
        if self._config is None or self._config[:2] != (dataset, noise):
            X, y = make_dataset(dataset, 2 * self.n_points, noise, seed=self.seed)
            self.X_train, self.y_train = X[: self.n_points], y[: self.n_points]
            self.X_test, self.y_test = X[self.n_points:], y[self.n_points:]
        self.params = init_params((2, *sizes, 1), seed=self.seed)
        self.opt_state: dict = {}
        self.epoch = 0
        self.history: list[tuple[float, float]] = []
        self._config = config
        self._record(config[3])

    def _record(self, activation: str) -> None:
        self.history.append((_mean_loss(self.params, self.X_train, self.y_train, activation),
                             _mean_loss(self.params, self.X_test, self.y_test, activation)))

    def _compute(self, dataset: str, noise: float, hidden: str, activation: str, optimizer: str, lr: float,
                 l2: float, epoch: int) -> dict[str, Any]:
        sizes = parse_architecture(hidden)
        config = (dataset, float(noise), sizes, activation, optimizer)
        if config != self._config or epoch < self.epoch:
            self._restart(config)
        while self.epoch < epoch:
            self.params = train_epoch(self.params, self.X_train, self.y_train, lr=lr, l2=l2, activation=activation,
                                      optimizer=optimizer, state=self.opt_state, seed=self.seed * 100003 + self.epoch)
            self.epoch += 1
            self._record(activation)
        grid = np.linspace(-EXTENT, EXTENT, self.grid_size)
        gx, gy = np.meshgrid(grid, grid)
        proba = predict_proba(self.params, np.column_stack([gx.ravel(), gy.ravel()]), activation)
        train_loss, test_loss = self.history[-1]
        train_acc = accuracy(self.params, self.X_train, self.y_train, activation)
        test_acc = accuracy(self.params, self.X_test, self.y_test, activation)
        arch = " → ".join(str(s) for s in (2, *sizes, 1))
        status = (f"epoch {self.epoch} · network {arch} · train loss {train_loss:.3f} · test loss {test_loss:.3f} · "
                  f"test accuracy {100 * test_acc:.1f} %")
        return {"epoch": self.epoch, "sizes": sizes, "grid_proba": proba.reshape(gx.shape),
                "history": np.array(self.history), "train_loss": train_loss, "test_loss": test_loss,
                "train_accuracy": train_acc, "test_accuracy": test_acc, "X_train": self.X_train,
                "y_train": self.y_train, "X_test": self.X_test, "y_test": self.y_test, "status": status}

    # ---------------------------------------------------------------------- view

    def _setup_figure(self) -> None:
        self.ax_map, self.ax_loss = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.9, wspace=0.22)
        self.image_map = self.ax_map.imshow(np.full((2, 2), 0.5), origin="lower", cmap=_CMAP, vmin=0, vmax=1,
                                            extent=(-EXTENT, EXTENT, -EXTENT, EXTENT), interpolation="bilinear")
        colors = np.array(["#D55E00", "#0072B2"])
        self._colors = colors
        self.train_points = self.ax_map.scatter([], [], s=16, edgecolors="k", linewidths=0.5)
        self.test_points = self.ax_map.scatter([], [], s=16, facecolors="white", linewidths=1.2)
        self.ax_map.set_xlim(-EXTENT, EXTENT)
        self.ax_map.set_ylim(-EXTENT, EXTENT)
        self.ax_map.set_title("P(blue): filled dots train, rings test", fontsize=9)
        (self.train_line,) = self.ax_loss.plot([], [], color="k", lw=1.5, label="train loss")
        (self.test_line,) = self.ax_loss.plot([], [], color="#CC79A7", lw=1.5, label="test loss")
        self.ax_loss.set_xlabel("epoch")
        self.ax_loss.set_ylabel("cross-entropy")
        self.ax_loss.legend(loc="upper right", fontsize=9, frameon=False)
        self.ax_loss.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        self.epoch_text = self.ax_loss.text(0.0, 1.03, "", transform=self.ax_loss.transAxes, fontsize=11)
        self._set_animated([self.image_map, self.train_points, self.test_points, self.train_line, self.test_line,
                            self.epoch_text])

    def _draw(self, data: dict[str, Any]) -> None:
        self.image_map.set_data(data["grid_proba"])
        self.train_points.set_offsets(data["X_train"])
        self.train_points.set_facecolors(self._colors[data["y_train"].astype(int)])
        self.test_points.set_offsets(data["X_test"])
        self.test_points.set_edgecolors(self._colors[data["y_test"].astype(int)])
        history = data["history"]
        epochs = np.arange(len(history))
        self.train_line.set_data(epochs, history[:, 0])
        self.test_line.set_data(epochs, history[:, 1])
        self.epoch_text.set_text(f"epoch {data['epoch']}   test accuracy {100 * data['test_accuracy']:.0f} %")
        xmax = next((n for n in _LOSS_AXIS if n >= data["epoch"]), data["epoch"])
        finite = history[np.isfinite(history)]
        ymax = max(0.25, math.ceil(float(min(finite.max(), 10.0)) * 4) / 4)
        if self._static_changed((xmax, ymax)):
            self.ax_loss.set_xlim(0, xmax)
            self.ax_loss.set_ylim(0, ymax)


def make_playground(dataset: str = "circle", hidden: str = "8, 8", seed: int = 0) -> Playground:
    """The network playground on ``dataset`` with hidden layers ``hidden``; Play trains epoch by epoch.

    Defined in 02_neural_networks.
    """
    return Playground(dataset, hidden, seed)
