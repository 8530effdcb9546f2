# Wrong: swaps precision and recall (divides tp by the actual positives for precision)
def confusion_counts(y_true, y_pred, positive=1):
    """Return (tp, fp, fn, tn): examples whose label equals `positive` are the positives."""
    actual = np.asarray(y_true) == positive
    flagged = np.asarray(y_pred) == positive
    return (int(np.sum(actual & flagged)), int(np.sum(~actual & flagged)),
            int(np.sum(actual & ~flagged)), int(np.sum(~actual & ~flagged)))


def classification_metrics(tp, fp, fn, tn):
    """Accuracy, precision, recall, FPR and F1 from the four counts; 0.0 wherever a denominator is 0."""
    def ratio(num, den):
        return float(num) / den if den > 0 else 0.0

    precision = ratio(tp, tp + fn)
    recall = ratio(tp, tp + fp)
    return {"accuracy": ratio(tp + tn, tp + fp + fn + tn), "precision": precision, "recall": recall,
            "fpr": ratio(fp, fp + tn), "f1": ratio(2 * precision * recall, precision + recall)}
