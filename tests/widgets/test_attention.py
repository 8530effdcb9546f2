"""course.widgets.attention: the maths, real Keras attention scores, and the widget headless."""

from __future__ import annotations

import base64
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course.widgets.attention import (  # noqa: E402
    alignment_example,
    attention_map,
    head_average,
    make_attention_viewer,
    normalise_attention,
    patch_attention_map,
    row_lines,
    token_positions,
)

QUERIES = ["the", "star", "is", "very", "bright"]
KEYS = ["la", "étoile", "est", "très", "brillante", "."]


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def keras_scores() -> np.ndarray:
    """Attention weights of two small Keras MultiHeadAttention layers: (layers=2, heads=3, q=5, k=6)."""
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    query = rng.normal(size=(1, len(QUERIES), 8)).astype("float32")
    value = rng.normal(size=(1, len(KEYS), 8)).astype("float32")
    layers = []
    for _ in range(2):
        mha = keras.layers.MultiHeadAttention(num_heads=3, key_dim=4)
        _, scores = mha(query, value, return_attention_scores=True)
        scores = keras.ops.convert_to_numpy(scores)
        assert scores.shape == (1, 3, len(QUERIES), len(KEYS))  # (batch, heads, queries, keys)
        layers.append(scores[0])
    return np.stack(layers)


# --------------------------------------------------------------------------- maths


def test_normalise_attention_adds_the_missing_axes() -> None:
    rng = np.random.default_rng(1)
    att4 = softmax(rng.normal(size=(2, 3, 4, 5)))
    assert normalise_attention(att4[0, 0]).shape == (1, 1, 4, 5)
    assert normalise_attention(att4[0]).shape == (1, 3, 4, 5)
    np.testing.assert_array_equal(normalise_attention(att4), att4)
    np.testing.assert_array_equal(normalise_attention(att4[1])[0], att4[1])
    np.testing.assert_array_equal(normalise_attention(att4[1, 2].tolist())[0, 0], att4[1, 2])


