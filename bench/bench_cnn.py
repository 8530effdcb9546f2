"""The lecture CNN on the 8x8 digits, CPU profile: test accuracy (target >= 97 %) and training time (< 20 s).

The same call as lecture 05's training cell (``course.cnn.train_digits_cnn``), with
the CPU sizes forced, so the number says what a student on a laptop waits for.
"""

from __future__ import annotations

TARGET_ACCURACY = 0.97
TARGET_S = 20.0


def run() -> list[dict]:
    from course import cnn, device

    profile = device.setup(profile="cpu", verbose=False)
    _, _, accuracy, seconds = cnn.train_digits_cnn(profile)
    epochs, batch_size = cnn.digits_schedule(profile)
    what = f"{epochs} epochs, batch {batch_size}"
    return [
        {"name": f"digits CNN test accuracy ({what})", "value": round(100 * accuracy, 1), "unit": "%",
         "target": f">= {100 * TARGET_ACCURACY:.0f} %", "ok": accuracy >= TARGET_ACCURACY},
        {"name": f"digits CNN training time ({what})", "value": round(seconds, 1), "unit": "s",
         "target": f"< {TARGET_S:.0f} s", "ok": seconds < TARGET_S},
    ]
