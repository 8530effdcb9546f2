# Wrong: uses / instead of //, so the size is a float and not rounded down.
def conv_output_size(n, k, stride=1, padding="valid"):
    """Output length along one axis of a convolution: padding is "valid", "same" or an int p."""
    if padding == "same":
        return n / stride
    p = 0 if padding == "valid" else int(padding)
    return (n - k + 2 * p) / stride + 1
