# Shortcut: Keras's compute_conv_output_shape works out the size (an int padding as "valid" on the padded length)
from keras.src.ops.operation_utils import compute_conv_output_shape


def conv_output_size(n, k, stride=1, padding="valid"):
    if isinstance(padding, str):
        return int(compute_conv_output_shape((1, n, n, 1), 1, (k, k), strides=stride, padding=padding)[1])
    m = n + 2 * int(padding)
    return int(compute_conv_output_shape((1, m, m, 1), 1, (k, k), strides=stride, padding="valid")[1])
