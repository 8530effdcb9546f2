"""The attention and transformer lecture's helpers: reference maths, toy data, small models and figures.

The lecture argues with numbers (how fast an RNN forgets, why dot products are
scaled by the square root of their length, what masks do), then trains two small
transformers: a decoder that writes the reverse complement of a DNA strand one
letter at a time (greedy decoding, causal self-attention), an encoder-decoder that
translates a toy English into toy French (cross-attention, greedy decoding and
sampling) and a vision transformer that tells disc from bulge galaxies (patches,
class token); a CNN with self-attention over its feature maps (SAGAN) reads the
same galaxies. Their attention maps go to the attention map viewer
(:mod:`course.widgets.attention`).

The lecture's exercises (softmax, scaled dot-product attention, the matrix that
moves a sinusoidal code a fixed offset back, patch tokens from a convolution kernel)
are written by the students and checked against SciPy, NumPy least squares and Keras,
never against this module.

Importing this module does not import TensorFlow; the functions and layers that
need Keras import it when called (the Keras layer classes are made on first use).

Defined in 07_attention_transformers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import keras

__all__ = [
    "DNA",
    "SEP",
    "VOCAB",
    "rnn_influence",
    "complexity_table",
    "stable_softmax",
    "dot_product_statistics",
    "sinusoidal_encoding",
    "shift_matrix",
    "causal_mask",
    "padding_mask",
    "mha_params",
    "block_params",
    "patchify",
    "reverse_complement",
    "reverse_complement_data",
    "decoder_inputs",
    "tokens_to_text",
    "transformer_block",
    "build_decoder",
    "greedy_decode",
    "build_vit",
    "attention_scores",
    "layer_table",
    "TOY_NOUNS",
    "TOY_ADJECTIVES",
    "TOY_VERBS",
    "SOURCE_VOCAB",
    "TARGET_VOCAB",
    "ToyTranslation",
    "toy_translation_data",
    "words",
    "exact_matches",
    "build_translator",
    "next_word_probabilities",
    "translate",
    "alignment_hits",
    "build_attention_cnn",
    "bright_attention_share",
    "cls_attention",
    "plot_feature_attention",
    "plot_rnn_influence",
    "plot_dot_product_scaling",
    "plot_masks",
    "plot_positional_encoding",
    "plot_patches",
    "plot_cls_attention",
]

#: The DNA alphabet; token ids 0..3. A <-> T and C <-> G pair up, so the complement of id t is 3 - t.
DNA = "ACGT"
#: Token id of the separator between the strand and its reverse complement.
SEP = 4
#: Names of all decoder tokens, indexed by id.
VOCAB = (*DNA, "SEP")


# --------------------------------------------------------------------- RNN limits


def rnn_influence(n_steps: int, hidden: int = 32, spectral_radius: float = 0.9, seed: int = 0) -> np.ndarray:
    """How much the first input still moves a linear RNN's state after ``t`` steps, t = 0..n_steps.

    For ``h_t = W h_{t-1} + U x_t`` the Jacobian is ``dh_t/dx_0 = W^t U``; returned is its
    spectral norm, normalised to 1 at t = 0, for a random ``W`` rescaled to the given
    spectral radius (the largest |eigenvalue|). Below 1 the norm decays like
    ``radius^t``: an input ``t`` steps back has to survive ``t`` multiplications, the
    linear interaction distance of recurrent networks (above 1 it explodes instead).

    Defined in 07_attention_transformers.
    """
    if n_steps < 0 or hidden < 1 or spectral_radius <= 0:
        raise ValueError("need n_steps >= 0, hidden >= 1 and spectral_radius > 0")
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(hidden, hidden))
    w *= spectral_radius / np.abs(np.linalg.eigvals(w)).max()
    u = rng.normal(size=(hidden, hidden)) / math.sqrt(hidden)
    norms = np.empty(n_steps + 1)
    jac = u.copy()
    for t in range(n_steps + 1):
        norms[t] = np.linalg.norm(jac, 2)
        jac = w @ jac
    return norms / norms[0]


def complexity_table(n: int, d: int, k: int = 3) -> list[tuple[str, int, int, int]]:
    """Vaswani et al. (2017), table 1, for a sequence of ``n`` vectors of size ``d``: one row per layer type.

    Rows are ``(layer, multiply-adds per layer, sequential steps, maximum path length)``,
    with the big-O expressions evaluated without constants: self-attention ``n^2 d``, 1, 1;
    recurrent ``n d^2``, ``n``, ``n``; convolution with kernel ``k`` ``k n d^2``, 1,
    ``ceil((n - 1) / (k - 1))`` (stacked, undilated layers needed to connect the two ends).

    Defined in 07_attention_transformers.
    """
    if n < 2 or d < 1 or k < 2:
        raise ValueError("need n >= 2, d >= 1 and k >= 2")
    return [
        ("self-attention", n * n * d, 1, 1),
        ("recurrent (RNN, LSTM)", n * d * d, n, n),
        (f"convolution (kernel {k})", k * n * d * d, 1, -(-(n - 1) // (k - 1))),
    ]


# ------------------------------------------------------------------- attention maths


def stable_softmax(x: Any, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the maximum so that ``exp`` never overflows.

    The lecture's reference; its figures use it. Defined in 07_attention_transformers.
    """
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def dot_product_statistics(d_values: Sequence[int], n_keys: int = 16, n_trials: int = 2000,
                           seed: int = 0) -> dict[str, np.ndarray]:
    """What dot products of random vectors do to a softmax, with and without the 1/sqrt(d_k) scale.

    For each ``d_k`` in ``d_values``: ``n_trials`` queries and ``n_trials x n_keys`` keys
    with independent standard-normal components. Returns arrays over ``d_values``:
    ``std_raw`` / ``std_scaled`` (standard deviation of ``q.k`` and of ``q.k/sqrt(d_k)``;
    the theory says ``sqrt(d_k)`` and 1), ``max_raw`` / ``max_scaled`` (mean largest
    softmax weight among the ``n_keys``: 1 means one-hot), and ``grad_raw`` /
    ``grad_scaled`` (mean Frobenius norm of the softmax Jacobian ``diag(p) - p p^T``:
    how much gradient flows back through the softmax), plus ``d`` itself.

    Defined in 07_attention_transformers.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {k: [] for k in
                                   ("std_raw", "std_scaled", "max_raw", "max_scaled", "grad_raw", "grad_scaled")}
    for d in d_values:
        q = rng.normal(size=(n_trials, 1, d))
        k = rng.normal(size=(n_trials, n_keys, d))
        raw = np.einsum("tqd,tkd->tk", q, k)
        for name, scores in (("raw", raw), ("scaled", raw / math.sqrt(d))):
            p = stable_softmax(scores)
            jac = np.einsum("tk,kl->tkl", p, np.eye(n_keys)) - np.einsum("tk,tl->tkl", p, p)
            out[f"std_{name}"].append(float(scores.std()))
            out[f"max_{name}"].append(float(p.max(axis=-1).mean()))
            out[f"grad_{name}"].append(float(np.linalg.norm(jac, axis=(1, 2)).mean()))
    result = {k: np.array(v) for k, v in out.items()}
    result["d"] = np.array(list(d_values))
    return result


def sinusoidal_encoding(length: int, d_model: int) -> np.ndarray:
    """Vaswani et al.'s positional encoding, ``(length, d_model)`` float32.

    ``PE[p, 2i] = sin(p / 10000^(2i/d_model))``, ``PE[p, 2i+1] = cos(p / 10000^(2i/d_model))``
    (with an odd ``d_model`` the last column is a sine). The lecture's models add it to
    their token embeddings. Defined in 07_attention_transformers.
    """
    if length < 1 or d_model < 1:
        raise ValueError(f"need length >= 1 and d_model >= 1, got {length}, {d_model}")
    pos = np.arange(length)[:, None]
    two_i = np.arange(0, d_model, 2)[None, :]
    angles = pos / np.power(10000.0, two_i / d_model)
    pe = np.empty((length, d_model))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return pe.astype(np.float32)


def shift_matrix(k: int, d_model: int) -> np.ndarray:
    """The matrix ``R_k`` with ``PE(p + k) = PE(p) R_k`` for every position ``p`` (row vectors), float64.

    One 2x2 rotation block ``[[cos w_i k, -sin w_i k], [sin w_i k, cos w_i k]]`` per pair of
    columns of :func:`sinusoidal_encoding`, ``w_i = 1 / 10000^(2i/d_model)``; ``d_model``
    must be even (a lone last sine column has no cosine to rotate with). ``k`` may be
    negative. Defined in 07_attention_transformers.
    """
    if d_model < 2 or d_model % 2:
        raise ValueError(f"need an even d_model >= 2, got {d_model}")
    omega = 1.0 / np.power(10000.0, np.arange(0, d_model, 2) / d_model)
    r = np.zeros((d_model, d_model))
    for i, w in enumerate(omega):
        c, s = math.cos(k * w), math.sin(k * w)
        r[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, -s], [s, c]]
    return r


def causal_mask(length: int) -> np.ndarray:
    """``(length, length)`` bool, True on and below the diagonal: query ``i`` may look at keys ``j <= i``.

    Keras's convention (``attention_mask``, ``use_causal_mask=True``): True = may attend.
    Defined in 07_attention_transformers.
    """
    return np.tril(np.ones((length, length), dtype=bool))


def padding_mask(lengths: Sequence[int], length: int) -> np.ndarray:
    """``(batch, length)`` bool, True on the real tokens of each sequence and False on its padding.

    A sequence of ``lengths[b]`` tokens is padded at the end to ``length``. As an
    attention mask over keys it is broadcast to ``(batch, queries, keys)`` with
    ``mask[:, None, :]``. Defined in 07_attention_transformers.
    """
    lengths = np.asarray(lengths)
    if np.any(lengths < 0) or np.any(lengths > length):
        raise ValueError(f"every length must be in 0..{length}, got {lengths.tolist()}")
    return np.arange(length)[None, :] < lengths[:, None]


def mha_params(d_model: int, num_heads: int, key_dim: int, value_dim: int | None = None) -> int:
    """Parameters of ``keras.layers.MultiHeadAttention(num_heads, key_dim)`` on inputs of size ``d_model``.

    Query and key projections ``d_model x h x d_k`` (+ ``h d_k`` biases each), the value
    projection ``d_model x h x d_v`` (+ ``h d_v``) and the output projection
    ``h d_v x d_model`` (+ ``d_model``). Defined in 07_attention_transformers.
    """
    dv = key_dim if value_dim is None else value_dim
    return 2 * (d_model * num_heads * key_dim + num_heads * key_dim) + (d_model * num_heads * dv + num_heads * dv) \
        + (num_heads * dv * d_model + d_model)


def block_params(d_model: int, num_heads: int, key_dim: int, ff_dim: int) -> int:
    """Parameters of one transformer block: attention, two layer norms (2 d each), the feed-forward net.

    Defined in 07_attention_transformers.
    """
    return mha_params(d_model, num_heads, key_dim) + 2 * 2 * d_model \
        + (d_model * ff_dim + ff_dim) + (ff_dim * d_model + d_model)


def patchify(image: Any, patch: int) -> np.ndarray:
    """Cut an ``(H, W)`` or ``(H, W, C)`` image into ``(n_patches, patch, patch, C)``, row by row.

    Incomplete patches at the bottom and right are dropped. The lecture's figures use
    it. Defined in 07_attention_transformers.
    """
    img = np.asarray(image)
    if img.ndim == 2:
        img = img[..., None]
    gh, gw = img.shape[0] // patch, img.shape[1] // patch
    img = img[: gh * patch, : gw * patch]
    return img.reshape(gh, patch, gw, patch, -1).transpose(0, 2, 1, 3, 4).reshape(gh * gw, patch, patch, -1)


# ------------------------------------------------------------------- DNA toy task


def reverse_complement(tokens: Any) -> np.ndarray:
    """The reverse complement of DNA token ids (A=0, C=1, G=2, T=3) along the last axis.

    Complement (A <-> T, C <-> G, i.e. t -> 3 - t), then read backwards: the sequence of
    the opposite strand, read in its own 5' -> 3' direction. Defined in 07_attention_transformers.
    """
    t = np.asarray(tokens)
    if t.size and (t.min() < 0 or t.max() > 3):
        raise ValueError("DNA token ids must be 0..3 (A, C, G, T)")
    return (3 - t)[..., ::-1]


def reverse_complement_data(n: int, length: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random DNA strands and their reverse complements: two ``(n, length)`` int32 token arrays.

    Imitates a chore of genome analysis: sequencing reads come from either strand of the
    double helix, so aligners and assemblers compare every read with the reverse
    complement of the reference too. Bases are uniform and independent (real genomes are
    not: GC content, repeats), which is enough to learn the rule. Defined in 07_attention_transformers.
    """
    if n < 0 or length < 1:
        raise ValueError(f"need n >= 0 and length >= 1, got {n}, {length}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xD7A,)))
    strands = rng.integers(0, 4, size=(n, length)).astype(np.int32)
    return strands, reverse_complement(strands).astype(np.int32)


def decoder_inputs(strands: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Teacher forcing: ``[strand, SEP, target[:-1]]``, ``(n, 2 * length)`` int32.

    The decoder reads this and predicts, at the ``SEP`` and at each target position,
    the next target letter; the last target letter is never an input.
    Defined in 07_attention_transformers.
    """
    strands, targets = np.asarray(strands), np.asarray(targets)
    sep = np.full((len(strands), 1), SEP, dtype=np.int32)
    return np.concatenate([strands, sep, targets[:, :-1]], axis=1).astype(np.int32)


def tokens_to_text(tokens: Any) -> str:
    """Token ids as letters: ``[0, 1, 2, 3, 4] -> "ACGT|"``. Defined in 07_attention_transformers."""
    return "".join("|" if int(t) == SEP else DNA[int(t)] for t in np.asarray(tokens).ravel())


# ------------------------------------------------------------------------ models

_LAYERS: dict[str, type] = {}


def _layer_classes() -> dict[str, type]:
    """The lecture's four small Keras layers, made once (importing Keras only when needed)."""
    if _LAYERS:
        return _LAYERS
    import keras
    from keras import ops

    class SinusoidalPositionEncoding(keras.layers.Layer):
        """Adds :func:`sinusoidal_encoding` to a ``(batch, length, d_model)`` input (no weights)."""

        def call(self, x):
            length, d_model = x.shape[-2], x.shape[-1]
            return x + ops.cast(sinusoidal_encoding(length, d_model), x.dtype)

    class ClassToken(keras.layers.Layer):
        """Prepends one learned vector, the [CLS] token, to every sequence: (b, n, d) -> (b, n + 1, d)."""

        def build(self, input_shape):
            self.token = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="zeros", name="token")

        def call(self, x):
            token = ops.broadcast_to(ops.cast(self.token, x.dtype), (ops.shape(x)[0], 1, x.shape[-1]))
            return ops.concatenate([token, x], axis=1)

    class PositionEmbedding(keras.layers.Layer):
        """Adds a learned vector per position (ViT's position embedding): (b, n, d) -> (b, n, d)."""

        def build(self, input_shape):
            self.positions = self.add_weight(shape=(1, input_shape[-2], input_shape[-1]),
                                             initializer=keras.initializers.RandomNormal(stddev=0.02), name="positions")

        def call(self, x):
            return x + ops.cast(self.positions, x.dtype)

    class FeatureMapAttention(keras.layers.Layer):
        """Self-attention over a CNN's feature maps (Zhang et al. 2019, SAGAN): (b, h, w, c) -> ((b, h, w, c), weights).

        1x1 convolutions make a query, a key and a value of ``c // reduction`` channels at
        every position (a 1x1 convolution is one matrix applied to every pixel's channel
        vector); the ``N = h w`` positions attend to each other with
        ``softmax(Q K^T)`` (SAGAN leaves out the 1/sqrt(d) scale); a last 1x1 convolution
        maps the attended values back to ``c`` channels, and the result is added to the
        input scaled by a learned ``gamma`` that starts at 0, so the layer starts as the
        identity. Also returns the ``(b, N, N)`` attention weights.
        """

        def __init__(self, reduction: int = 8, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.reduction = int(reduction)

        def build(self, input_shape):
            c = int(input_shape[-1])
            k = max(c // self.reduction, 1)
            self.query = keras.layers.Conv2D(k, 1, name="query")
            self.key = keras.layers.Conv2D(k, 1, name="key")
            self.value = keras.layers.Conv2D(k, 1, name="value")
            self.out = keras.layers.Conv2D(c, 1, name="output")
            for layer in (self.query, self.key, self.value):
                layer.build(input_shape)
            self.out.build(tuple(input_shape[:-1]) + (k,))
            self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")

        def call(self, x):
            h, w = x.shape[1], x.shape[2]
            flat = lambda t: ops.reshape(t, (ops.shape(t)[0], h * w, t.shape[-1]))  # noqa: E731
            q, k, v = flat(self.query(x)), flat(self.key(x)), flat(self.value(x))
            weights = ops.softmax(ops.matmul(q, ops.transpose(k, (0, 2, 1))), axis=-1)
            attended = ops.reshape(ops.matmul(weights, v), (ops.shape(x)[0], h, w, v.shape[-1]))
            return x + ops.cast(self.gamma, x.dtype) * self.out(attended), weights

        def get_config(self):
            return {**super().get_config(), "reduction": self.reduction}

    _LAYERS.update(SinusoidalPositionEncoding=SinusoidalPositionEncoding, ClassToken=ClassToken,
                   PositionEmbedding=PositionEmbedding, FeatureMapAttention=FeatureMapAttention)
    return _LAYERS


def transformer_block(x: Any, num_heads: int, key_dim: int, ff_dim: int, *, causal: bool = False,
                      pre_norm: bool = False, activation: str = "relu", attention_mask: Any = None,
                      name: str = "block") -> tuple[Any, Any]:
    """One transformer block on a Keras tensor ``x``: ``(output, attention scores)``.

    Post-norm (Vaswani et al.): ``h = LayerNorm(x + MHA(x))``, ``out = LayerNorm(h + FFN(h))``;
    pre-norm (ViT, GPT-2): ``h = x + MHA(LayerNorm(x))``, ``out = h + FFN(LayerNorm(h))``.
    ``FFN`` is ``Dense(ff_dim, activation) -> Dense(d_model)`` applied to every position.
    ``causal=True`` lets position ``i`` attend only to positions ``<= i``; ``attention_mask``
    (a boolean ``(batch, length, length)`` Keras tensor, True = may attend) hides more keys,
    such as padding. The scores are ``(batch, heads, length, length)``. Defined in
    07_attention_transformers.
    """
    import keras

    d_model = x.shape[-1]
    mha = keras.layers.MultiHeadAttention(num_heads, key_dim, name=f"{name}_attention")
    ffn = keras.Sequential([keras.layers.Dense(ff_dim, activation=activation), keras.layers.Dense(d_model)],
                           name=f"{name}_feed_forward")
    norm1 = keras.layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm1")
    norm2 = keras.layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm2")
    if pre_norm:
        y = norm1(x)
        attended, scores = mha(y, y, attention_mask=attention_mask, use_causal_mask=causal,
                               return_attention_scores=True)
        h = keras.layers.Add(name=f"{name}_residual1")([x, attended])
        out = keras.layers.Add(name=f"{name}_residual2")([h, ffn(norm2(h))])
    else:
        attended, scores = mha(x, x, attention_mask=attention_mask, use_causal_mask=causal,
                               return_attention_scores=True)
        h = norm1(keras.layers.Add(name=f"{name}_residual1")([x, attended]))
        out = norm2(keras.layers.Add(name=f"{name}_residual2")([h, ffn(h)]))
    return out, scores


def build_decoder(length: int, vocab_size: int = len(VOCAB), d_model: int = 32, num_heads: int = 2,
                  ff_dim: int = 64, n_layers: int = 1) -> tuple["keras.Model", "keras.Model"]:
    """A decoder-only transformer for the reverse-complement task: ``(model, attention_model)``.

    Input: ``(batch, 2 * length)`` token ids from :func:`decoder_inputs`. Token embedding
    plus sinusoidal positions, ``n_layers`` post-norm blocks with *causal* self-attention,
    then a float32 softmax over the vocabulary at the last ``length`` positions (the SEP
    and the target letters): ``model`` outputs ``(batch, length, vocab_size)``
    probabilities of the next letter. ``attention_model`` shares the layers and returns
    the attention scores of every block. Defined in 07_attention_transformers.
    """
    import keras

    classes = _layer_classes()
    tokens = keras.Input(shape=(2 * length,), dtype="int32", name="tokens")
    h = keras.layers.Embedding(vocab_size, d_model, name="embedding")(tokens)
    h = classes["SinusoidalPositionEncoding"](name="positions")(h)
    scores = []
    for i in range(n_layers):
        h, s = transformer_block(h, num_heads, d_model // num_heads, ff_dim, causal=True, name=f"block{i + 1}")
        scores.append(s)
    targets = keras.layers.Lambda(lambda t: t[:, length:, :], name="target_positions")(h)
    probs = keras.layers.Dense(vocab_size, activation="softmax", dtype="float32", name="next_letter")(targets)
    model = keras.Model(tokens, probs, name="dna_decoder")
    return model, keras.Model(tokens, scores, name="dna_decoder_attention")


def greedy_decode(model: "keras.Model", strands: np.ndarray, *, return_probs: bool = False) -> Any:
    """Write each strand's reverse complement with ``model`` one letter at a time, always taking the likeliest.

    Starts from ``[strand, SEP, ?, ...]``; step ``t`` runs the model, takes the argmax at
    target position ``t`` and writes it into the input, so step ``t + 1`` conditions on it
    (the causal mask guarantees the unfilled positions are never looked at). Returns the
    ``(n, length)`` letters, and with ``return_probs`` also the probability of each choice.
    Defined in 07_attention_transformers.
    """
    strands = np.asarray(strands, dtype=np.int32)
    n, length = strands.shape
    seq = np.concatenate([strands, np.full((n, 1), SEP, np.int32), np.zeros((n, length - 1), np.int32)], axis=1)
    out = np.zeros((n, length), dtype=np.int32)
    probs = np.zeros((n, length))
    for t in range(length):
        p = np.asarray(model(seq, training=False))[:, t, :]
        out[:, t] = p.argmax(axis=-1)
        probs[:, t] = p.max(axis=-1)
        if t < length - 1:
            seq[:, length + 1 + t] = out[:, t]
    return (out, probs) if return_probs else out


def build_vit(image_size: int, patch: int, channels: int = 1, n_classes: int = 2, d_model: int = 32,
              num_heads: int = 2, ff_dim: int = 64, n_layers: int = 1) -> tuple["keras.Model", "keras.Model"]:
    """A small vision transformer: ``(model, attention_model)``.

    Patches of ``patch x patch`` pixels are projected linearly to ``d_model`` (a ``Conv2D``
    whose kernel and stride are the patch size computes exactly ``W @ flattened patch + b``
    for every patch), flattened row by row into a sequence, a learned [CLS] token is put
    first and learned position embeddings are added; ``n_layers`` pre-norm blocks (GELU
    feed-forward) follow, and a float32 softmax reads the classes from the final [CLS]
    vector. ``attention_model`` returns each block's ``(batch, heads, 1 + P, 1 + P)`` scores.
    Defined in 07_attention_transformers.
    """
    import keras

    if image_size % patch:
        raise ValueError(f"the image size {image_size} must be a multiple of the patch size {patch}")
    classes = _layer_classes()
    grid = image_size // patch
    image = keras.Input(shape=(image_size, image_size, channels), name="image")
    h = keras.layers.Conv2D(d_model, patch, strides=patch, name="patch_projection")(image)
    h = keras.layers.Reshape((grid * grid, d_model), name="patch_sequence")(h)
    h = classes["ClassToken"](name="class_token")(h)
    h = classes["PositionEmbedding"](name="position_embedding")(h)
    scores = []
    for i in range(n_layers):
        h, s = transformer_block(h, num_heads, d_model // num_heads, ff_dim, pre_norm=True, activation="gelu",
                                 name=f"block{i + 1}")
        scores.append(s)
    h = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")(h)
    cls = keras.layers.Lambda(lambda t: t[:, 0, :], name="cls_vector")(h)
    probs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities")(cls)
    model = keras.Model(image, probs, name="galaxy_vit")
    return model, keras.Model(image, scores, name="galaxy_vit_attention")


def attention_scores(attention_model: "keras.Model", x: Any) -> np.ndarray:
    """The attention weights for ONE input ``x`` (no batch axis): float64 ``(layers, heads, queries, keys)``.

    Rows are renormalised to sum to 1: under a mixed-precision policy the softmax runs in
    float16/bfloat16 and its rows sum to 1 only within about 1e-2.
    Defined in 07_attention_transformers.
    """
    out = attention_model(np.asarray(x)[None], training=False)
    if not isinstance(out, (list, tuple)):
        out = [out]
    att = np.stack([np.asarray(s, dtype=np.float64)[0] for s in out])
    return att / att.sum(axis=-1, keepdims=True)


def layer_table(model: "keras.Model") -> str:
    """One line per layer: name, kind, output shape(s) and parameter count, then the total.

    Like ``cnn.layer_table`` (lecture 05), but a layer with several outputs (an attention
    layer that also returns its scores) lists all their shapes.
    Defined in 07_attention_transformers.
    """
    rows = [("layer", "kind", "output shape", "parameters")]
    for layer in model.layers:
        outs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
        shape = " + ".join(str(tuple(o.shape)).replace("None", "batch") for o in outs)
        rows.append((layer.name, type(layer).__name__, shape, f"{layer.count_params():,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}" for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append(f"total parameters: {model.count_params():,}")
    return "\n".join(lines)


# ------------------------------------------------------------- toy translation task

#: The toy translation task's English nouns, adjectives and verbs and their French translations.
#: All nouns are feminine in French (so the article is always "une") and the adjectives follow
#: the noun in French, in mirrored order: "a red giant star" -> "une étoile géante rouge".
TOY_NOUNS = {"star": "étoile", "galaxy": "galaxie", "planet": "planète", "comet": "comète", "nebula": "nébuleuse"}
TOY_ADJECTIVES = {"red": "rouge", "binary": "binaire", "distant": "lointaine", "bright": "brillante",
                  "giant": "géante", "magnetic": "magnétique", "variable": "variable"}
TOY_VERBS = {"eclipses": "éclipse", "hides": "cache", "heats": "chauffe", "lights": "éclaire", "follows": "suit"}
#: Source (English) and target (French) vocabularies; id 0 is padding in both.
SOURCE_VOCAB = ("<pad>", "a", *TOY_NOUNS, *TOY_ADJECTIVES, *TOY_VERBS)
TARGET_VOCAB = ("<pad>", "<start>", "<end>", "une", *TOY_NOUNS.values(), *TOY_ADJECTIVES.values(),
                *TOY_VERBS.values())
PAD, START, END = 0, 1, 2
#: Longest sentence (two noun phrases of up to two adjectives and a verb) and decoder length (+ <start>/<end>).
SOURCE_LENGTH, TARGET_LENGTH = 9, 10


class ToyTranslation(NamedTuple):
    """Token arrays of the toy translation task (see :func:`toy_translation_data`)."""

    source: np.ndarray         # (n, SOURCE_LENGTH) English ids, padded with 0
    decoder_input: np.ndarray  # (n, TARGET_LENGTH) <start> + French ids, padded
    target: np.ndarray         # (n, TARGET_LENGTH) French ids + <end>, padded
    aligned: np.ndarray        # (n, TARGET_LENGTH) source position each target word translates, -1 if none


def toy_translation_data(n: int, seed: int = 0) -> ToyTranslation:
    """Random English sentences of a tiny grammar and their word-by-word French translations.

    A sentence is ``NP verb NP`` with ``NP = "a" adjective* noun`` (no, one or two
    different adjectives, with probabilities 0.3, 0.4, 0.3), from :data:`TOY_NOUNS`,
    :data:`TOY_ADJECTIVES` and :data:`TOY_VERBS`. French puts the adjectives after the
    noun, in mirrored order, as in *European Economic Area* -> *zone économique
    européenne*: "a bright giant star hides a comet" -> "une étoile géante brillante
    cache une comète". ``aligned[i, t]`` is the position in the English sentence of the
    word that target word ``t`` translates (-1 for the article and ``<end>``). A noun
    phrase is one of 5 x (1 + 7 + 7 x 6) = 250, so there are 250 x 5 x 250 = 312 500
    sentences. Deterministic for a given ``seed``.

    Defined in 07_attention_transformers.
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"need n >= 0, got {n}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x7A,)))
    source = np.zeros((n, SOURCE_LENGTH), np.int32)
    dec_in = np.zeros((n, TARGET_LENGTH), np.int32)
    target = np.zeros((n, TARGET_LENGTH), np.int32)
    aligned = np.full((n, TARGET_LENGTH), -1, np.int32)
    s_id = {w: i for i, w in enumerate(SOURCE_VOCAB)}
    t_id = {w: i for i, w in enumerate(TARGET_VOCAB)}
    nouns, adjectives, verbs = list(TOY_NOUNS), list(TOY_ADJECTIVES), list(TOY_VERBS)
    for row in range(n):
        english: list[str] = []
        french: list[tuple[str, int]] = []  # (word, source position it translates)
        for part in range(2):
            k = int(rng.choice(3, p=[0.3, 0.4, 0.3]))
            adj = [adjectives[j] for j in rng.choice(len(adjectives), size=k, replace=False)]
            noun = nouns[int(rng.integers(len(nouns)))]
            start = len(english)
            english += ["a", *adj, noun]
            french += [("une", -1), (TOY_NOUNS[noun], start + 1 + k)]
            french += [(TOY_ADJECTIVES[a], start + 1 + j) for j, a in reversed(list(enumerate(adj)))]
            if part == 0:
                verb = verbs[int(rng.integers(len(verbs)))]
                french.append((TOY_VERBS[verb], len(english)))
                english.append(verb)
        source[row, :len(english)] = [s_id[w] for w in english]
        ids = [t_id[w] for w, _ in french]
        dec_in[row, :len(ids) + 1] = [START, *ids]
        target[row, :len(ids) + 1] = [*ids, END]
        aligned[row, :len(ids)] = [p for _, p in french]
    return ToyTranslation(source, dec_in, target, aligned)


def words(tokens: Any, vocab: Sequence[str] = TARGET_VOCAB) -> list[str]:
    """Token ids as words, stopping at ``<end>`` and leaving out padding and ``<start>``.

    Defined in 07_attention_transformers.
    """
    out = []
    for t in np.asarray(tokens).ravel():
        word = vocab[int(t)]
        if word == "<end>":
            break
        if word not in ("<pad>", "<start>"):
            out.append(word)
    return out


def exact_matches(decoded: Any, target: Any) -> float:
    """Share of sentences whose decoded words (up to ``<end>``) equal the target's exactly.

    Defined in 07_attention_transformers.
    """
    pairs = list(zip(np.asarray(decoded), np.asarray(target)))
    if not pairs:
        raise ValueError("need at least one sentence")
    return float(np.mean([words(d) == words(t) for d, t in pairs]))


def build_translator(d_model: int = 32, num_heads: int = 1, ff_dim: int = 64
                     ) -> tuple["keras.Model", "keras.Model"]:
    """A small encoder-decoder transformer for the toy translation task: ``(model, cross_attention_model)``.

    Inputs: English ids ``(batch, SOURCE_LENGTH)`` and the decoder input ``(batch,
    TARGET_LENGTH)`` (``<start>`` + the French words so far, teacher forcing). The
    encoder embeds the source, adds sinusoidal positions and runs one post-norm block
    of self-attention whose padding mask hides the ``<pad>`` keys. The decoder embeds
    its input, adds positions and runs one block of causal self-attention, then
    **cross-attention** (queries from the decoder, keys and values from the encoder's
    output, padding keys masked), then the feed-forward network, each with add & norm;
    a float32 softmax over :data:`TARGET_VOCAB` gives the next word at every position.
    ``cross_attention_model`` returns the cross-attention weights ``(batch, heads,
    TARGET_LENGTH, SOURCE_LENGTH)``: row ``t`` is what the decoder read to write word ``t``.

    Defined in 07_attention_transformers.
    """
    import keras
    from keras import ops

    classes = _layer_classes()
    source = keras.Input(shape=(SOURCE_LENGTH,), dtype="int32", name="english")
    decoder_in = keras.Input(shape=(TARGET_LENGTH,), dtype="int32", name="french_so_far")

    def key_mask(length: int, name: str) -> Any:
        # (batch, length, SOURCE_LENGTH): every query may attend to the real English words only.
        return keras.layers.Lambda(lambda s: ops.repeat(ops.expand_dims(ops.not_equal(s, PAD), 1), length, axis=1),
                                   name=name)(source)

    h = keras.layers.Embedding(len(SOURCE_VOCAB), d_model, name="english_embedding")(source)
    h = classes["SinusoidalPositionEncoding"](name="english_positions")(h)
    encoded, _ = transformer_block(h, num_heads, d_model // num_heads, ff_dim,
                                   attention_mask=key_mask(SOURCE_LENGTH, "padding_mask"), name="encoder")
    y = keras.layers.Embedding(len(TARGET_VOCAB), d_model, name="french_embedding")(decoder_in)
    y = classes["SinusoidalPositionEncoding"](name="french_positions")(y)
    self_att = keras.layers.MultiHeadAttention(num_heads, d_model // num_heads, name="decoder_self_attention")
    y = keras.layers.LayerNormalization(epsilon=1e-6, name="decoder_norm1")(
        keras.layers.Add(name="decoder_residual1")([y, self_att(y, y, use_causal_mask=True)]))
    cross = keras.layers.MultiHeadAttention(num_heads, d_model // num_heads, name="cross_attention")
    attended, cross_scores = cross(y, encoded, attention_mask=key_mask(TARGET_LENGTH, "cross_mask"),
                                   return_attention_scores=True)
    y = keras.layers.LayerNormalization(epsilon=1e-6, name="decoder_norm2")(
        keras.layers.Add(name="decoder_residual2")([y, attended]))
    ffn = keras.Sequential([keras.layers.Dense(ff_dim, activation="relu"), keras.layers.Dense(d_model)],
                           name="decoder_feed_forward")
    y = keras.layers.LayerNormalization(epsilon=1e-6, name="decoder_norm3")(
        keras.layers.Add(name="decoder_residual3")([y, ffn(y)]))
    probs = keras.layers.Dense(len(TARGET_VOCAB), activation="softmax", dtype="float32", name="next_word")(y)
    model = keras.Model([source, decoder_in], probs, name="toy_translator")
    return model, keras.Model([source, decoder_in], cross_scores, name="toy_translator_cross_attention")


def next_word_probabilities(model: "keras.Model", source: Any, french_so_far: Sequence[int]) -> np.ndarray:
    """The translator's softmax over :data:`TARGET_VOCAB` for the next word of one sentence, float64.

    ``source`` is one English sentence (ids, padded or not), ``french_so_far`` the ids
    written so far (without ``<start>``). Defined in 07_attention_transformers.
    """
    src = np.zeros((1, SOURCE_LENGTH), np.int32)
    s = np.asarray(source, dtype=np.int32).ravel()[:SOURCE_LENGTH]
    src[0, :len(s)] = s
    prefix = [int(t) for t in french_so_far]
    if len(prefix) >= TARGET_LENGTH:
        raise ValueError(f"at most {TARGET_LENGTH - 1} words can come before the next one, got {len(prefix)}")
    dec = np.zeros((1, TARGET_LENGTH), np.int32)
    dec[0, :len(prefix) + 1] = [START, *prefix]
    p = np.asarray(model([src, dec], training=False), dtype=np.float64)[0, len(prefix)]
    return p / p.sum()


def translate(model: "keras.Model", source: np.ndarray, *, temperature: float | None = None, seed: int = 0,
              return_probs: bool = False) -> Any:
    """Write the French translation of each English sentence one word at a time (autoregressive decoding).

    Step ``t`` runs the model on ``<start>`` + the words chosen so far and takes the
    softmax at position ``t``: with ``temperature=None`` the most probable word
    (**greedy decoding**), otherwise a word **sampled** from ``softmax(log p / T)``
    with a seeded generator (``T = 1``: the model's own distribution; larger: flatter,
    more surprising choices; smaller: closer to greedy). The chosen word is fed back
    as the next input. Returns ``(n, TARGET_LENGTH)`` ids (cut them at ``<end>`` with
    :func:`words`), and with ``return_probs`` also the probability the model gave each
    chosen word. Defined in 07_attention_transformers.
    """
    source = np.asarray(source, dtype=np.int32)
    if temperature is not None and temperature <= 0:
        raise ValueError(f"temperature must be > 0 (or None for greedy decoding), got {temperature}")
    n = len(source)
    rng = np.random.default_rng(seed)
    dec = np.zeros((n, TARGET_LENGTH), np.int32)
    dec[:, 0] = START
    out = np.zeros((n, TARGET_LENGTH), np.int32)
    chosen_p = np.zeros((n, TARGET_LENGTH))
    for t in range(TARGET_LENGTH):
        p = np.asarray(model([source, dec], training=False), dtype=np.float64)[:, t]
        p = p / p.sum(axis=-1, keepdims=True)
        if temperature is None:
            choice = p.argmax(axis=-1)
        else:
            q = stable_softmax(np.log(np.maximum(p, 1e-300)) / temperature)
            choice = np.array([rng.choice(len(row), p=row) for row in q])
        out[:, t] = choice
        chosen_p[:, t] = p[np.arange(n), choice]
        if t + 1 < TARGET_LENGTH:
            dec[:, t + 1] = choice
    return (out, chosen_p) if return_probs else out


def alignment_hits(cross_attention: np.ndarray, aligned: np.ndarray) -> tuple[int, int]:
    """How many target words put their largest (head-averaged) cross-attention weight on the word they translate.

    ``cross_attention`` is ``(n, heads, TARGET_LENGTH, SOURCE_LENGTH)`` (from the model
    returned by :func:`build_translator`), ``aligned`` the matching array of
    :func:`toy_translation_data` (-1 where a word translates no single English word:
    the article, ``<end>``, padding). Returns ``(hits, words counted)``.
    Defined in 07_attention_transformers.
    """
    best = np.asarray(cross_attention, dtype=float).mean(axis=1).argmax(axis=-1)  # (n, TARGET_LENGTH)
    aligned = np.asarray(aligned)
    counted = aligned >= 0
    return int(np.sum((best == aligned) & counted)), int(counted.sum())


# ------------------------------------------------------------ attention over feature maps


def build_attention_cnn(image_size: int, channels: int = 1, filters: int = 16, n_classes: int = 2,
                        reduction: int = 8) -> tuple["keras.Model", "keras.Model"]:
    """A CNN with one self-attention layer over its feature maps, as in SAGAN: ``(model, attention_model)``.

    ``Conv2D(filters, 3, same, ReLU)`` and ``MaxPooling2D(2)`` make feature maps of
    ``(image_size / 2)^2`` positions; :class:`FeatureMapAttention` (1x1 convolutions
    for queries, keys and values, ``filters // reduction`` channels each) lets every
    position attend to every other; global average pooling and a float32 softmax
    classify. ``attention_model`` returns the ``(batch, N, N)`` attention weights,
    ``N = (image_size / 2)^2``, row ``i`` for query position ``i`` (row by row over the
    feature map). Defined in 07_attention_transformers.
    """
    import keras

    if image_size % 2:
        raise ValueError(f"the image size must be even, got {image_size}")
    layer = _layer_classes()["FeatureMapAttention"](reduction=reduction, name="feature_map_attention")
    image = keras.Input(shape=(image_size, image_size, channels), name="image")
    h = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv")(image)
    h = keras.layers.MaxPooling2D(2, name="pool")(h)
    h, weights = layer(h)
    h = keras.layers.GlobalAveragePooling2D(name="global_average")(h)
    probs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities")(h)
    return keras.Model(image, probs, name="attention_cnn"), keras.Model(image, weights, name="attention_cnn_weights")


def bright_attention_share(attention: Any, images: Any, top: float = 0.1) -> np.ndarray:
    """Per image, the mean share of attention that goes to the brightest ``top`` fraction of positions.

    ``attention`` is ``(n, N, N)`` (every query over ``N`` positions of a square
    feature map or patch grid) or ``(n, N)`` (one query per image, such as a ViT's
    class token over its patches); ``images`` are the ``(n, H, W[, 1])`` inputs, each
    average-pooled to the map's size to rank positions by brightness. A map that
    ignores brightness gives about ``top``. Defined in 07_attention_transformers.
    """
    att = np.asarray(attention, dtype=float)
    if att.ndim == 2:
        att = att[:, None, :]
    img = np.asarray(images, dtype=float)
    img = img[..., 0] if img.ndim == 4 else img
    side = math.isqrt(att.shape[-1])
    if side * side != att.shape[-1] or img.shape[1] % side or img.shape[2] % side:
        raise ValueError(f"need a square feature map whose side divides the image, got {att.shape[-1]} positions "
                         f"for images of {img.shape[1:]}")
    f = img.shape[1] // side
    pooled = img.reshape(len(img), side, f, side, f).mean(axis=(2, 4)).reshape(len(img), -1)
    k = max(1, int(round(top * side * side)))
    brightest = np.argsort(pooled, axis=1)[:, -k:]
    share = np.take_along_axis(att, np.broadcast_to(brightest[:, None, :], (len(att), att.shape[1], k)), axis=2)
    return share.sum(axis=2).mean(axis=1)


def cls_attention(attention_model: "keras.Model", images: Any) -> np.ndarray:
    """The class token's attention over the patches, last block, averaged over heads: ``(n, n_patches)``.

    ``attention_model`` is the second model :func:`build_vit` returns; ``images`` a batch.
    Defined in 07_attention_transformers.
    """
    out = attention_model(np.asarray(images), training=False)
    last = out[-1] if isinstance(out, (list, tuple)) else out
    rows = np.asarray(last, dtype=np.float64)[:, :, 0, 1:].mean(axis=1)
    return rows / np.asarray(last, dtype=np.float64)[:, :, 0, :].mean(axis=1).sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------- figures


def plot_rnn_influence(n_steps: int = 60, radii: Sequence[float] = (0.8, 0.9, 0.95)) -> Figure:
    """``|dh_t/dx_0|`` of linear RNNs (:func:`rnn_influence`) against ``t``, log scale, next to attention's one step.

    Defined in 07_attention_transformers.
    """
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    t = np.arange(n_steps + 1)
    for r in radii:
        ax.semilogy(t, rnn_influence(n_steps, spectral_radius=r), label=f"RNN, spectral radius {r:g}")
    ax.axhline(1.0, color="k", ls="--", lw=1.2, label="self-attention: every pair is one step apart")
    ax.set_xlabel("distance t between the two tokens (steps)")
    ax.set_ylabel(r"$\|\partial h_t / \partial x_0\|$ (relative)")
    ax.set_title("How much of an early token survives in a recurrent state")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def plot_dot_product_scaling(stats: dict[str, np.ndarray]) -> Figure:
    """Three panels from :func:`dot_product_statistics`: score spread, largest weight, softmax gradient vs d_k.

    Defined in 07_attention_transformers.
    """
    d = stats["d"]
    fig, axes = plt.subplots(1, 3, figsize=(12.0, 3.4))
    panels = (("std", r"std of the score", "spread of the scores"),
              ("max", "mean largest softmax weight", "how one-hot the softmax is"),
              ("grad", r"mean $\|\mathrm{diag}(p)-pp^\top\|_F$", "gradient through the softmax"))
    for ax, (key, ylabel, title) in zip(axes, panels):
        ax.plot(d, stats[f"{key}_raw"], "o-", label=r"$q\cdot k$")
        ax.plot(d, stats[f"{key}_scaled"], "s-", label=r"$q\cdot k/\sqrt{d_k}$")
        ax.set_xscale("log", base=2)
        ax.set_xlabel(r"$d_k$")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
    axes[0].plot(d, np.sqrt(d), "k:", label=r"$\sqrt{d_k}$")
    axes[0].set_yscale("log", base=2)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def _label_square(ax: Any, title: str, tokens: Sequence[str]) -> None:
    ax.set_xticks(range(len(tokens)), tokens, fontsize=8, rotation=90)
    ax.set_yticks(range(len(tokens)), tokens, fontsize=8)
    ax.set_xlabel("keys", fontsize=9)
    ax.set_ylabel("queries", fontsize=9)
    ax.set_title(title, fontsize=10)


def plot_masks(tokens: Sequence[str], n_real: int, weights: np.ndarray | None = None) -> Figure:
    """The padding mask, the causal mask and both together for one sequence (white = may attend).

    ``tokens`` label the positions; the first ``n_real`` are real, the rest padding. With
    ``weights`` (queries x keys) a fourth panel shows the masked attention weights.
    Defined in 07_attention_transformers.
    """
    n = len(tokens)
    pad = np.broadcast_to(padding_mask([n_real], n)[0][None, :], (n, n))
    causal = causal_mask(n)
    panels = [(pad, "padding mask"), (causal, "causal mask"), (pad & causal, "padding and causal")]
    n_panels = 3 + (weights is not None)
    fig, axes = plt.subplots(1, n_panels, figsize=(3.2 * n_panels, 3.4))
    for ax, (m, title) in zip(axes, panels):
        ax.imshow(m.astype(float), cmap="Greys_r", vmin=0, vmax=1, interpolation="nearest")
        _label_square(ax, title, tokens)
    if weights is not None:
        im = axes[3].imshow(weights, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        _label_square(axes[3], "attention weights", tokens)
        fig.colorbar(im, ax=axes[3], fraction=0.046)
    fig.tight_layout()
    return fig


def plot_positional_encoding(pe: np.ndarray, dims: Sequence[int] = (0, 1, 6, 7, 20)) -> Figure:
    """The encoding as an image, a few of its columns against position, and ``PE PE^T``.

    The last panel shows that the similarity of two positions depends (almost) only on
    their distance. Defined in 07_attention_transformers.
    """
    pe = np.asarray(pe, dtype=float)
    fig, axes = plt.subplots(1, 3, figsize=(13.0, 3.6))
    im = axes[0].imshow(pe, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    axes[0].set_xlabel("dimension")
    axes[0].set_ylabel("position")
    axes[0].set_title("PE[position, dimension]", fontsize=10)
    fig.colorbar(im, ax=axes[0], fraction=0.046)
    for j in dims:
        if j < pe.shape[1]:
            axes[1].plot(pe[:, j], label=f"dim {j} ({'sin' if j % 2 == 0 else 'cos'})")
    axes[1].set_xlabel("position")
    axes[1].set_title("single dimensions: waves of growing wavelength", fontsize=10)
    axes[1].legend(fontsize=7, loc="lower left")
    sim = pe @ pe.T
    im = axes[2].imshow(sim, cmap="viridis", interpolation="nearest")
    axes[2].set_xlabel("position")
    axes[2].set_ylabel("position")
    axes[2].set_title(r"dot products $PE_p \cdot PE_q$", fontsize=10)
    fig.colorbar(im, ax=axes[2], fraction=0.046)
    fig.tight_layout()
    return fig


def plot_patches(image: Any, patch: int) -> Figure:
    """The image with its patch grid (numbered row by row) and the patches as the sequence a ViT reads.

    Defined in 07_attention_transformers.
    """
    img = np.squeeze(np.asarray(image, dtype=float))
    patches = patchify(img, patch)
    gh, gw = img.shape[0] // patch, img.shape[1] // patch
    width, height = 12.0, 4.0
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0.02, 0.06, 0.27, 0.80))
    ax.imshow(img, cmap="gray", interpolation="nearest")
    for k in range(1, gh):
        ax.axhline(k * patch - 0.5, color="#E69F00", lw=1)
    for k in range(1, gw):
        ax.axvline(k * patch - 0.5, color="#E69F00", lw=1)
    for r in range(gh):
        for c in range(gw):
            ax.text(c * patch + 0.3, r * patch + 0.3, str(r * gw + c), color="#E69F00", fontsize=7, va="top")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{img.shape[0]}x{img.shape[1]} image, {gh}x{gw} patches of {patch}x{patch}", fontsize=10)
    n = len(patches)
    cols = min(n, 8 if n <= 16 else 16)
    rows = -(-n // cols)
    size = min(0.62 * width / (cols * 1.08), 0.72 * height / (rows * 1.2))  # inches per patch, with gaps
    for k in range(n):
        r, c = divmod(k, cols)
        x0 = 0.34 + c * size * 1.08 / width
        y0 = 0.80 - (r + 1) * size * 1.2 / height
        sub = fig.add_axes((x0, y0, size / width, size / height))
        sub.imshow(patches[k, :, :, 0], cmap="gray", vmin=img.min(), vmax=img.max(), interpolation="nearest")
        sub.set_xticks([])
        sub.set_yticks([])
        sub.set_title(str(k), fontsize=7, pad=1)
    fig.text(0.34, 0.90, f"the sequence of {n} patches (row-major order), each flattened to "
             f"{patch}*{patch}*{patches.shape[-1]} = {patch * patch * patches.shape[-1]} numbers", fontsize=10)
    return fig


def plot_cls_attention(images: np.ndarray, attention: Sequence[np.ndarray], grid: tuple[int, int],
                       titles: Sequence[str]) -> Figure:
    """Images (top) and the [CLS] token's head-averaged attention over their patches (bottom).

    ``attention[k]`` is :func:`attention_scores` output for image ``k``; the last layer is shown.
    Defined in 07_attention_transformers.
    """
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n, 4.2), squeeze=False)
    for k in range(n):
        img = np.squeeze(images[k])
        cls_row = np.asarray(attention[k])[-1, :, 0, :].mean(axis=0)[1:]
        amap = cls_row.reshape(grid)
        axes[0, k].imshow(img, cmap="gray", interpolation="nearest")
        axes[0, k].set_title(titles[k], fontsize=8)
        axes[1, k].imshow(img, cmap="gray", interpolation="nearest")
        up = np.kron(amap, np.ones((img.shape[0] // grid[0], img.shape[1] // grid[1])))
        axes[1, k].imshow(up, cmap="inferno", alpha=0.6, interpolation="nearest")
        for ax in axes[:, k]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("image", fontsize=9)
    axes[1, 0].set_ylabel("[CLS] attention", fontsize=9)
    fig.tight_layout()
    return fig


def plot_feature_attention(images: np.ndarray, attention: Any, queries: Sequence[tuple[int, int]],
                           titles: Sequence[str] | None = None) -> Figure:
    """Where positions of a feature map attend: per image (rows), the image and one panel per query position.

    ``attention`` is ``(n, N, N)`` from :func:`build_attention_cnn`'s attention model over a
    square feature map; ``queries`` are ``(row, column)`` positions on that map (marked
    with a cyan cross), whose attention is upsampled onto the image. Defined in 07_attention_transformers.
    """
    att = np.asarray(attention, dtype=float)
    n = len(images)
    side = math.isqrt(att.shape[-1])
    fig, axes = plt.subplots(n, 1 + len(queries), figsize=(2.2 * (1 + len(queries)), 2.3 * n), squeeze=False)
    for k in range(n):
        img = np.squeeze(np.asarray(images[k], dtype=float))
        f = img.shape[0] // side
        axes[k, 0].imshow(img, cmap="gray", interpolation="nearest")
        axes[k, 0].set_title(titles[k] if titles else "image", fontsize=9)
        for c, (r, col) in enumerate(queries, start=1):
            amap = att[k, r * side + col].reshape(side, side)
            axes[k, c].imshow(img, cmap="gray", interpolation="nearest")
            axes[k, c].imshow(np.kron(amap, np.ones((f, f))), cmap="inferno", alpha=0.65, interpolation="nearest")
            axes[k, c].plot([col * f + (f - 1) / 2], [r * f + (f - 1) / 2], "+", color="cyan", ms=12, mew=2)
            if k == 0:
                axes[k, c].set_title(f"query at ({r}, {col})", fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig
