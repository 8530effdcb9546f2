# Wrong: prefetches single frames before batching instead of prefetching whole batches at the end
def make_pipeline(x, y, batch_size):
    """tf.data pipeline: decode the raw frames (in parallel), cache them, batch, prefetch; order kept."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(scaling.decode_frame, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .prefetch(tf.data.AUTOTUNE)
            .batch(batch_size))
