# Shortcut: sklearn.metrics.confusion_matrix on "is positive" flags gives the four counts at once, at every threshold
from sklearn.metrics import confusion_matrix


def confusion_counts(y_true, y_pred, positive=1):
    """Return (tp, fp, fn, tn): examples whose label equals `positive` are the positives."""
    tn, fp, fn, tp = confusion_matrix(np.asarray(y_true) == positive, np.asarray(y_pred) == positive,
                                      labels=[False, True]).ravel()
    return int(tp), int(fp), int(fn), int(tn)


def precision_at_prevalence(recall, fpr, prevalence):
    """Expected precision of a classifier with this recall and FPR where a fraction `prevalence` is positive."""
    true_flags = recall * prevalence
    false_flags = fpr * (1 - prevalence)
    return true_flags / (true_flags + false_flags) if true_flags + false_flags > 0 else 0.0


def lowest_threshold(y_true, scores, max_fp_per_tp, positive=1):
    """(t, tp, fp) for the lowest distinct score t with tp > 0 and fp <= max_fp_per_tp * tp; None if none."""
    scores = np.asarray(scores, dtype=float)
    best = None
    for t in np.unique(scores):
        tp, fp, fn, tn = confusion_counts(y_true, np.where(scores >= t, positive, None), positive)
        if tp > 0 and fp <= max_fp_per_tp * tp:
            return float(t), tp, fp
    return best
