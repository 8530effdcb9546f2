# Shortcut: the course's own stable_softmax over the keys, bound with functools.partial
import functools

import numpy as np

from course import transformers

_over_keys = functools.partial(transformers.stable_softmax, axis=-1)


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(np.asarray(mask, dtype=bool), scores, -1e9)
    weights = _over_keys(scores)
    return weights @ v, weights
