# Wrong: reshapes the image straight to (n_patches, patch*patch*C), which cuts it into strips of rows, not squares.
def image_to_patches(image, patch):
    """Split an (H, W, C) or (H, W) image into flattened patch x patch squares, in row-major order."""
    image = np.asarray(image, dtype=float)
    if image.ndim == 2:
        image = image[:, :, None]
    rows, cols, channels = image.shape[0] // patch, image.shape[1] // patch, image.shape[2]
    image = image[: rows * patch, : cols * patch]
    return image.reshape(rows * cols, patch * patch * channels)
