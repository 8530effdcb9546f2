# Wrong: treats "same" as k // 2 zeros on each side, which is not ceil(n / s) for even kernels or strides > 1.
def conv_output_size(n, k, stride=1, padding="valid"):
    """Output length along one axis of a convolution: padding is "valid", "same" or an int p."""
    if padding == "same":
        p = k // 2
    elif padding == "valid":
        p = 0
    else:
        p = int(padding)
    return (n - k + 2 * p) // stride + 1
