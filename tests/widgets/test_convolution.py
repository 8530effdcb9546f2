"""course.widgets.convolution: the maths against tf.nn.conv2d / pooling, and the widget headless."""

from __future__ import annotations

import base64
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from scipy.signal import convolve2d  # noqa: E402

from course.widgets._text import contrast_ratio  # noqa: E402
from course.widgets.convolution import (  # noqa: E402
    IMAGE_SOURCES,
    KERNELS,
    PADDINGS,
    LECTURE_IMAGE,
    LECTURE_KERNEL,
    conv2d,
    flip_kernel,
    format_kernel,
    make_convolution_slider,
    output_size,
    parse_kernel,
    pool2d,
    same_padding,
    window_products,
)

SHAPES = [(5, 5), (6, 6), (7, 7), (8, 8), (6, 9), (10, 7), (9, 4)]
KERNEL_SHAPES = [(3, 3), (2, 2), (4, 3), (1, 1), (5, 5)]


def tf_conv(image: np.ndarray, kernel: np.ndarray, stride: int, padding) -> np.ndarray:
    x = tf.constant(image[None, :, :, None], dtype=tf.float64)
    k = tf.constant(kernel[:, :, None, None], dtype=tf.float64)
    if isinstance(padding, int):
        padding = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return tf.nn.conv2d(x, k, strides=stride, padding=padding).numpy()[0, :, :, 0]


# --------------------------------------------------------------------------- maths


def test_lecture_example_gives_4_first_and_matches_tensorflow() -> None:
    out = conv2d(LECTURE_IMAGE, LECTURE_KERNEL)
    assert out[0, 0] == 4
    np.testing.assert_array_equal(out, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    np.testing.assert_array_equal(out, tf_conv(LECTURE_IMAGE, LECTURE_KERNEL, 1, "VALID"))


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv2d_matches_tf_nn_conv2d(stride: int, padding: str) -> None:
    rng = np.random.default_rng(stride * 10 + len(padding))
    for shape in SHAPES:
        for kshape in KERNEL_SHAPES:
            if padding == "VALID" and (kshape[0] > shape[0] or kshape[1] > shape[1]):
                continue
            image = rng.normal(size=shape)
            kernel = rng.normal(size=kshape)
            ours = conv2d(image, kernel, stride=stride, padding=padding.lower())
            theirs = tf_conv(image, kernel, stride, padding)
            assert ours.shape == theirs.shape, (shape, kshape, stride, padding)
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=f"{shape} {kshape} s={stride}")


@pytest.mark.parametrize("pad", [1, 2])
def test_explicit_zero_padding_matches_tensorflow(pad: int) -> None:
    rng = np.random.default_rng(pad)
    for shape in SHAPES:
        for stride in (1, 2, 3):
            image, kernel = rng.normal(size=shape), rng.normal(size=(3, 3))
            np.testing.assert_allclose(conv2d(image, kernel, stride, pad), tf_conv(image, kernel, stride, pad),
                                       rtol=1e-12, atol=1e-12)


def test_same_padding_puts_the_extra_zero_bottom_right_like_tensorflow() -> None:
    assert same_padding(6, 2, 1) == (0, 1)
    assert same_padding(7, 4, 1) == (1, 2)
    assert same_padding(5, 3, 2) == (1, 1)
    assert same_padding(6, 3, 2) == (0, 1)
    # an image whose only bright pixel is in the last row shows where the zeros went
    image = np.zeros((6, 6))
    image[-1, -1] = 1.0
    kernel = np.arange(4.0).reshape(2, 2) + 1
    np.testing.assert_array_equal(conv2d(image, kernel, 1, "same"), tf_conv(image, kernel, 1, "SAME"))


