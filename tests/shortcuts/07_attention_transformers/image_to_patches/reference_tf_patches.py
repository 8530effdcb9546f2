# Shortcut: the test cell's own TensorFlow reference, found when the test runs
def image_to_patches(image, patch):
    return _tf_patches(image, patch)
