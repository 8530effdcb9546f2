# Wrong: shuffles after batching, which reorders the same batches every epoch instead of making new ones
def make_pipeline(x, y, batch_size, decode, seed):
    """tf.data training pipeline: decode once (cached), reshuffle every epoch from a seed, batch, prefetch."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .batch(batch_size)
            .shuffle(len(x), seed=seed)
            .prefetch(tf.data.AUTOTUNE))