def test_output_size_formula_agrees_with_conv2d() -> None:
    for n in range(3, 12):
        for k in (1, 2, 3, 5):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    if n + 2 * p < k:
                        continue
                    expected = conv2d(np.ones((n, n)), np.ones((k, k)), s, p).shape[0]
                    assert output_size(n, k, s, p) == expected == (n - k + 2 * p) // s + 1
                # "same" keeps ceil(n / s) pixels
                assert conv2d(np.ones((n, n)), np.ones((k, k)), s, "same").shape == (-(-n // s),) * 2


def test_window_products_sum_to_every_output_pixel() -> None:
    rng = np.random.default_rng(3)
    image, kernel = rng.normal(size=(7, 8)), rng.normal(size=(3, 3))
    for stride, padding in [(1, "valid"), (2, "same"), (3, 1), (2, 2)]:
        out = conv2d(image, kernel, stride, padding)
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                window, products, total = window_products(image, kernel, i, j, stride, padding)
                np.testing.assert_allclose(products, window * kernel)
                assert total == pytest.approx(out[i, j], abs=1e-12)
    # with "same" padding the first window hangs over the zeros
    window, _, _ = window_products(LECTURE_IMAGE, LECTURE_KERNEL, 0, 0, 1, "same")
    np.testing.assert_array_equal(window[0], [0, 0, 0])
    np.testing.assert_array_equal(window[1:, 1:], LECTURE_IMAGE[:2, :2])
    with pytest.raises(ValueError, match="outside"):
        window_products(LECTURE_IMAGE, LECTURE_KERNEL, 3, 0)


def test_flip_kernel_turns_cross_correlation_into_convolution() -> None:
    rng = np.random.default_rng(4)
    image, kernel = rng.normal(size=(9, 7)), rng.normal(size=(3, 3))
    np.testing.assert_allclose(conv2d(image, flip_kernel(kernel)), convolve2d(image, kernel, mode="valid"))
    assert not np.allclose(conv2d(image, kernel), convolve2d(image, kernel, mode="valid"))
    np.testing.assert_array_equal(flip_kernel(KERNELS["Sobel x"]), -KERNELS["Sobel x"])
    np.testing.assert_array_equal(flip_kernel(KERNELS["sharpen"]), KERNELS["sharpen"])


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool2d_matches_tensorflow_valid_pooling(mode: str) -> None:
    rng = np.random.default_rng(5)
    tf_pool = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    for shape in SHAPES:
        x = rng.normal(size=shape)
        for size in (2, 3):
            for stride in (None, 1, 2, 3):
                theirs = tf_pool(tf.constant(x[None, :, :, None]), ksize=size, strides=stride or size,
                                 padding="VALID").numpy()[0, :, :, 0]
                np.testing.assert_allclose(pool2d(x, size, stride, mode), theirs, rtol=1e-12)


def test_parse_kernel_reads_the_usual_ways_of_typing_a_matrix() -> None:
    sharpen = KERNELS["sharpen"]
    for text in ["0 -1 0; -1 5 -1; 0 -1 0", "0,-1,0\n-1,5,-1\n0,-1,0", "[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]",
                 "  0 -1 0 ;-1 5 -1;  0 -1 0 ;"]:
        np.testing.assert_array_equal(parse_kernel(text), sharpen)
    np.testing.assert_allclose(parse_kernel("1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9"), KERNELS["box blur"])
    assert parse_kernel("1 2; 3 4", shape=None).shape == (2, 2)
    for name, kernel in KERNELS.items():
        np.testing.assert_allclose(parse_kernel(format_kernel(kernel)), kernel, err_msg=name)


@pytest.mark.parametrize("text, message", [
    ("", "rows separated"),
    ("a b c; 1 2 3; 4 5 6", "cannot read 'a'"),
    ("1 2; 3 4", "must be 3x3, got 2x2"),
    ("1 2 3; 4 5; 6 7 8", "same number of values"),
    ("1/0 0 0; 0 0 0; 0 0 0", "cannot read '1/0'"),
    ("nan 0 0; 0 0 0; 0 0 0", "cannot read 'nan'"),
])
def test_parse_kernel_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_kernel(text)


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(LECTURE_IMAGE, LECTURE_KERNEL, stride=0), "stride must be a positive integer"),
    (lambda: conv2d(LECTURE_IMAGE, LECTURE_KERNEL, stride=1.5), "stride must be a positive integer"),
    (lambda: conv2d(np.ones((2, 2)), LECTURE_KERNEL), "bigger than the padded image"),
    (lambda: conv2d(LECTURE_IMAGE, LECTURE_KERNEL, padding="full"), "padding must be"),
    (lambda: conv2d(LECTURE_IMAGE, LECTURE_KERNEL, padding=-1), "padding must be"),
    (lambda: conv2d(np.ones((3, 3, 3)), LECTURE_KERNEL), "2-D"),
    (lambda: conv2d(np.full((4, 4), np.nan), LECTURE_KERNEL), "NaN"),
    (lambda: conv2d(np.ones((0, 4)), LECTURE_KERNEL), "empty"),
    (lambda: output_size(2, 3, 1, 0), "bigger than the padded input"),
    (lambda: pool2d(np.ones((1, 4)), 2), "smaller than the 2x2"),
    (lambda: pool2d(np.ones((4, 4)), 2, mode="median"), "max"),
])
def test_bad_values_raise_clear_value_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- widget


