# Wrong: caches the raw frames before decoding, so the slow decode step still runs in every epoch
def make_pipeline(x, y, batch_size, decode, seed):
    """tf.data training pipeline: decode once (cached), reshuffle every epoch from a seed, batch, prefetch."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .cache()
            .shuffle(len(x), seed=seed)
            .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
