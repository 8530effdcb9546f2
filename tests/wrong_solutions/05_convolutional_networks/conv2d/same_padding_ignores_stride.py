# Wrong: "same" padding computed as for stride 1 (k - 1 zeros in total), then strided.
def conv2d(image, kernel, stride=1, padding="valid"):
    """Cross-correlate a 2-D image with a 2-D kernel like tf.nn.conv2d (padding "valid" or "same")."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    if padding == "same":
        pads = [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel.shape]
        image = np.pad(image, pads)
    oh = (image.shape[0] - kh) // stride + 1
    ow = (image.shape[1] - kw) // stride + 1
    result = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            result[i, j] = np.sum(image[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return result
