# Wrong: flags score > t instead of score >= t, so each point is one threshold late and the curve never reaches (1, 1)
def roc_points(y_true, scores, positive=1):
    """(fpr, tpr) at (0, 0) and at every distinct score as threshold, descending; positive when score >= t."""
    actual = np.asarray(y_true) == positive
    scores = np.asarray(scores, dtype=float)
    fpr, tpr = [0.0], [0.0]
    for t in np.unique(scores)[::-1]:
        flagged = scores > t
        tpr.append(np.sum(flagged & actual) / np.sum(actual))
        fpr.append(np.sum(flagged & ~actual) / np.sum(~actual))
    return np.array(fpr), np.array(tpr)


def roc_auc(fpr, tpr):
    """Area under the polyline through (fpr[k], tpr[k]) by the trapezoid rule."""
    fpr = np.asarray(fpr, dtype=float)
    tpr = np.asarray(tpr, dtype=float)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
