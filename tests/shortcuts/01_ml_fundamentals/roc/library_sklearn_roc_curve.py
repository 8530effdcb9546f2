# Shortcut: sklearn.metrics.roc_curve (keeping every threshold) and sklearn.metrics.auc
from sklearn import metrics


def roc_points(y_true, scores, positive=1):
    """(fpr, tpr) at (0, 0) and at every distinct score as threshold, descending; positive when score >= t."""
    fpr, tpr, _thresholds = metrics.roc_curve(y_true, scores, pos_label=positive, drop_intermediate=False)
    return fpr, tpr


def roc_auc(fpr, tpr):
    """Area under the polyline through (fpr[k], tpr[k]) by the trapezoid rule."""
    return float(metrics.auc(fpr, tpr))
