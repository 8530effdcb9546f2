# Wrong: flattens each patch channel by channel (all of channel 0, then channel 1, ...) instead of channels innermost.
def image_to_patches(image, patch):
    """Split an (H, W, C) or (H, W) image into flattened patch x patch squares, in row-major order."""
    image = np.asarray(image, dtype=float)
    if image.ndim == 2:
        image = image[:, :, None]
    rows, cols, channels = image.shape[0] // patch, image.shape[1] // patch, image.shape[2]
    image = image[: rows * patch, : cols * patch]
    grid = image.reshape(rows, patch, cols, patch, channels).transpose(0, 2, 4, 1, 3)
    return grid.reshape(rows * cols, patch * patch * channels)
