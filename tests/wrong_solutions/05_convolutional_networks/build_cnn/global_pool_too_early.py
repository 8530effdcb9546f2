# Wrong: global pooling right after one tiny convolution throws away where the strokes are; it cannot reach 0.95.
def build_cnn(input_shape, n_classes):
    """A small CNN for images of shape input_shape (height, width, channels), softmax over n_classes."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(n_classes, activation="softmax", dtype="float32"),
    ])
