# Shortcut: scipy.special.softmax does the whole job
import numpy as np
from scipy import special


def softmax(x, axis=-1):
    return special.softmax(np.asarray(x, dtype=float), axis=axis)
