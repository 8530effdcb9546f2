# Wrong: ignores the arguments and always builds the 8x8 -> 10 classes network.
def build_cnn(input_shape, n_classes):
    """A small CNN for images of shape input_shape (height, width, channels), softmax over n_classes."""
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),
    ])
