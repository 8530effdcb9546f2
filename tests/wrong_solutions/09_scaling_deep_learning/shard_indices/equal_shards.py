# Wrong: drops the remainder so that every worker gets the same number of samples (some samples are never used)
def shard_indices(n_samples, num_workers, worker_index):
    """Positions of the samples worker `worker_index` of `num_workers` gets, as tf.data's shard() deals them."""
    if num_workers < 1:
        raise ValueError("num_workers must be at least 1")
    if not 0 <= worker_index < num_workers:
        raise ValueError("worker_index must be in 0 ... num_workers - 1")
    if n_samples < 0:
        raise ValueError("n_samples must be >= 0")
    usable = (n_samples // num_workers) * num_workers
    return np.arange(worker_index, usable, num_workers, dtype=np.int64)
