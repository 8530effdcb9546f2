# Wrong: gets the order right but leaves out the prefetch, so reading the next batch never overlaps training
def make_pipeline(x, y, batch_size, decode, seed):
    """tf.data training pipeline: decode once (cached), reshuffle every epoch from a seed, batch, prefetch."""
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .shuffle(len(x), seed=seed)
            .batch(batch_size))
