# Shortcut: Keras's compute_conv_output_shape works out the size (an int padding as "valid" on the padded length)
from keras.src.ops.operation_utils import compute_conv_output_shape


def conv_output_size(n, k, stride=1, padding="valid", dilation=1):
    if isinstance(padding, str):
        return int(compute_conv_output_shape((1, n, n, 1), 1, (k, k), strides=stride, padding=padding,
                                             dilation_rate=dilation)[1])
    m = n + 2 * int(padding)
    return int(compute_conv_output_shape((1, m, m, 1), 1, (k, k), strides=stride, padding="valid",
                                         dilation_rate=dilation)[1])


def min_input_size(o, k, stride=1, dilation=1):
    n = dilation * (k - 1) + 1
    while conv_output_size(n, k, stride, "valid", dilation) < o:
        n += 1
    return n
