# Wrong: a shuffle buffer of one batch only mixes neighbouring samples, so the first batch never reaches the end of the data
def make_pipeline(x, y, batch_size, decode, seed):
    """tf.data training pipeline: decode once (cached), reshuffle every epoch from a seed, batch, prefetch."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .shuffle(batch_size, seed=seed)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
