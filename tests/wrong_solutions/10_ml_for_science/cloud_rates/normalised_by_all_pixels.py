# Wrong: divides each class's flagged pixels by the number of ALL pixels, not by the class's own pixels.
def cloud_rates(labels, predicted_cloud, class_names):
    """For each class name, the fraction of that class's pixels flagged as cloud (nan if it has none)."""
    labels = np.asarray(labels).ravel()
    flagged = np.asarray(predicted_cloud, dtype=bool).ravel()
    rates = {}
    for k, name in enumerate(class_names):
        members = labels == k
        rates[name] = float((flagged & members).sum() / labels.size) if members.any() else float("nan")
    return rates
