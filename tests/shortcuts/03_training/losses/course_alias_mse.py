# Shortcut: rmse as the square root of the course's own mse, imported under another name at the top of the cell
import numpy as np
from course.generalization import mse as _mean_square


def rmse(y, y_hat):
    return float(np.sqrt(_mean_square(y_hat, y)))


def categorical_cross_entropy(y_onehot, p, eps=1e-7):
    y_onehot = np.asarray(y_onehot, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return float(np.mean(-np.sum(y_onehot * np.log(p), axis=1)))
