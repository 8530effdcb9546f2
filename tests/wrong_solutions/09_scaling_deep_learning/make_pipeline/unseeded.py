# Wrong: ignores the seed, so a pipeline built again does not repeat the same epochs
def make_pipeline(x, y, batch_size, decode, seed):
    """tf.data training pipeline: decode once (cached), reshuffle every epoch from a seed, batch, prefetch."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .shuffle(len(x))
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