@pytest.mark.parametrize("array, message", [
    (np.zeros((0, 3)), "empty"),
    (np.ones(4) / 4, "2, 3 or 4 dimensions"),
    (np.full((1, 2, 2, 3, 3), 1 / 3), "pick one example first"),
    (np.array([[1.5, -0.5], [0.5, 0.5]]), ">= 0"),
    (np.array([[np.nan, 1.0], [0.5, 0.5]]), "NaN"),
    (np.array([[0.2, 0.2], [0.5, 0.5]]), "renormalise=True"),
    ("not numbers", "array of numbers"),
])
def test_normalise_attention_refuses_bad_input_clearly(array, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise_attention(array)


def test_renormalise_rescales_rows_and_refuses_zero_rows() -> None:
    counts = np.array([[2.0, 2.0, 0.0], [1.0, 0.0, 3.0]])
    att = normalise_attention(counts, renormalise=True)
    np.testing.assert_allclose(att[0, 0], counts / counts.sum(axis=1, keepdims=True))
    with pytest.raises(ValueError, match="all zeros"):
        normalise_attention(np.array([[1.0, 1.0], [0.0, 0.0]]), renormalise=True)


def test_head_average_is_the_mean_over_heads() -> None:
    rng = np.random.default_rng(2)
    att = softmax(rng.normal(size=(2, 4, 3, 5)))
    np.testing.assert_allclose(head_average(att), att.mean(axis=1))
    np.testing.assert_allclose(head_average(att[1]), att[1].mean(axis=0))
    np.testing.assert_allclose(head_average(att).sum(axis=-1), 1.0)
    np.testing.assert_allclose(attention_map(att, 1, "mean"), att[1].mean(axis=0))
    np.testing.assert_array_equal(attention_map(att, 0, 3), att[0, 3])
    with pytest.raises(ValueError, match="heads axis"):
        head_average(att[0, 0])
    with pytest.raises(ValueError, match="head must be in 0..3"):
        attention_map(att, 0, 4)
    with pytest.raises(ValueError, match="layer must be in 0..1"):
        attention_map(att, 2, 0)


def test_row_lines_join_the_query_to_every_key_with_alpha_and_width_from_the_weight() -> None:
    row = np.array([0.1, 0.6, 0.3])
    segments, alphas, widths = row_lines(row, query=1, n_queries=4, max_width=5.0)
    yq = token_positions(4)[1]
    assert segments.shape == (3, 2, 2)
    np.testing.assert_allclose(segments[:, 0], [[0, yq]] * 3)
    np.testing.assert_allclose(segments[:, 1], np.column_stack([np.ones(3), token_positions(3)]))
    np.testing.assert_allclose(alphas, row)
    np.testing.assert_allclose(widths, 5.0 * row)
    _, rel, _ = row_lines(row, 0, 1, relative=True)
    np.testing.assert_allclose(rel, row / 0.6)
    np.testing.assert_allclose(token_positions(3), [1.0, 0.5, 0.0])
    with pytest.raises(ValueError, match="query must be in 0..3"):
        row_lines(row, 4, 4)
    with pytest.raises(ValueError, match=">= 0"):
        row_lines(-row, 0, 4)


def test_patch_attention_map_drops_the_class_token_and_upsamples_by_blocks() -> None:
    rng = np.random.default_rng(3)
    row = softmax(rng.normal(size=7))  # class token + a 2x3 grid
    grid_map = patch_attention_map(row, (2, 3))
    np.testing.assert_array_equal(grid_map, row[1:].reshape(2, 3))
    np.testing.assert_array_equal(patch_attention_map(row[1:], (2, 3)), grid_map)
    np.testing.assert_array_equal(patch_attention_map(row, (2, 3), (4, 6)), np.kron(grid_map, np.ones((2, 2))))
    odd = patch_attention_map(row, (2, 3), (5, 7))  # not a multiple of the grid: every pixel takes its patch
    assert odd.shape == (5, 7)
    for r in range(5):
        for c in range(7):
            assert odd[r, c] == grid_map[r * 2 // 5, c * 3 // 7]
    with pytest.raises(ValueError, match="has 6 patches"):
        patch_attention_map(row[:5], (2, 3))


def test_alignment_example_reorders_european_economic_area() -> None:
    weights, french, english = alignment_example()
    assert weights.shape == (len(french), len(english)) == (14, 13)
    assert " ".join(english) == "The agreement on the European Economic Area was signed in August 1992 ."
    assert " ".join(french) == "L' accord sur la zone économique européenne a été signé en août 1992 ."
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert np.all(weights > 0)
    expected = {"L'": "The", "accord": "agreement", "sur": "on", "la": "the", "zone": "Area",
                "économique": "Economic", "européenne": "European", "a": "was", "été": "was",
                "signé": "signed", "en": "in", "août": "August", "1992": "1992", ".": "."}
    aligned = {f: english[j] for f, j in zip(french, weights.argmax(axis=1))}
    assert aligned == expected
    # the reordering: word order runs backwards over "zone économique européenne"
    cols = [int(weights[french.index(w)].argmax()) for w in ("zone", "économique", "européenne")]
    assert cols == sorted(cols, reverse=True)


# --------------------------------------------------------------------------- Keras + widget


def test_viewer_shows_exactly_the_keras_attention_of_the_chosen_head(keras_scores: np.ndarray) -> None:
    viewer = make_attention_viewer(keras_scores, QUERIES, KEYS)
    assert viewer.error == ""
    assert [v for _, v in viewer.controls["head"].options] == [0, 1, 2, "mean"]
    assert viewer.controls["layer"].max == 1
    for layer in (1, 0):
        viewer.controls["layer"].value = layer
        for head in (2, 0, 1):
            before = viewer.image.value
            viewer.controls["head"].value = head
            np.testing.assert_array_equal(viewer.data["map"], keras_scores[layer, head].astype(float))
            assert viewer.image.value != before
            for q in range(len(QUERIES)):
                viewer.controls["query"].value = q
                row = keras_scores[layer, head, q].astype(float)
                np.testing.assert_array_equal(viewer.data["row"], row)
                np.testing.assert_array_equal(viewer.data["alphas"], row)
                assert viewer.data["argmax"] == int(row.argmax())
                # the picture draws those numbers: highlighted heat-map row, one line per key
                assert viewer.heat_row.get_y() == q - 0.5
                np.testing.assert_array_equal(viewer.im_heat.get_array(), keras_scores[layer, head])
                np.testing.assert_allclose(viewer.lines.get_colors()[:, 3], row, rtol=1e-6)
                assert KEYS[int(row.argmax())] in viewer.message.value
    viewer.controls["head"].value = "mean"
    np.testing.assert_allclose(viewer.data["map"], keras_scores[viewer.data["layer"]].astype(float).mean(axis=0),
                               rtol=1e-12)


def test_viewer_accepts_3d_and_2d_attention(keras_scores: np.ndarray) -> None:
    viewer = make_attention_viewer(keras_scores[0], QUERIES, KEYS)
    assert viewer.controls["layer"].max == 0 and len(viewer.controls["head"].options) == 4
    viewer.controls["head"].value = 2
    np.testing.assert_array_equal(viewer.data["map"], keras_scores[0, 2])
    weights, french, english = alignment_example()
    viewer = make_attention_viewer(weights, french, english)
    assert viewer.error == ""
    viewer.controls["query"].value = french.index("européenne")
    assert english[viewer.data["argmax"]] == "European"
    assert "European" in viewer.message.value


def test_bad_attention_is_a_message_and_the_viewer_stays_usable(keras_scores: np.ndarray) -> None:
    viewer = make_attention_viewer(np.zeros((0, 0)), QUERIES, KEYS)
    assert "empty" in viewer.error and "b00020" in viewer.message.value
    viewer.load(keras_scores, QUERIES, KEYS)
    assert viewer.error == "" and viewer.data["map"].shape == (5, 6)
    viewer.controls["head"].value = 1
    good_picture, good_map = viewer.image.value, viewer.data["map"]
    for bad, tq, tk, message in [
        (np.ones((2, 3, 5, 6, 1)), QUERIES, KEYS, "dimensions"),
        (keras_scores, QUERIES[:4], KEYS, "5 queries, but 4"),
        (keras_scores, QUERIES, None, "pass tokens_k"),
        (keras_scores - 0.5, QUERIES, KEYS, ">= 0"),
        (np.zeros((0,)), QUERIES, KEYS, "empty"),
    ]:
        viewer.load(bad, tq, tk)
        assert message in viewer.error
        assert viewer.image.value == good_picture
        np.testing.assert_array_equal(viewer.data["map"], good_map)
    viewer.controls["query"].value = 3  # still works on the last good data
    assert viewer.error == ""
    np.testing.assert_array_equal(viewer.data["row"], keras_scores[0, 1, 3])
    viewer.load(np.array([[0.2, 0.2], [0.5, 0.5]]), ["a", "b"])
    assert "renormalise" in viewer.error
    viewer.load(np.array([[0.2, 0.2], [0.5, 0.5]]), ["a", "b"], renormalise=True)
    assert viewer.error == ""
    np.testing.assert_allclose(viewer.data["map"], [[0.5, 0.5], [0.5, 0.5]])
    assert viewer.controls["query"].options == (("0: a", 0), ("1: b", 1))


def test_patch_mode_overlays_one_patch_or_the_class_token_on_the_image() -> None:
    rng = np.random.default_rng(4)
    grid, n = (4, 4), 17
    att = softmax(3 * rng.normal(size=(2, 2, n, n)))
    image = rng.uniform(size=(32, 32))
    viewer = make_attention_viewer(att, grid=grid, image=image)
    assert viewer.error == "" and viewer.controls["mode"].value == "patches"
    assert viewer.data["tokens_q"][0] == "[CLS]" and viewer.data["tokens_q"][6] == "patch 1,1"
    assert viewer.data["query_patch"] is None  # the class token
    np.testing.assert_array_equal(viewer.data["patch_map"], np.kron(att[0, 0, 0, 1:].reshape(4, 4), np.ones((8, 8))))
    before = viewer.image.value
    viewer.controls["query"].value = 6
    assert viewer.data["query_patch"] == (1, 1)
    np.testing.assert_array_equal(viewer.data["patch_map"][::8, ::8], att[0, 0, 6, 1:].reshape(4, 4))
    assert viewer.image.value != before
    viewer.controls["layer"].value = 1
    viewer.controls["head"].value = "mean"
    np.testing.assert_allclose(viewer.data["patch_map"][::8, ::8], att[1, :, 6, 1:].mean(axis=0).reshape(4, 4))
    before = viewer.image.value
    viewer.controls["mode"].value = "lines"
    assert "patch_map" not in viewer.data and viewer.data["segments"].shape == (n, 2, 2)
    assert viewer.image.value != before
    viewer.load(att, grid=(3, 3))
    assert "3x3 grid has 9 patches" in viewer.error


def test_patch_mode_without_a_grid_is_a_message() -> None:
    weights, french, english = alignment_example()
    viewer = make_attention_viewer(weights, french, english)
    assert viewer.controls["mode"].layout.display == "none"
    viewer.controls["mode"].value = "patches"
    assert "no patch grid" in viewer.error
    viewer.controls["mode"].value = "lines"
    assert viewer.error == ""


def test_blitted_picture_equals_a_full_redraw() -> None:
    weights, french, english = alignment_example()
    viewer = make_attention_viewer(weights, french, english)
    viewer.controls["query"].value = 5
    blitted = bytes(viewer.image.value)
    viewer._background = None
    assert bytes(viewer.png()) == blitted


def test_static_fallback_has_the_png() -> None:
    weights, french, english = alignment_example()
    viewer = make_attention_viewer(weights, french, english)
    bundle = viewer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == bytes(viewer.image.value)
    assert bundle["text/plain"].startswith("Attention map viewer")


def test_clicking_a_token_button_shows_its_row_and_moves_the_drop_down() -> None:
    weights, french, english = alignment_example()
    viewer = make_attention_viewer(weights, french, english)
    buttons = viewer.controls["token"]
    assert buttons.layout.display is None and len(buttons.options) == len(french)
    for q in (french.index("européenne"), 0, len(french) - 1):
        before, renders = viewer.image.value, viewer.renders
        buttons.value = q  # what a click on the token's button does
        assert viewer.renders == renders + 1  # one redraw, not one per synced control
        assert viewer.controls["query"].value == q and viewer.data["query"] == q
        np.testing.assert_array_equal(viewer.data["row"], weights[q])
        assert viewer.heat_row.get_y() == q - 0.5 and viewer.image.value != before
    viewer.controls["query"].value = 2  # and the drop-down moves the buttons
    assert buttons.value == 2 and viewer.data["query"] == 2


def test_token_buttons_have_distinct_labels_and_give_way_to_long_sequences() -> None:
    tokens = "the star and the galaxy".split()
    att = np.full((5, 5), 0.2)
    viewer = make_attention_viewer(att, tokens)
    labels = [label for label, _ in viewer.controls["token"].options]
    assert labels == ["the (0)", "star", "and", "the (3)", "galaxy"]
    viewer.controls["token"].value = 3
    assert viewer.data["query"] == 3 and "‘the’" in viewer.message.value
    n = 40
    viewer.load(np.full((n, n), 1 / n), [f"t{i}" for i in range(n)])
    assert viewer.controls["token"].layout.display == "none"  # the drop-down is enough there
    assert len(viewer.controls["query"].options) == n
    viewer.controls["query"].value = 39
    assert viewer.data["query"] == 39


def test_a_control_with_one_value_is_hidden(keras_scores: np.ndarray) -> None:
    two_layers = make_attention_viewer(keras_scores, QUERIES, KEYS)
    assert two_layers.controls["layer"].layout.display is None and not two_layers.controls["layer"].disabled
    one_layer = make_attention_viewer(keras_scores[0], QUERIES, KEYS)
    assert one_layer.controls["layer"].layout.display == "none" and one_layer.controls["layer"].disabled
    one_layer.load(keras_scores, QUERIES, KEYS)           # loading two layers brings the slider back
    assert one_layer.controls["layer"].layout.display is None and one_layer.controls["layer"].max == 1


def test_the_picture_is_shown_pixel_for_pixel() -> None:
    weights, french, english = alignment_example()
    viewer = make_attention_viewer(weights, french, english)
    png = bytes(viewer.image.value)
    width = int.from_bytes(png[16:20], "big")            # the PNG header's IHDR width
    assert viewer.image.layout.width == f"{width}px" == "800px"
    assert viewer.image.layout.max_width == "100%" and viewer.image.layout.height == "auto"


def test_the_chosen_token_button_is_styled() -> None:
    from course.widgets.attention import QUERY_COLOUR, TOKEN_BUTTON_CSS

    weights, french, english = alignment_example()
    viewer = make_attention_viewer(weights, french, english)
    assert "course-attention-tokens" in viewer.controls["token"]._dom_classes
    assert viewer._style in viewer.children and viewer._style.value == TOKEN_BUTTON_CSS
    assert ".course-attention-tokens" in TOKEN_BUTTON_CSS and "mod-active" in TOKEN_BUTTON_CSS
    assert QUERY_COLOUR in TOKEN_BUTTON_CSS and viewer.heat_row.get_edgecolor()[:3] == pytest.approx(
        tuple(int(QUERY_COLOUR[i:i + 2], 16) / 255 for i in (1, 3, 5)))


def test_lines_are_offered_only_where_they_can_be_read() -> None:
    rng = np.random.default_rng(5)
    vit = softmax(3 * rng.normal(size=(1, 2, 65, 65)))   # [CLS] + an 8x8 grid
    viewer = make_attention_viewer(vit, grid=(8, 8), image=rng.uniform(size=(32, 32)))
    assert viewer.error == "" and viewer.controls["mode"].value == "patches"
    assert viewer.controls["mode"].layout.display == "none"
    viewer.controls["mode"].value = "lines"
    assert "too many to label" in viewer.error and "patch_map" in viewer.data
    viewer.controls["mode"].value = "patches"
    assert viewer.error == ""
    # the heat map still names its first, middle and last token
    assert [t.get_text() for t in viewer.ax_heat.get_yticklabels()] == ["[CLS]", "patch 3,7", "patch 7,7"]
    small = softmax(3 * rng.normal(size=(1, 2, 17, 17)))  # [CLS] + 4x4: 17 labelled tokens
    viewer.load(small, grid=(4, 4))
    assert viewer.controls["mode"].layout.display is None
    viewer.controls["mode"].value = "lines"
    assert viewer.error == "" and len(viewer.k_texts) == 17
