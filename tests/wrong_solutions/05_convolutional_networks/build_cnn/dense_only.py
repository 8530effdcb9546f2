# Wrong: an MLP on the flattened image: no convolution and far too many parameters.
def build_cnn(input_shape, n_classes):
    """A small CNN for images of shape input_shape (height, width, channels), softmax over n_classes."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax", dtype="float32"),
    ])
