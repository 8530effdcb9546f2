# Wrong: "same" pads k // 2 zeros on every side, which differs from TensorFlow for even kernels and strides > 1.
def conv2d_layer(x, kernels, bias, stride=1, padding="valid"):
    """A convolution layer: (H, W, C_in) image, (k_h, k_w, C_in, C_out) kernels, (C_out,) bias -> (o_h, o_w, C_out)."""
    x = np.asarray(x, dtype=float)
    kernels = np.asarray(kernels, dtype=float)
    bias = np.asarray(bias, dtype=float)
    kh, kw, _, c_out = kernels.shape
    if padding == "same":
        x = np.pad(x, ((kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    oh = (x.shape[0] - kh) // stride + 1
    ow = (x.shape[1] - kw) // stride + 1
    z = np.zeros((oh, ow, c_out))
    for i in range(oh):
        for j in range(ow):
            window = x[i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            z[i, j] = np.tensordot(window, kernels, axes=3) + bias
    return z


def colour_layer():
    """(kernels, bias) of a layer turning u, g, r, i, z magnitudes into the colours u-g, g-r, r-i, i-z."""
    kernels = np.zeros((1, 1, 5, 4))
    for f in range(4):
        kernels[0, 0, f, f] = 1.0
        kernels[0, 0, f + 1, f] = -1.0
    return kernels, np.zeros(4)
