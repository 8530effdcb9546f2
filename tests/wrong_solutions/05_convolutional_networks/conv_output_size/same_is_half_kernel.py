# Wrong: treats "same" as k // 2 zeros on each side, which is not ceil(n / s) for even kernels, dilations or strides > 1.
def conv_output_size(n, k, stride=1, padding="valid", dilation=1):
    """Output length along one axis of a (dilated) convolution: padding is "valid", "same" or an int p."""
    if padding == "same":
        p = k // 2
    elif padding == "valid":
        p = 0
    else:
        p = int(padding)
    span = dilation * (k - 1) + 1
    return (n + 2 * p - span) // stride + 1


def min_input_size(o, k, stride=1, dilation=1):
    """The smallest input length for which a "valid" convolution gives o output pixels."""
    span = dilation * (k - 1) + 1
    return (o - 1) * stride + span
