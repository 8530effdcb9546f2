# Wrong: deals correctly but accepts a worker index outside 0 ... num_workers - 1 (returns an empty or wrong shard)
def shard_indices(n_samples, num_workers, worker_index):
    """Positions of the samples worker `worker_index` of `num_workers` gets, as tf.data's shard() deals them."""
    if num_workers < 1:
        raise ValueError("num_workers must be at least 1")
    return np.arange(worker_index, max(n_samples, 0), num_workers, dtype=np.int64)
