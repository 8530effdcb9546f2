# Wrong: takes a dilated kernel to span d * k pixels (the last tap's d - 1 skipped pixels counted too).
def conv_output_size(n, k, stride=1, padding="valid", dilation=1):
    """Output length along one axis of a (dilated) convolution: padding is "valid", "same" or an int p."""
    if padding == "same":
        return -(-n // stride)
    p = 0 if padding == "valid" else int(padding)
    span = dilation * k
    return (n + 2 * p - span) // stride + 1


def min_input_size(o, k, stride=1, dilation=1):
    """The smallest input length for which a "valid" convolution gives o output pixels."""
    span = dilation * k
    return (o - 1) * stride + span
