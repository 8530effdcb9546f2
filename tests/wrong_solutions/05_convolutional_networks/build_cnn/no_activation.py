# Wrong: no activation after either convolution: its only non-linearity before the softmax is max pooling (it still trains to ~0.97 on digits).
def build_cnn(input_shape, n_classes):
    """A small CNN for images of shape input_shape (height, width, channels), softmax over n_classes."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(16, 3, padding="same"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, padding="same"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(n_classes, activation="softmax", dtype="float32"),
    ])
