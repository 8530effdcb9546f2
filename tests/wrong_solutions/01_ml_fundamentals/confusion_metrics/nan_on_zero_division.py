# Wrong: divides without guarding zero denominators, so it returns nan (or raises) when nothing is flagged
def confusion_counts(y_true, y_pred, positive=1):
    """Return (tp, fp, fn, tn): examples whose label equals `positive` are the positives."""
    actual = np.asarray(y_true) == positive
    flagged = np.asarray(y_pred) == positive
    return (int(np.sum(actual & flagged)), int(np.sum(~actual & flagged)),
            int(np.sum(actual & ~flagged)), int(np.sum(~actual & ~flagged)))


def classification_metrics(tp, fp, fn, tn):
    """Accuracy, precision, recall, FPR and F1 from the four counts; 0.0 wherever a denominator is 0."""
    tp, fp, fn, tn = (np.float64(v) for v in (tp, fp, fn, tn))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        return {"accuracy": float((tp + tn) / (tp + fp + fn + tn)), "precision": float(precision),
                "recall": float(recall), "fpr": float(fp / (fp + tn)),
                "f1": float(2 * precision * recall / (precision + recall))}
