# Wrong: shuffles the cached frames, so the samples no longer come in their original order
def make_pipeline(x, y, batch_size):
    """tf.data pipeline: decode the raw frames (in parallel), cache them, batch, prefetch; order kept."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(scaling.decode_frame, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .shuffle(len(x), seed=0)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
