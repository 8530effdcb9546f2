"""Tests for course.transformers: reference maths against SciPy, Keras and TensorFlow, toy data, models, figures."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import special  # noqa: E402

from course import device  # noqa: E402
from course import transformers as T  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def keras():
    """Keras, imported quietly and seeded by device.setup (CPU sizes, float32)."""
    device.setup(profile="cpu", verbose=False)
    import keras as k

    return k


@pytest.fixture(scope="module")
def tf(keras):
    import tensorflow

    return tensorflow


# ------------------------------------------------------------------ RNN limits


def test_rnn_influence_decays_like_the_spectral_radius():
    for radius in (0.8, 0.95):
        norms = T.rnn_influence(300, spectral_radius=radius, seed=3)
        assert norms.shape == (301,)
        assert norms[0] == pytest.approx(1.0)
        # Gelfand's formula: ||W^t||^(1/t) -> spectral radius.
        assert norms[300] ** (1 / 300) == pytest.approx(radius, abs=0.02)
    assert T.rnn_influence(50, spectral_radius=0.8)[-1] < T.rnn_influence(50, spectral_radius=0.95)[-1]
    assert T.rnn_influence(40, spectral_radius=1.1)[-1] > 1.0


def test_rnn_influence_rejects_bad_arguments():
    with pytest.raises(ValueError):
        T.rnn_influence(-1)
    with pytest.raises(ValueError):
        T.rnn_influence(5, spectral_radius=0.0)


def test_complexity_table_values():
    rows = {name.split()[0]: rest for name, *rest in T.complexity_table(10, 4, k=3)}
    assert rows["self-attention"] == [400, 1, 1]
    assert rows["recurrent"] == [160, 10, 10]
    assert rows["convolution"] == [480, 1, 5]  # 5 layers of kernel 3 connect positions 0 and 9
    with pytest.raises(ValueError):
        T.complexity_table(1, 4)


# ------------------------------------------------------------- attention maths


def test_stable_softmax_matches_scipy_and_survives_large_inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5)) * 30
    for axis in (0, 1, -1):
        np.testing.assert_allclose(T.stable_softmax(x, axis=axis), special.softmax(x, axis=axis), rtol=1e-12)
    big = T.stable_softmax([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(big, [0.5, 0.5, 0.0])


def test_dot_product_statistics_follow_the_variance_argument():
    s = T.dot_product_statistics([4, 64, 1024], n_keys=8, n_trials=400, seed=1)
    np.testing.assert_allclose(s["std_raw"], np.sqrt([4, 64, 1024]), rtol=0.06)
    np.testing.assert_allclose(s["std_scaled"], 1.0, rtol=0.06)
    assert np.all(np.diff(s["max_raw"]) > 0) and s["max_raw"][-1] > 0.9  # saturates towards one-hot
    assert np.ptp(s["max_scaled"]) < 0.05  # the scaled softmax looks the same at every d_k
    assert s["grad_raw"][-1] < 0.2 * s["grad_scaled"][-1]  # and keeps its gradient
    assert list(s["d"]) == [4, 64, 1024]


def _pe_reference(length, d):
    return np.array([[math.sin(p / 10000 ** (j / d)) if j % 2 == 0 else math.cos(p / 10000 ** ((j - 1) / d))
                      for j in range(d)] for p in range(length)])


@pytest.mark.parametrize("length,d", [(1, 2), (12, 16), (50, 7), (3, 1)])
def test_sinusoidal_encoding_matches_the_formula(length, d):
    pe = T.sinusoidal_encoding(length, d)
    assert pe.shape == (length, d) and pe.dtype == np.float32
    np.testing.assert_allclose(pe, _pe_reference(length, d), atol=1e-6)


def test_sinusoidal_encoding_rejects_empty():
    with pytest.raises(ValueError):
        T.sinusoidal_encoding(0, 4)


def test_causal_mask_is_what_keras_use_causal_mask_does(keras):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 5, 8)).astype(np.float32)
    mha = keras.layers.MultiHeadAttention(2, 4)
    _, w_flag = mha(x, x, use_causal_mask=True, return_attention_scores=True)
    _, w_mask = mha(x, x, attention_mask=np.broadcast_to(T.causal_mask(5), (2, 5, 5)), return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(w_flag), np.asarray(w_mask), atol=1e-7)
    assert np.all(np.asarray(w_flag)[..., ~T.causal_mask(5)] == 0)
    assert T.causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]


def test_padding_mask():
    m = T.padding_mask([2, 4, 0], 4)
    assert m.dtype == bool
    assert m.tolist() == [[True, True, False, False], [True] * 4, [False] * 4]
    with pytest.raises(ValueError):
        T.padding_mask([5], 4)


@pytest.mark.parametrize("d,h,k,v", [(8, 1, 8, None), (32, 4, 8, None), (12, 3, 5, 7)])
def test_mha_params_match_keras(keras, d, h, k, v):
    layer = keras.layers.MultiHeadAttention(h, k, value_dim=v)
    x = np.zeros((1, 3, d), np.float32)
    layer(x, x)
    assert T.mha_params(d, h, k, v) == layer.count_params()


def test_block_params_match_the_keras_block(keras):
    x = keras.Input((6, 16))
    out, _ = T.transformer_block(x, 2, 8, 40)
    assert T.block_params(16, 2, 8, 40) == keras.Model(x, out).count_params()


@pytest.mark.parametrize("shape,patch", [((8, 8, 1), 4), ((6, 9, 3), 3), ((7, 10), 3), ((4, 4, 2), 4)])
def test_patchify_matches_tf_extract_patches(tf, shape, patch):
    img = np.random.default_rng(4).normal(size=shape).astype(np.float32)
    got = T.patchify(img, patch)
    x = img if img.ndim == 3 else img[..., None]
    want = tf.image.extract_patches(x[None], sizes=[1, patch, patch, 1], strides=[1, patch, patch, 1],
                                    rates=[1, 1, 1, 1], padding="VALID").numpy().reshape(-1, patch * patch * x.shape[-1])
    assert got.shape == (len(want), patch, patch, x.shape[-1])
    np.testing.assert_array_equal(got.reshape(len(got), -1), want)


# ------------------------------------------------------------------- DNA task


def test_reverse_complement_of_a_known_strand():
    # AACG -> complement TTGC -> reversed CGTT
    assert T.tokens_to_text(T.reverse_complement([0, 0, 1, 2])) == "CGTT"
    strands, _ = T.reverse_complement_data(20, 9, seed=5)
    np.testing.assert_array_equal(T.reverse_complement(T.reverse_complement(strands)), strands)
    with pytest.raises(ValueError):
        T.reverse_complement([0, 4])


def test_reverse_complement_data_is_seeded_and_consistent():
    a, b = T.reverse_complement_data(50, 10, seed=0)
    a2, _ = T.reverse_complement_data(50, 10, seed=0)
    c, _ = T.reverse_complement_data(50, 10, seed=1)
    assert a.shape == b.shape == (50, 10) and a.dtype == np.int32
    np.testing.assert_array_equal(a, a2)
    assert not np.array_equal(a, c)
    for s, t in zip(a, b):
        assert T.tokens_to_text(t) == T.tokens_to_text(s).translate(str.maketrans("ACGT", "TGCA"))[::-1]
    assert set(np.unique(a)) == {0, 1, 2, 3}


def test_decoder_inputs_layout():
    s, t = T.reverse_complement_data(3, 4, seed=2)
    x = T.decoder_inputs(s, t)
    assert x.shape == (3, 8)
    np.testing.assert_array_equal(x[:, :4], s)
    assert np.all(x[:, 4] == T.SEP)
    np.testing.assert_array_equal(x[:, 5:], t[:, :3])
    assert T.tokens_to_text([0, 1, 2, 3, T.SEP]) == "ACGT|"


# ---------------------------------------------------------------------- models


@pytest.fixture(scope="module")
def decoder(keras):
    keras.utils.set_random_seed(0)
    return T.build_decoder(5, d_model=16, num_heads=2, ff_dim=16)


def test_decoder_shapes_and_causality(decoder):
    model, att = decoder
    s, t = T.reverse_complement_data(4, 5, seed=3)
    x = T.decoder_inputs(s, t)
    p = np.asarray(model(x, training=False))
    assert p.shape == (4, 5, len(T.VOCAB))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-5)
    changed = x.copy()
    changed[:, 7] = (changed[:, 7] + 1) % 4  # input position 7 holds target letter 1, fed back
    q = np.asarray(model(changed, training=False))
    np.testing.assert_allclose(q[:, :2], p[:, :2], atol=1e-6)  # outputs at positions 5, 6 cannot see it
    assert not np.allclose(q[:, 2:], p[:, 2:])
    a = T.attention_scores(att, x[0])
    assert a.shape == (1, 2, 10, 10)
    np.testing.assert_allclose(a.sum(-1), 1.0)
    assert np.all(a[..., ~T.causal_mask(10)] < 1e-7)


class _CountingOracle:
    """Predicts target t as (input at target position t + 1) mod 4, with SEP read as -1: 0, 1, 2, ..."""

    def __init__(self, length):
        self.length = length

    def __call__(self, seq, training=False):
        seq = np.asarray(seq)
        inputs = seq[:, self.length:].astype(int)
        inputs = np.where(inputs == T.SEP, -1, inputs)
        out = np.zeros((len(seq), self.length, len(T.VOCAB)))
        np.put_along_axis(out, ((inputs + 1) % 4)[..., None], 0.9, axis=-1)
        return out + 0.02


def test_greedy_decode_feeds_its_own_outputs_back():
    strands, _ = T.reverse_complement_data(3, 6, seed=0)
    out, probs = T.greedy_decode(_CountingOracle(6), strands, return_probs=True)
    np.testing.assert_array_equal(out, np.tile([0, 1, 2, 3, 0, 1], (3, 1)))
    np.testing.assert_allclose(probs, 0.92)


def test_build_vit_patch_projection_is_linear_in_the_flattened_patch(keras):
    keras.utils.set_random_seed(1)
    model, att = T.build_vit(16, 4, channels=2, n_classes=3, d_model=8, num_heads=2, ff_dim=8, n_layers=2)
    img = np.random.default_rng(0).random((16, 16, 2)).astype(np.float32)
    p = np.asarray(model(img[None], training=False))
    assert p.shape == (1, 3)
    np.testing.assert_allclose(p.sum(), 1.0, atol=1e-6)
    conv = model.get_layer("patch_projection")
    kernel, bias = (np.asarray(w) for w in conv.get_weights())
    flat = T.patchify(img, 4).reshape(16, -1)
    want = flat @ kernel.reshape(-1, 8) + bias
    got = np.asarray(keras.Model(model.input, model.get_layer("patch_sequence").output)(img[None]))[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    a = T.attention_scores(att, img)
    assert a.shape == (2, 2, 17, 17)
    np.testing.assert_allclose(a.sum(-1), 1.0)
    with pytest.raises(ValueError):
        T.build_vit(10, 4)


# ---------------------------------------------------------------------- figures


def test_figures_have_their_panels():
    assert len(T.plot_rnn_influence(20).axes) == 1
    stats = T.dot_product_statistics([4, 16], n_trials=20)
    assert len(T.plot_dot_product_scaling(stats).axes) == 3
    toks = list("abcde")
    assert len(T.plot_masks(toks, 3).axes) == 3
    assert len(T.plot_masks(toks, 3, weights=np.eye(5)).axes) == 5  # four panels and a colour bar
    assert len(T.plot_positional_encoding(T.sinusoidal_encoding(20, 16)).axes) == 5  # three panels, two colour bars
    assert len(T.plot_patches(np.zeros((16, 16)), 4).axes) == 1 + 16
    att = [np.full((1, 2, 5, 5), 0.2), np.full((1, 2, 5, 5), 0.2)]
    fig = T.plot_cls_attention(np.zeros((2, 8, 8)), att, (2, 2), ["a", "b"])
    assert len(fig.axes) == 4


def test_layer_table_lists_attention_outputs(keras):
    x = keras.Input((6, 16))
    out, _ = T.transformer_block(x, 2, 8, 40, name="b")
    table = T.layer_table(keras.Model(x, out))
    lines = table.splitlines()
    attention = next(line for line in lines if line.startswith("b_attention"))
    assert "(batch, 6, 16) + (batch, 2, 6, 6)" in attention
    assert attention.split()[-1] == f"{T.mha_params(16, 2, 8):,}"
    assert lines[-1] == f"total parameters: {T.block_params(16, 2, 8, 40):,}"


# ---------------------------------------------------------- sinusoidal shifts


@pytest.mark.parametrize("k, d", [(5, 32), (-3, 8), (0, 2), (40, 16)])
def test_shift_matrix_moves_every_code_by_k(k, d):
    pe = T.sinusoidal_encoding(120, d).astype(float)
    r = T.shift_matrix(k, d)
    lo, hi = max(0, -k), 120 - max(0, k)
    np.testing.assert_allclose(pe[lo:hi] @ r, pe[lo + k:hi + k], atol=1e-5)
    np.testing.assert_allclose(r @ r.T, np.eye(d), atol=1e-12)        # a rotation
    np.testing.assert_allclose(T.shift_matrix(-k, d), r.T, atol=1e-12)  # going back undoes it
    with pytest.raises(ValueError):
        T.shift_matrix(1, 5)


# ------------------------------------------------------------- toy translation


def test_toy_translation_data_follows_the_grammar():
    data = T.toy_translation_data(50, seed=4)
    again = T.toy_translation_data(50, seed=4)
    for a, b in zip(data, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(T.toy_translation_data(50, seed=5).source, data.source)
    assert data.source.shape == (50, T.SOURCE_LENGTH) and data.target.shape == (50, T.TARGET_LENGTH)
    np.testing.assert_array_equal(data.decoder_input[:, 0], T.START)
    np.testing.assert_array_equal(data.decoder_input[:, 1:], data.target[:, :-1] * (data.target[:, :-1] != T.END))
    french_of = {**T.TOY_NOUNS, **T.TOY_ADJECTIVES, **T.TOY_VERBS}
    for row in range(50):
        english = [T.SOURCE_VOCAB[i] for i in data.source[row] if i]
        french = T.words(data.target[row])
        assert len(french) == len(english) and english.count("a") == 2 == french.count("une")
        for t, pos in enumerate(data.aligned[row, :len(french)]):
            if pos >= 0:
                assert french_of[english[pos]] == french[t]      # the aligned word is the one translated
            else:
                assert french[t] == "une"
        assert data.aligned[row, len(french):].max() == -1          # <end> and padding
    assert T.toy_translation_data(0).source.shape == (0, T.SOURCE_LENGTH)
    with pytest.raises(ValueError):
        T.toy_translation_data(-1)


def test_toy_translation_puts_adjectives_after_the_noun_in_mirrored_order():
    s_id = {w: i for i, w in enumerate(T.SOURCE_VOCAB)}
    data = T.toy_translation_data(400, seed=0)
    sentence = "a bright giant star hides a comet".split()
    ids = [s_id[w] for w in sentence]
    rows = [r for r in range(400) if list(data.source[r, :len(ids)]) == ids and data.source[r, len(ids):].max() == 0]
    # the grammar has 312 500 sentences; build the expected translation directly instead of hoping for a draw
    assert T.words([T.TARGET_VOCAB.index(w) for w in "une étoile géante brillante".split()] + [T.END, 5]) == \
        ["une", "étoile", "géante", "brillante"]
    for r in rows:
        assert T.words(data.target[r]) == "une étoile géante brillante cache une comète".split()
    assert 5 * (1 + 7 + 7 * 6) == 250


def test_words_stops_at_end_and_skips_padding():
    v = T.TARGET_VOCAB
    ids = [T.START, v.index("une"), v.index("comète"), T.PAD, T.END, v.index("une")]
    assert T.words(ids) == ["une", "comète"]
    assert T.words([1, 2], vocab=("x", "y", "z")) == ["y", "z"]


def test_exact_matches_compares_whole_sentences_up_to_end():
    v = T.TARGET_VOCAB
    une, comete = v.index("une"), v.index("comète")
    target = np.array([[une, comete, T.END, 0], [une, comete, T.END, 0]])
    decoded = np.array([[une, comete, T.END, une], [une, une, T.END, 0]])   # after <end> does not count
    assert T.exact_matches(decoded, target) == 0.5
    with pytest.raises(ValueError):
        T.exact_matches(np.zeros((0, 4)), np.zeros((0, 4)))


class _TranslatorOracle:
    """Gives probability 0.7 to (number of words so far + 3) and spreads the rest evenly, at every position."""

    def __call__(self, inputs, training=False):
        source, dec = (np.asarray(a) for a in inputs)
        out = np.full((len(source), T.TARGET_LENGTH, len(T.TARGET_VOCAB)), 0.3 / (len(T.TARGET_VOCAB) - 1))
        for t in range(T.TARGET_LENGTH):
            out[:, t, (t + 3) % len(T.TARGET_VOCAB)] = 0.7
        return out


def test_translate_greedy_and_sampling():
    src = T.toy_translation_data(6, seed=0).source
    greedy, p = T.translate(_TranslatorOracle(), src, return_probs=True)
    np.testing.assert_array_equal(greedy, np.tile(np.arange(3, 3 + T.TARGET_LENGTH) % len(T.TARGET_VOCAB), (6, 1)))
    np.testing.assert_allclose(p, 0.7)
    a = T.translate(_TranslatorOracle(), src, temperature=1.0, seed=3)
    np.testing.assert_array_equal(a, T.translate(_TranslatorOracle(), src, temperature=1.0, seed=3))
    many = T.translate(_TranslatorOracle(), np.repeat(src[:1], 400, axis=0), temperature=1.0, seed=0)
    assert abs((many == greedy[0]).mean() - 0.7) < 0.05        # T = 1 samples the model's own distribution
    cold = T.translate(_TranslatorOracle(), np.repeat(src[:1], 200, axis=0), temperature=0.05, seed=0)
    np.testing.assert_array_equal(cold, np.tile(greedy[0], (200, 1)))  # T -> 0 is greedy
    with pytest.raises(ValueError):
        T.translate(_TranslatorOracle(), src, temperature=0.0)


def test_next_word_probabilities_reads_the_next_position():
    src = T.toy_translation_data(1, seed=0).source[0]
    p = T.next_word_probabilities(_TranslatorOracle(), src, [4, 5])
    assert p.argmax() == 5 and p.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError):
        T.next_word_probabilities(_TranslatorOracle(), src, [4] * T.TARGET_LENGTH)


def test_alignment_hits_counts_only_aligned_words():
    aligned = np.array([[-1, 2, 0, -1]])
    att = np.zeros((1, 2, 4, 3))
    att[0, :, 0, 1] = att[0, :, 1, 2] = att[0, :, 2, 1] = att[0, :, 3, 0] = 1.0
    assert T.alignment_hits(att, aligned) == (1, 2)
    att[0, 0, 2] = [1.0, 0.0, 0.0]      # the heads disagree; their average puts the most weight on key 0
    att[0, 1, 2] = [0.4, 0.6, 0.0]
    assert T.alignment_hits(att, aligned) == (2, 2)


def test_build_translator_shapes_masks_and_causality(keras):
    keras.utils.set_random_seed(0)
    model, cross = T.build_translator(d_model=8, num_heads=2, ff_dim=8)
    data = T.toy_translation_data(3, seed=1)
    p = np.asarray(model([data.source, data.decoder_input], training=False))
    assert p.shape == (3, T.TARGET_LENGTH, len(T.TARGET_VOCAB))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-5)
    a = np.asarray(cross([data.source, data.decoder_input], training=False))
    assert a.shape == (3, 2, T.TARGET_LENGTH, T.SOURCE_LENGTH)
    np.testing.assert_allclose(a.sum(-1), 1.0, atol=1e-5)
    assert np.all(a[np.broadcast_to((data.source == T.PAD)[:, None, None, :], a.shape)] == 0.0)  # padding keys
    changed = data.decoder_input.copy()
    changed[:, 4] = 5
    q = np.asarray(model([data.source, changed], training=False))
    np.testing.assert_allclose(q[:, :4], p[:, :4], atol=1e-6)          # earlier positions cannot see it


# ------------------------------------------------------- attention over feature maps


def test_feature_map_attention_starts_as_the_identity_and_is_sagan(keras):
    keras.utils.set_random_seed(0)
    model, att = T.build_attention_cnn(8, channels=1, filters=8, reduction=4)
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)
    w = np.asarray(att(x))
    assert w.shape == (2, 16, 16)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)
    layer = model.get_layer("feature_map_attention")
    assert float(layer.gamma.numpy()) == 0.0                           # starts as the identity
    feats = np.asarray(keras.Model(model.input, model.get_layer("pool").output)(x))
    out = np.asarray(keras.Model(model.input, model.get_layer("feature_map_attention").output[0])(x))
    np.testing.assert_allclose(out, feats, atol=1e-6)
    # the weights are softmax(Q K^T) of 1x1 convolutions, without a 1/sqrt(d) scale
    qk = [np.asarray(getattr(layer, n).kernel)[0, 0] for n in ("query", "key")]
    qb = [np.asarray(getattr(layer, n).bias) for n in ("query", "key")]
    f = feats.reshape(2, 16, 8)
    q, k = f @ qk[0] + qb[0], f @ qk[1] + qb[1]
    np.testing.assert_allclose(w, special.softmax(q @ k.transpose(0, 2, 1), axis=-1), rtol=1e-4, atol=1e-6)
    layer.gamma.assign(1.0)
    assert not np.allclose(np.asarray(keras.Model(model.input, layer.output[0])(x)), feats)
    assert np.asarray(model(x)).shape == (2, 2)
    with pytest.raises(ValueError):
        T.build_attention_cnn(7)


def test_bright_attention_share():
    img = np.zeros((1, 4, 4))
    img[0, 0, 0] = 1.0                                   # one bright pixel: position 0 of a 2x2 map
    uniform = np.full((1, 4, 4), 0.25)
    assert T.bright_attention_share(uniform, img, top=0.25) == pytest.approx([0.25])
    focused = np.zeros((1, 4, 4))
    focused[0, :, 0] = 1.0
    assert T.bright_attention_share(focused, img, top=0.25) == pytest.approx([1.0])
    assert T.bright_attention_share(np.array([[0.5, 0.5, 0.0, 0.0]]), img[..., None], top=0.25) == pytest.approx([0.5])
    with pytest.raises(ValueError):
        T.bright_attention_share(np.full((1, 5), 0.2), img)


def test_cls_attention_is_the_class_row_over_the_patches():
    class _Fake:
        def __call__(self, images, training=False):
            a = np.zeros((len(images), 2, 5, 5))
            a[:, 0, 0] = [0.2, 0.2, 0.2, 0.2, 0.2]
            a[:, 1, 0] = [0.0, 1.0, 0.0, 0.0, 0.0]
            return [np.full_like(a, 0.2), a]          # two blocks: the last one counts

    np.testing.assert_allclose(T.cls_attention(_Fake(), np.zeros((3, 4, 4))), np.tile([0.6, 0.1, 0.1, 0.1], (3, 1)))


def test_plot_feature_attention_panels():
    att = np.full((2, 4, 4), 0.25)
    fig = T.plot_feature_attention(np.zeros((2, 8, 8, 1)), att, [(0, 0), (1, 1)], ["a", "b"])
    assert len(fig.axes) == 2 * 3
