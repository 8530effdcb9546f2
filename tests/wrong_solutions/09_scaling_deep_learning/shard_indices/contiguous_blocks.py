# Wrong: gives each worker a contiguous block of samples instead of dealing them round-robin like shard()
def shard_indices(n_samples, num_workers, worker_index):
    """Positions of the samples worker `worker_index` of `num_workers` gets, as tf.data's shard() deals them."""
    if num_workers < 1:
        raise ValueError("num_workers must be at least 1")
    if not 0 <= worker_index < num_workers:
        raise ValueError("worker_index must be in 0 ... num_workers - 1")
    if n_samples < 0:
        raise ValueError("n_samples must be >= 0")
    return np.array_split(np.arange(n_samples, dtype=np.int64), num_workers)[worker_index]
