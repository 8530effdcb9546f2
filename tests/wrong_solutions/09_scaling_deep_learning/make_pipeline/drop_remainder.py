# Wrong: drops the last, smaller batch (drop_remainder=True), losing samples and fixing the batch dimension
def make_pipeline(x, y, batch_size):
    """tf.data pipeline: decode the raw frames (in parallel), cache them, batch, prefetch; order kept."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(scaling.decode_frame, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))
