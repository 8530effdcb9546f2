# Wrong: budgets false alarms per positive in the data (TP + FN) instead of per positive found (TP)
def confusion_counts(y_true, y_pred, positive=1):
    """Return (tp, fp, fn, tn): examples whose label equals `positive` are the positives."""
    actual = np.asarray(y_true) == positive
    flagged = np.asarray(y_pred) == positive
    return (int(np.sum(actual & flagged)), int(np.sum(~actual & flagged)),
            int(np.sum(actual & ~flagged)), int(np.sum(~actual & ~flagged)))


def precision_at_prevalence(recall, fpr, prevalence):
    """Expected precision of a classifier with this recall and FPR where a fraction `prevalence` is positive."""
    true_flags = recall * prevalence
    false_flags = fpr * (1 - prevalence)
    return true_flags / (true_flags + false_flags) if true_flags + false_flags > 0 else 0.0


def lowest_threshold(y_true, scores, max_fp_per_tp, positive=1):
    """(t, tp, fp) for the lowest distinct score t with tp > 0 and fp <= max_fp_per_tp * tp; None if none."""
    actual = np.asarray(y_true) == positive
    scores = np.asarray(scores, dtype=float)
    best = None
    for t in sorted(set(scores.tolist()), reverse=True):
        flagged = scores >= t
        tp, fp = int(np.sum(actual & flagged)), int(np.sum(~actual & flagged))
        if tp > 0 and fp <= max_fp_per_tp * int(actual.sum()):
            best = (float(t), tp, fp)
    return best
