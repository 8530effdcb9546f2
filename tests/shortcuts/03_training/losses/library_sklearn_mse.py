# Shortcut: rmse from scikit-learn's mean_squared_error (the mean of the per-column MSEs is the MSE of all entries)
import numpy as np
from sklearn.metrics import mean_squared_error


def rmse(y, y_hat):
    return float(np.sqrt(mean_squared_error(y, y_hat)))


def categorical_cross_entropy(y_onehot, p, eps=1e-7):
    y_onehot = np.asarray(y_onehot, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return float(np.mean(-np.sum(y_onehot * np.log(p), axis=1)))
