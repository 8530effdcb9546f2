"""`make bench`: measurements that are goals, not tests (this machine is shared and noisy).

Each ``bench/bench_*.py`` module has ``run() -> dict`` returning rows
``{"name": ..., "value": ..., "unit": ..., "target": ...}``; results go to
``bench/results.json`` (git-ignored) and a table on stdout.
"""
