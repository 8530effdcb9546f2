# Shortcut: the course's rates_vs_threshold, with the mask passed as a probability and one threshold of 0.5
def cloud_rates(labels, predicted_cloud, class_names):
    row = science.rates_vs_threshold(labels, np.asarray(predicted_cloud, dtype=float), class_names, [0.5])[0]
    return {name: float(value) for name, value in zip(class_names, row)}
