"""Tests for course.fundamentals: the reference perceptron agrees with scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Perceptron

from course import fundamentals


def separable(seed: int = 0, n: int = 40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.where(X @ np.array([1.0, -2.0]) + 0.3 > 0, 1, -1)
    keep = np.abs(X @ np.array([1.0, -2.0]) + 0.3) > 0.2  # leave a margin
    return X[keep], y[keep]


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([-1, 1, 1, -1])


@pytest.mark.parametrize("seed,lr,epochs", [(0, 1.0, 3), (1, 0.1, 7), (2, 0.5, 20)])
def test_weights_match_sklearn_perceptron(seed, lr, epochs):
    X, y = separable(seed)
    run = fundamentals.perceptron_run(X, y, lr=lr, epochs=epochs, stop_when_converged=False)
    ref = Perceptron(shuffle=False, eta0=lr, max_iter=epochs, tol=None, penalty=None).fit(X, y)
    np.testing.assert_allclose(run.w, ref.coef_[0], rtol=1e-12, atol=1e-12)
    assert run.b == pytest.approx(ref.intercept_[0], abs=1e-12)
    assert run.weights.shape == (epochs, 2)
    np.testing.assert_allclose(run.weights[-1], run.w)


def test_hand_worked_first_epoch():
    # w=0: the first point is a mistake (score 0), w=(1,2), b=1; then x2 scores 1*1+2*0+1 = 2 > 0 for y=-1: mistake,
    # w=(0,2), b=0; then x3 scores 0*0+2*(-1)+0 = -2 and y=-1: correct.
    X = np.array([[1.0, 2.0], [1.0, 0.0], [0.0, -1.0]])
    y = np.array([1, -1, -1])
    run = fundamentals.perceptron_run(X, y, lr=1.0, epochs=1)
    np.testing.assert_allclose(run.w, [0.0, 2.0])
    assert run.b == 0.0
    assert run.mistakes.tolist() == [2]


def test_converges_and_stops_on_separable_data():
    X, y = separable(3)
    run = fundamentals.perceptron_run(X, y, lr=1.0, epochs=100)
    assert run.converged
    assert run.mistakes[-1] == 0 and (run.mistakes[:-1] > 0).all()
    assert len(run.mistakes) < 100
    np.testing.assert_array_equal(run.predict(X), y)
    assert run.total_mistakes == run.mistakes.sum()


def test_xor_never_converges():
    run = fundamentals.perceptron_run(XOR_X, XOR_Y, epochs=50)
    assert not run.converged
    assert len(run.mistakes) == 50
    assert (run.mistakes > 0).all()
    assert (run.predict(XOR_X) != XOR_Y).any()


def test_predict_counts_points_on_the_line_as_positive():
    run = fundamentals.perceptron_run(np.array([[1.0, 0.0]]), np.array([1]), epochs=1)
    # w = (1, 0), b = 1: the point (-1, 5) lies exactly on the line
    np.testing.assert_array_equal(run.predict(np.array([[-1.0, 5.0], [-2.0, 0.0]])), [1, -1])
    np.testing.assert_allclose(run.scores(np.array([[-1.0, 5.0]])), [0.0])


def test_input_validation():
    with pytest.raises(ValueError):
        fundamentals.perceptron_run(XOR_X, np.array([0, 1, 1, 0]))
    with pytest.raises(ValueError):
        fundamentals.perceptron_run(XOR_X, XOR_Y[:3])


def test_margin_bound_values_and_it_holds():
    X = np.array([[3.0, 0.0], [-1.0, 0.0]])
    y = np.array([1, -1])
    R, gamma, bound = fundamentals.margin_bound(X, y, np.array([1.0, 0.0]), 0.0)
    assert R == pytest.approx(np.sqrt(10.0))
    assert gamma == pytest.approx(1.0)
    assert bound == pytest.approx(10.0)
    Xs, ys = separable(4)
    run = fundamentals.perceptron_run(Xs, ys, epochs=200)
    _, g, b = fundamentals.margin_bound(Xs, ys, run.w, run.b)
    assert g > 0 and run.total_mistakes <= b


def test_margin_bound_not_separating_is_infinite():
    _, gamma, bound = fundamentals.margin_bound(XOR_X, XOR_Y, np.array([1.0, 1.0]), -0.5)
    assert gamma < 0 and bound == float("inf")
    with pytest.raises(ValueError):
        fundamentals.margin_bound(XOR_X, XOR_Y, np.zeros(2), 0.0)


def test_product_feature_makes_xor_separable():
    Z = fundamentals.product_feature(XOR_X)
    np.testing.assert_allclose(Z, [[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 1]])
    run = fundamentals.perceptron_run(Z, XOR_Y, epochs=100)
    assert run.converged
    np.testing.assert_array_equal(run.predict(Z), XOR_Y)
    with pytest.raises(ValueError):
        fundamentals.product_feature(np.zeros(4))
