# Wrong: applies the mask by zeroing weights after the softmax, so rows no longer sum to 1.
def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q k^T / sqrt(d_k)) v over the last two axes; mask (True = may attend) applied before the softmax."""
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = weights * np.asarray(mask, dtype=float)
    return weights @ v, weights
