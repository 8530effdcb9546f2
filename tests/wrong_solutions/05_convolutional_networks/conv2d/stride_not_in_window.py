# Wrong: the output has the strided size, but window (i, j) starts at (i, j) instead of (i * stride, j * stride).
def conv2d(image, kernel, stride=1, padding="valid"):
    """Cross-correlate a 2-D image with a 2-D kernel like tf.nn.conv2d (padding "valid" or "same")."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    if padding == "same":
        pads = []
        for n, k in zip(image.shape, kernel.shape):
            out = -(-n // stride)
            total = max((out - 1) * stride + k - n, 0)
            pads.append((total // 2, total - total // 2))
        image = np.pad(image, pads)
    oh = (image.shape[0] - kh) // stride + 1
    ow = (image.shape[1] - kw) // stride + 1
    result = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            result[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return result
