# Shortcut: the course's own single-channel conv2d, once per input channel and filter, summed
import numpy as np

from course.widgets.convolution import conv2d as _slide


def conv2d_layer(x, kernels, bias, stride=1, padding="valid"):
    x, kernels = np.asarray(x, dtype=float), np.asarray(kernels, dtype=float)
    maps = [sum(_slide(x[:, :, c], kernels[:, :, c, f], stride, padding) for c in range(x.shape[2])) + bias[f]
            for f in range(kernels.shape[3])]
    return np.stack(maps, axis=-1)


def colour_layer():
    """(kernels, bias) of a layer turning u, g, r, i, z magnitudes into the colours u-g, g-r, r-i, i-z."""
    kernels = np.zeros((1, 1, 5, 4))
    for f in range(4):
        kernels[0, 0, f, f] = 1.0
        kernels[0, 0, f + 1, f] = -1.0
    return kernels, np.zeros(4)
