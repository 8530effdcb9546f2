# Wrong: returns the LARGEST input length that still gives o outputs (o s + span - 1), not the smallest.
def conv_output_size(n, k, stride=1, padding="valid", dilation=1):
    """Output length along one axis of a (dilated) convolution: padding is "valid", "same" or an int p."""
    if padding == "same":
        return -(-n // stride)
    p = 0 if padding == "valid" else int(padding)
    span = dilation * (k - 1) + 1
    return (n + 2 * p - span) // stride + 1


def min_input_size(o, k, stride=1, dilation=1):
    """The smallest input length for which a "valid" convolution gives o output pixels."""
    span = dilation * (k - 1) + 1
    return o * stride + span - 1
