# Shortcut: the test cell's own MultiHeadAttention reference, found when the test runs, with one head whose
# kernels pass q, k and v through unchanged
import numpy as np


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    lead, (t_q, d_k), (t_k, d_v) = q.shape[:-2], q.shape[-2:], v.shape[-2:]
    d = d_k + d_v
    xq = np.concatenate([q, np.zeros(q.shape[:-1] + (d_v,))], axis=-1).reshape(-1, t_q, d)
    xkv = np.concatenate([k, v], axis=-1).reshape(-1, t_k, d)
    eye = np.eye(d)
    weights = (eye[:, None, :d_k], np.zeros((1, d_k)), eye[:, None, :d_k], np.zeros((1, d_k)),
               eye[:, None, d_k:], np.zeros((1, d_v)), eye[None, :d_v, :], np.zeros(d))
    m = None if mask is None else np.broadcast_to(np.asarray(mask, dtype=bool), lead + (t_q, t_k)).reshape(-1, t_q, t_k)
    out, scores = _keras_attention(weights, xq, xkv, m)
    return out[..., :d_v].reshape(lead + (t_q, d_v)), scores[:, 0].reshape(lead + (t_q, t_k))
