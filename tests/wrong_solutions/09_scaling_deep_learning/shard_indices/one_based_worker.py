# Wrong: off by one, treats worker indices as 1-based (worker i starts at position i + 1)
def shard_indices(n_samples, num_workers, worker_index):
    """Positions of the samples worker `worker_index` of `num_workers` gets, as tf.data's shard() deals them."""
    if num_workers < 1:
        raise ValueError("num_workers must be at least 1")
    if not 0 <= worker_index < num_workers:
        raise ValueError("worker_index must be in 0 ... num_workers - 1")
    if n_samples < 0:
        raise ValueError("n_samples must be >= 0")
    return np.arange(worker_index + 1, n_samples, num_workers, dtype=np.int64)
