# Wrong: "same" pads k // 2 zeros on every side, which differs from TensorFlow for even kernels and strides > 1.
def conv2d(image, kernel, stride=1, padding="valid"):
    """Cross-correlate a 2-D image with a 2-D kernel like tf.nn.conv2d (padding "valid" or "same")."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    if padding == "same":
        image = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    oh = (image.shape[0] - kh) // stride + 1
    ow = (image.shape[1] - kw) // stride + 1
    result = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            result[i, j] = np.sum(image[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return result
