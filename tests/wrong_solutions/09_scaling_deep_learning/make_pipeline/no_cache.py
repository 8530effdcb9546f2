# Wrong: decodes in parallel and prefetches, but never caches, so every epoch decodes all frames again
def make_pipeline(x, y, batch_size):
    """tf.data pipeline: decode the raw frames (in parallel), cache them, batch, prefetch; order kept."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(scaling.decode_frame, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
