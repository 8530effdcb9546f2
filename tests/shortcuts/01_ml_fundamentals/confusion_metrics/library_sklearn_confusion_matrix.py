# Shortcut: sklearn.metrics.confusion_matrix on "is positive" flags gives the four counts at once
from sklearn.metrics import confusion_matrix


def confusion_counts(y_true, y_pred, positive=1):
    """Return (tp, fp, fn, tn): examples whose label equals `positive` are the positives."""
    tn, fp, fn, tp = confusion_matrix(np.asarray(y_true) == positive, np.asarray(y_pred) == positive,
                                      labels=[False, True]).ravel()
    return int(tp), int(fp), int(fn), int(tn)


def classification_metrics(tp, fp, fn, tn):
    """Accuracy, precision, recall, FPR and F1 from the four counts; 0.0 wherever a denominator is 0."""
    def ratio(num, den):
        return float(num) / den if den > 0 else 0.0

    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    return {
        "accuracy": ratio(tp + tn, tp + fp + fn + tn),
        "precision": precision,
        "recall": recall,
        "fpr": ratio(fp, fp + tn),
        "f1": ratio(2 * precision * recall, precision + recall),
    }