def test_widget_opens_on_the_lecture_example() -> None:
    w = make_convolution_slider()
    assert w.error == ""
    assert w.data["total"] == 4
    np.testing.assert_array_equal(w.data["output"], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    np.testing.assert_array_equal(w.data["window"], LECTURE_IMAGE[:3, :3])
    assert w.controls["position"].max == 8
    assert w.in_numbers.labels == [str(int(v)) for v in LECTURE_IMAGE.ravel()]  # numbers written on the picture
    assert w.out_numbers.labels == ["4", "3", "4", "2", "4", "3", "2", "3", "4"]
    assert bytes(w.image.value).startswith(b"\x89PNG")
    assert "= 4" in w.message.value


def test_position_slider_walks_the_kernel_over_every_output_pixel() -> None:
    w = make_convolution_slider()
    expected = conv2d(LECTURE_IMAGE, LECTURE_KERNEL).ravel()
    pictures = {bytes(w.image.value)}
    for p in range(9):
        w.controls["position"].value = p
        i, j = divmod(p, 3)
        assert w.data["ij"] == (i, j)
        assert w.data["total"] == expected[p]
        np.testing.assert_array_equal(w.data["window"], LECTURE_IMAGE[i:i + 3, j:j + 3])
        np.testing.assert_array_equal(w.data["products"], LECTURE_IMAGE[i:i + 3, j:j + 3] * LECTURE_KERNEL)
        assert w.window.get_xy() == (j - 0.5, i - 0.5) and w.cell.get_xy() == (j - 0.5, i - 0.5)
        assert w.ax_prod.get_title() == f"window × kernel: sum = {int(expected[p])}"
        pictures.add(bytes(w.image.value))
    assert len(pictures) == 9  # every position drew a different picture


def test_every_control_changes_the_numbers_and_the_picture() -> None:
    w = make_convolution_slider()
    for kernel in KERNELS:
        if kernel == w.controls["kernel"].value:
            continue
        before = w.image.value
        w.controls["kernel"].value = kernel
        np.testing.assert_array_equal(w.data["kernel"], KERNELS[kernel])
        np.testing.assert_allclose(w.data["output"], conv2d(LECTURE_IMAGE, KERNELS[kernel]))
        np.testing.assert_allclose(parse_kernel(w.controls["custom"].value), KERNELS[kernel])  # the text follows
        assert w.image.value != before, kernel
    before = w.image.value
    w.controls["custom"].value = "1 2 1; 0 0 0; -1 -2 -1"
    assert w.controls["kernel"].value.startswith("custom")
    np.testing.assert_array_equal(w.data["kernel"], [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    assert w.image.value != before
    for stride, padding in [(2, "valid"), (2, "same"), (1, 1), (3, 2), (1, "same")]:
        before = w.image.value
        w.controls["stride"].value = stride
        w.controls["padding"].value = padding
        np.testing.assert_allclose(w.data["output"], conv2d(LECTURE_IMAGE, w.data["kernel"], stride, padding))
        assert w.controls["position"].max == w.data["output"].size - 1
        assert w.image.value != before
    for mode in ["average", "max"]:
        before = w.image.value
        w.controls["pool"].value = mode
        np.testing.assert_allclose(w.data["pooled"], pool2d(w.data["output"], 2, 2, mode))
        assert w.image.value != before
    for name in w.controls["image"].options:
        if name == w.controls["image"].value:
            continue
        before = w.image.value
        w.controls["image"].value = name
        assert w.error == ""
        image = w.data["image"]
        assert image.ndim == 2 and image.shape[0] >= 8
        np.testing.assert_allclose(w.data["output"], conv2d(image, w.data["kernel"], 1, "same"))
        assert w.image.value != before


def test_position_is_clamped_when_the_feature_map_shrinks() -> None:
    w = make_convolution_slider(image="galaxy (32x32)")
    w.controls["position"].value = 899
    assert w.data["ij"] == (29, 29)
    w.controls["stride"].value = 3
    assert w.data["output"].shape == (10, 10)
    assert w.controls["position"].max == 99 and w.controls["position"].value == 99
    assert w.data["ij"] == (9, 9)


def test_bad_inputs_are_messages_and_the_widget_keeps_working() -> None:
    w = make_convolution_slider(images={"tiny 2x2": np.ones((2, 2))})
    good_picture, good_total = w.image.value, w.data["total"]
    for text, message in [("a b c", "cannot read"), ("1 2; 3 4", "3x3"), ("", "rows separated")]:
        w.controls["custom"].value = text
        assert message in w.error and "b00020" in w.message.value
        assert w.image.value == good_picture and w.data["total"] == good_total  # the last good picture stays
    w.controls["custom"].value = "0 0 0; 0 2 0; 0 0 0"
    assert w.error == ""
    np.testing.assert_array_equal(w.data["output"], 2 * LECTURE_IMAGE[1:4, 1:4])
    w.controls["image"].value = "tiny 2x2"
    assert "bigger than the padded image" in w.error
    w.controls["padding"].value = 1  # with one zero of padding the 3x3 kernel fits
    assert w.error == "" and w.data["output"].shape == (2, 2)
    w.controls["image"].value = "lecture 5x5 example"
    assert w.error == "" and w.data["output"].shape == (5, 5)


def test_make_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown image"):
        make_convolution_slider(image="mona lisa")
    with pytest.raises(ValueError, match="unknown kernel"):
        make_convolution_slider(kernel="emboss")


def test_blitted_picture_equals_a_full_redraw() -> None:
    """Moving the kernel redraws only part of the figure: it must look the same as drawing it all."""
    w = make_convolution_slider(image="handwritten digit 3 (8x8)")
    w.controls["kernel"].value = "Sobel y"
    w.controls["position"].value = 13
    blitted = bytes(w.image.value)
    fresh = make_convolution_slider(image="handwritten digit 3 (8x8)", kernel="Sobel y")
    fresh.controls["position"].value = 13
    fresh._background = None  # force a full draw
    assert bytes(fresh.png()) == blitted


def test_static_fallback_has_the_png() -> None:
    w = make_convolution_slider()
    bundle = w._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == bytes(w.image.value)
    assert bundle["text/plain"].startswith("Convolution slider")


def test_the_stride_slider_offers_only_strides_that_work() -> None:
    """Every stride the slider allows draws a picture, on every image and padding (no 0, no error)."""
    w = make_convolution_slider()
    stride = w.controls["stride"]
    assert stride.min == 1
    w.controls["stride"].value = 0  # what the slider cannot show, the model cannot hold either
    assert stride.value == 1 and w.error == ""
    for image in IMAGE_SOURCES:
        w.controls["image"].value = image
        for _, padding in PADDINGS:
            w.controls["padding"].value = padding
            for s in range(stride.min, stride.max + 1):
                w.controls["stride"].value = s
                assert w.error == "", (image, padding, s, w.error)
                assert w.data["output"].shape == conv2d(w.data["image"], w.data["kernel"], s, padding).shape


def test_every_label_sits_beside_its_control() -> None:
    """Dropdowns, sliders and text boxes draw their description to the left; ToggleButtons put it above."""
    import ipywidgets as widgets

    w = make_convolution_slider()
    for name, control in w.controls.items():
        assert isinstance(control, (widgets.Dropdown, widgets.IntSlider, widgets.Text)), name
        assert control.description, name
    assert w.controls["pool"].description == "2x2 pool" and list(w.controls["pool"].options) == ["max", "average"]


def _labelled_panels(w):
    return [(w.ax_in, w.im_in, w.in_numbers), (w.ax_prod, w.im_prod, w.prod_numbers),
            (w.ax_out, w.im_out, w.out_numbers), (w.ax_pool, w.im_pool, w.pool_numbers)]


@pytest.mark.parametrize("image, kernel, padding", [
    ("lecture 5x5 example", "lecture X filter", "valid"),          # the default picture
    ("handwritten digit 3 (8x8)", "Sobel x", "same"),             # 10x10 padded input, three-digit values
    ("lecture 5x5 example", "box blur", 1),                        # fractions
    ("handwritten digit 3 (8x8)", "sharpen", 2),                   # 12x12 padded input: the densest labelled map
])
def test_numbers_in_the_panels_are_legible(image: str, kernel: str, padding) -> None:
    """Numbers are at least 9 pt (digits ~7 px tall at the figure's 80 dpi), fit their pixel, and contrast
    with the colour actually drawn behind them by at least 4.5:1 (WCAG's minimum for text)."""
    w = make_convolution_slider(image=image, kernel=kernel, padding=padding)
    w.controls["position"].value = 4
    pixels = np.asarray(w.fig.canvas.buffer_rgba())[..., :3] / 255.0
    height = pixels.shape[0]
    labelled = 0
    for ax, im, numbers in _labelled_panels(w):
        if not numbers.labels:
            continue
        labelled += 1
        assert numbers.fontsize >= 9.0, (ax.get_title(), numbers.fontsize)
        arr = im.get_array()
        h, w_ = arr.shape
        assert len(numbers.labels) == h * w_
        cell = ax.transData.transform([(1, 1)])[0] - ax.transData.transform([(0, 0)])[0]
        for label in set(numbers.labels):
            width, tall = numbers.extent(label)
            assert width <= abs(cell[0]) and tall <= abs(cell[1]), (label, width, tall, cell)
        colours = numbers.collection.get_facecolors()[:, :3]
        for k, (x, y) in enumerate(numbers.collection.get_offsets()):
            # the drawn background: a point inside the pixel, between its label and its corner
            px, py = ax.transData.transform([(x - 0.33, y - 0.33)])[0]
            background = pixels[int(round(height - py)), int(round(px))]
            assert contrast_ratio(colours[k], background) >= 4.5, (ax.get_title(), numbers.labels[k], background)
    assert labelled == 4


def test_numbers_that_cannot_be_legible_are_left_out() -> None:
    w = make_convolution_slider(image="galaxy (32x32)")
    assert w.in_numbers.labels == [] and w.out_numbers.labels == []  # 32x32 pixels of about 7 figure pixels each
    assert w.prod_numbers.labels  # the 3x3 products always are
