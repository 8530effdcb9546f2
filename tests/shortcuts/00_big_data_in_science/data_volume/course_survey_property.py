# Shortcut: days_to_fill through the course's Survey.days_of_stream (a throw-away Survey of the capacity and rate)
import math

from course.bigdata import Survey


def to_bytes(amount: float, unit: str) -> float:
    """Convert `amount` in a decimal SI unit ("B", "kB", ..., "EB") to bytes."""
    factors = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15, "EB": 1e18}
    if unit not in factors:
        raise ValueError(f"unknown unit {unit!r}; use one of {list(factors)}")
    return float(amount) * factors[unit]


def days_to_fill(capacity_bytes: float, rate_bytes_per_day: float) -> float:
    """Days until `capacity_bytes` are filled at `rate_bytes_per_day` (not rounded)."""
    if rate_bytes_per_day <= 0:
        raise ValueError("the rate must be positive, or the store never fills")
    return Survey("store", capacity_bytes, rate_bytes_per_day).days_of_stream


def disks_per_year(rate_bytes_per_day: float, disk_bytes: float) -> int:
    """Whole disks of `disk_bytes` needed for one year (365.25 days) at `rate_bytes_per_day`."""
    return math.ceil(365.25 * rate_bytes_per_day / disk_bytes)
