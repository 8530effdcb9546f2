# Wrong: forgets the "+ 1" for the starting position, so every size is one too small.
def conv_output_size(n, k, stride=1, padding="valid"):
    """Output length along one axis of a convolution: padding is "valid", "same" or an int p."""
    if padding == "same":
        return -(-n // stride)
    p = 0 if padding == "valid" else int(padding)
    return (n - k + 2 * p) // stride
