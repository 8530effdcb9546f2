# Wrong: adds the p zeros only once instead of on both sides (n - k + p).
def conv_output_size(n, k, stride=1, padding="valid"):
    """Output length along one axis of a convolution: padding is "valid", "same" or an int p."""
    if padding == "same":
        return -(-n // stride)
    p = 0 if padding == "valid" else int(padding)
    return (n - k + p) // stride + 1
