"""A reference perceptron that keeps its history, for the figures of the fundamentals lecture.

The lecture draws how the perceptron's mistakes fall epoch by epoch, where its
line ends up, and how it never settles on XOR; that needs the weights and the
mistake count after every epoch, which scikit-learn's ``Perceptron`` does not
keep. Exercise 1 of the lecture asks students to write the plain training loop
themselves (and checks it against scikit-learn, not against this module).

Defined in 01_ml_fundamentals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PerceptronRun", "perceptron_run", "margin_bound", "product_feature"]


@dataclass(frozen=True)
class PerceptronRun:
    """What a perceptron did: final ``w`` and ``b``, and their values after every epoch.

    ``weights[k]``, ``biases[k]`` and ``mistakes[k]`` belong to epoch ``k + 1``;
    ``mistakes[k]`` counts the updates made during that epoch, so a zero means
    the epoch classified every training example correctly.
    """

    w: np.ndarray
    b: float
    weights: np.ndarray
    biases: np.ndarray
    mistakes: np.ndarray

    @property
    def converged(self) -> bool:
        """True when some epoch made no mistake (the data were separated)."""
        return bool(len(self.mistakes) and self.mistakes[-1] == 0)

    @property
    def total_mistakes(self) -> int:
        """All updates made in training: the quantity the convergence theorem bounds."""
        return int(self.mistakes.sum())

    def scores(self, X: np.ndarray) -> np.ndarray:
        """The signed scores ``X @ w + b`` of the final perceptron."""
        return np.asarray(X, dtype=float) @ self.w + self.b

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels in {-1, +1}: +1 where the score is >= 0 (a point on the line counts as +1)."""
        return np.where(self.scores(X) >= 0, 1, -1)


def perceptron_run(
    X: np.ndarray,
    y: np.ndarray,
    lr: float = 1.0,
    epochs: int = 10,
    stop_when_converged: bool = True,
) -> PerceptronRun:
    """Train a perceptron from ``w = 0, b = 0`` with the mistake-driven rule, recording each epoch.

    Labels ``y`` are -1 or +1. Each epoch visits the examples in their given
    order; an example with ``y_i (w . x_i + b) <= 0`` is a mistake and moves
    ``w += lr * y_i * x_i``, ``b += lr * y_i``. With ``stop_when_converged``
    training stops after the first epoch without mistakes (more epochs would
    change nothing); otherwise it runs all ``epochs``.

    Defined in 01_ml_fundamentals.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, d) and y (n,), got {X.shape} and {y.shape}")
    if not np.isin(y, (-1, 1)).all():
        raise ValueError("labels must be -1 or +1")
    w = np.zeros(X.shape[1])
    b = 0.0
    weights, biases, mistakes = [], [], []
    for _ in range(epochs):
        count = 0
        for xi, yi in zip(X, y):
            if yi * (xi @ w + b) <= 0:
                w = w + lr * yi * xi
                b = b + lr * yi
                count += 1
        weights.append(w.copy())
        biases.append(b)
        mistakes.append(count)
        if stop_when_converged and count == 0:
            break
    return PerceptronRun(
        w=w,
        b=float(b),
        weights=np.array(weights).reshape(-1, X.shape[1]),
        biases=np.array(biases, dtype=float),
        mistakes=np.array(mistakes, dtype=int),
    )


def margin_bound(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> tuple[float, float, float]:
    """``(R, gamma, (R / gamma)**2)``: the perceptron convergence bound certified by a separator.

    The bias is folded into the weights (each ``x`` gets a constant 1 appended),
    ``R`` is the largest norm of such an extended example and ``gamma`` the
    smallest signed distance ``y (w . x + b) / ||(w, b)||`` of an example to the
    separator ``(w, b)``. If ``gamma > 0`` the perceptron makes at most
    ``(R / gamma)**2`` mistakes in all of training (Novikoff, 1962); any
    separator gives a valid (if loose) bound, the best one the tightest.
    ``gamma <= 0`` means ``(w, b)`` does not separate the data: the bound is inf.

    Defined in 01_ml_fundamentals.
    """
    X = np.asarray(X, dtype=float)
    Xe = np.column_stack([X, np.ones(len(X))])
    u = np.append(np.asarray(w, dtype=float), float(b))
    norm = np.linalg.norm(u)
    if norm == 0:
        raise ValueError("w = 0 and b = 0 separate nothing")
    R = float(np.linalg.norm(Xe, axis=1).max())
    gamma = float((np.asarray(y) * (Xe @ u)).min() / norm)
    bound = (R / gamma) ** 2 if gamma > 0 else float("inf")
    return R, gamma, bound


def product_feature(X: np.ndarray) -> np.ndarray:
    """Append the product ``x1 * x2`` of the first two columns: the extra feature that makes XOR separable.

    A hand-made stand-in for what a hidden layer learns by itself (lecture 02).

    Defined in 01_ml_fundamentals.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"X must have shape (n, d) with d >= 2, got {X.shape}")
    return np.column_stack([X, X[:, 0] * X[:, 1]])
