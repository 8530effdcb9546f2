# Shortcut: the course's confusion_at (behind the threshold explorer) counts at any threshold, reached through a lambda
from course.widgets import threshold as _explorer

confusion_counts = lambda y_true, y_pred, positive=1: _explorer.confusion_at(  # noqa: E731
    y_true, (np.asarray(y_pred) == positive).astype(float), 0.5, positive)


def precision_at_prevalence(recall, fpr, prevalence):
    """Expected precision of a classifier with this recall and FPR where a fraction `prevalence` is positive."""
    true_flags = recall * prevalence
    false_flags = fpr * (1 - prevalence)
    return true_flags / (true_flags + false_flags) if true_flags + false_flags > 0 else 0.0


def lowest_threshold(y_true, scores, max_fp_per_tp, positive=1):
    """(t, tp, fp) for the lowest distinct score t with tp > 0 and fp <= max_fp_per_tp * tp; None if none."""
    for t in np.unique(np.asarray(scores, dtype=float)):
        tp, fp, fn, tn = _explorer.confusion_at(list(y_true), scores, t, positive)
        if tp > 0 and fp <= max_fp_per_tp * tp:
            return float(t), tp, fp
    return None
