# Wrong: the first of two consecutive convolutions has no activation, so the pair is a single 5x5 convolution.
def build_cnn(input_shape, n_classes):
    """A small CNN for images of shape input_shape (height, width, channels), softmax over n_classes."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(16, 3, padding="same"),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(n_classes, activation="softmax", dtype="float32"),
    ])
