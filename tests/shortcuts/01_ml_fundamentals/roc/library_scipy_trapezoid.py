# Shortcut: scipy.integrate.trapezoid does the trapezoid rule of roc_auc in one call
from scipy.integrate import trapezoid


def roc_points(y_true, scores, positive=1):
    """(fpr, tpr) at (0, 0) and at every distinct score as threshold, descending; positive when score >= t."""
    actual = np.asarray(y_true) == positive
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    s, a = scores[order], actual[order]
    tp = np.cumsum(a)
    fp = np.cumsum(~a)
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tpr = np.r_[0, tp[last]] / actual.sum()
    fpr = np.r_[0, fp[last]] / (~actual).sum()
    return fpr.astype(float), tpr.astype(float)


def roc_auc(fpr, tpr):
    """Area under the polyline through (fpr[k], tpr[k]) by the trapezoid rule."""
    return float(trapezoid(np.asarray(tpr, dtype=float), np.asarray(fpr, dtype=float)))
