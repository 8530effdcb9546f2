# Shortcut: the course's roc_curve_points and auc_trapezoid, called from helper functions of the student's own
def _curve(y_true, scores, positive):
    from course.widgets.threshold import roc_curve_points

    fpr, tpr, _thresholds = roc_curve_points(y_true, scores, positive)
    return fpr, tpr


def _area(fpr, tpr):
    from course.widgets.threshold import auc_trapezoid

    return auc_trapezoid(fpr, tpr)


def roc_points(y_true, scores, positive=1):
    """(fpr, tpr) at (0, 0) and at every distinct score as threshold, descending; positive when score >= t."""
    return _curve(y_true, scores, positive)


def roc_auc(fpr, tpr):
    """Area under the polyline through (fpr[k], tpr[k]) by the trapezoid rule."""
    return _area(fpr, tpr)
