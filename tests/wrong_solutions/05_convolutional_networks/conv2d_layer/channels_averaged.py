# Wrong: averages the window x kernel sums over the input channels instead of adding them.
def conv2d_layer(x, kernels, bias, stride=1, padding="valid"):
    """A convolution layer: (H, W, C_in) image, (k_h, k_w, C_in, C_out) kernels, (C_out,) bias -> (o_h, o_w, C_out)."""
    x = np.asarray(x, dtype=float)
    kernels = np.asarray(kernels, dtype=float)
    bias = np.asarray(bias, dtype=float)
    kh, kw, _, c_out = kernels.shape
    if padding == "same":
        pads = []
        for n, k in zip(x.shape[:2], (kh, kw)):
            out = -(-n // stride)
            total = max((out - 1) * stride + k - n, 0)
            pads.append((total // 2, total - total // 2))
        x = np.pad(x, pads + [(0, 0)])
    oh = (x.shape[0] - kh) // stride + 1
    ow = (x.shape[1] - kw) // stride + 1
    z = np.zeros((oh, ow, c_out))
    for i in range(oh):
        for j in range(ow):
            window = x[i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            z[i, j] = np.tensordot(window, kernels, axes=3) / x.shape[2] + bias
    return z


def colour_layer():
    """(kernels, bias) of a layer turning u, g, r, i, z magnitudes into the colours u-g, g-r, r-i, i-z."""
    kernels = np.zeros((1, 1, 5, 4))
    for f in range(4):
        kernels[0, 0, f, f] = 1.0
        kernels[0, 0, f + 1, f] = -1.0
    return kernels, np.zeros(4)
