# Wrong: looks the unit up case-insensitively, so "tb", "Tb", "KB", "gb" and "eb" are accepted instead of raising ValueError.
def to_bytes(amount: float, unit: str) -> float:
    """Convert `amount` in a decimal SI unit ("B", "kB", ..., "EB") to bytes."""
    factors = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15, "eb": 1e18}
    if unit.lower() not in factors:
        raise ValueError(f"unknown unit {unit!r}")
    return float(amount) * factors[unit.lower()]


def days_to_fill(capacity_bytes: float, rate_bytes_per_day: float) -> float:
    """Days until `capacity_bytes` are filled at `rate_bytes_per_day` (not rounded)."""
    if rate_bytes_per_day <= 0:
        raise ValueError("the rate must be positive")
    return capacity_bytes / rate_bytes_per_day


def disks_per_year(rate_bytes_per_day: float, disk_bytes: float) -> int:
    """Whole disks of `disk_bytes` needed for one year (365.25 days) at `rate_bytes_per_day`."""
    import math

    return math.ceil(365.25 * rate_bytes_per_day / disk_bytes)
