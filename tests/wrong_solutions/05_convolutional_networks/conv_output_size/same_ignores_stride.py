# Wrong: "same" returns the input size n whatever the stride (true only for stride 1).
def conv_output_size(n, k, stride=1, padding="valid", dilation=1):
    """Output length along one axis of a (dilated) convolution: padding is "valid", "same" or an int p."""
    if padding == "same":
        return n
    p = 0 if padding == "valid" else int(padding)
    span = dilation * (k - 1) + 1
    return (n + 2 * p - span) // stride + 1


def min_input_size(o, k, stride=1, dilation=1):
    """The smallest input length for which a "valid" convolution gives o output pixels."""
    span = dilation * (k - 1) + 1
    return (o - 1) * stride + span
