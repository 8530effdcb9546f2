# Wrong: caches the raw frames before decoding, so the slow decode step still runs every epoch
def make_pipeline(x, y, batch_size):
    """tf.data pipeline: decode the raw frames (in parallel), cache them, batch, prefetch; order kept."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .cache()
            .map(scaling.decode_frame, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
