# Wrong: lists the tokens column by column (down the first grid column first) instead of row by row.
def patch_tokens(image, kernel, bias):
    """The (n_patches, D) tokens a Conv2D(D, P, strides=P) with this (P, P, C, D) kernel and bias computes."""
    image = np.asarray(image, dtype=float)
    if image.ndim == 2:
        image = image[:, :, None]
    kernel = np.asarray(kernel, dtype=float)
    patch, channels, features = kernel.shape[0], kernel.shape[2], kernel.shape[3]
    rows, cols = image.shape[0] // patch, image.shape[1] // patch
    image = image[: rows * patch, : cols * patch]
    grid = image.reshape(rows, patch, cols, patch, channels).transpose(2, 0, 1, 3, 4)
    flat = grid.reshape(rows * cols, patch * patch * channels)
    return flat @ kernel.reshape(patch * patch * channels, features) + np.asarray(bias, dtype=float)
