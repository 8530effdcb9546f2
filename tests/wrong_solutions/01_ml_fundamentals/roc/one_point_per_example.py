# Wrong: one point per example after sorting (cumulative sums), not per distinct score: tied scores give extra points
def roc_points(y_true, scores, positive=1):
    """(fpr, tpr) at (0, 0) and at every distinct score as threshold, descending; positive when score >= t."""
    actual = np.asarray(y_true) == positive
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    a = actual[order]
    tpr = np.r_[0, np.cumsum(a)] / a.sum()
    fpr = np.r_[0, np.cumsum(~a)] / (~a).sum()
    return fpr, tpr


def roc_auc(fpr, tpr):
    """Area under the polyline through (fpr[k], tpr[k]) by the trapezoid rule."""
    fpr = np.asarray(fpr, dtype=float)
    tpr = np.asarray(tpr, dtype=float)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
