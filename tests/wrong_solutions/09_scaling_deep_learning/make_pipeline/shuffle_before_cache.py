# Wrong: shuffles before the cache, so the cache stores the first epoch's order and every later epoch repeats it
def make_pipeline(x, y, batch_size, decode, seed):
    """tf.data training pipeline: decode once (cached), reshuffle every epoch from a seed, batch, prefetch."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
            .shuffle(len(x), seed=seed)
            .cache()
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
