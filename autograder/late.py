"""Late penalties: the instructor's policy, applied by the trusted grader and stored in nbgrader's gradebook.

Why here and not in nbgrader: nbgrader's ``LateSubmissionPlugin`` knows only
``none`` and ``zero``, and it runs inside ``nbgrader autograde``, which this
course does not use.  The policy is read from ``nbgrader_config.py``::

    c.LatePenalty.method = "per_day"   # none | zero | per_hour | per_day
    c.LatePenalty.fraction = 0.1       # of the notebook's score, per started hour/day late
    c.LatePenalty.cap = 0.5            # at most this fraction of the score

(``c.LateSubmissionPlugin.penalty_method = "zero"``, nbgrader's own switch, is
honoured when ``LatePenalty`` is absent.)  The due date is the gradebook's
(``nbgrader db assignment add --duedate`` or formgrader, plus any extension);
the submission time is nbgrader's ``timestamp.txt``.  The penalty lands in
``SubmittedNotebook.late_submission_penalty``, the field ``nbgrader export``
and formgrader subtract, so every view agrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

METHODS = ("none", "zero", "per_hour", "per_day")


@dataclass(frozen=True)
class Policy:
    method: str = "none"
    fraction: float = 0.0
    cap: float = 1.0

    def describe(self) -> str:
        """One line for feedback and reports."""
        if self.method == "none":
            return "no late penalty"
        if self.method == "zero":
            return "a late submission scores zero"
        unit = "hour" if self.method == "per_hour" else "day"
        return f"{self.fraction:.0%} of the score per started {unit} late, at most {self.cap:.0%}"

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points taken off a notebook that scored ``score`` and came ``seconds_late`` after the due date."""
        if seconds_late <= 0 or score <= 0 or self.method == "none":
            return 0.0
        if self.method == "zero":
            return float(score)
        units = math.ceil(seconds_late / (3600 if self.method == "per_hour" else 86400))
        return round(min(score, score * min(self.cap, self.fraction * units)), 6)


class PolicyError(ValueError):
    """The configured policy is not one this grader understands."""


def load_policy(course: Path) -> Policy:
    """The course's policy, read from nbgrader_config.py with traitlets' loader (no nbgrader app start-up)."""
    from autograder.gradebook import course_config

    cfg = course_config(course)
    section = cfg.get("LatePenalty", {})
    method = section.get("method") or cfg.get("LateSubmissionPlugin", {}).get("penalty_method") or "none"
    if method not in METHODS:
        raise PolicyError(f"LatePenalty.method = {method!r}: use one of {', '.join(METHODS)}")
    fraction = float(section.get("fraction", 0.0))
    cap = float(section.get("cap", 1.0))
    if method in ("per_hour", "per_day") and not (0 < fraction <= 1 and 0 <= cap <= 1):
        raise PolicyError(f"LatePenalty.fraction must be in (0, 1] and cap in [0, 1] (got {fraction}, {cap})")
    return Policy(method, fraction, cap)


def apply(gb, assignment: str, policy: Policy, students: list[str] | None = None) -> dict[str, dict]:
    """Recompute and store every submitted notebook's penalty from the gradebook's current scores.

    Run after auto scores are written and again before feedback or export, so a
    manual score entered later in formgrader is penalised too.  Returns
    student -> {"seconds_late", "penalty", "notebooks": {name: penalty}}.
    """
    out: dict[str, dict] = {}
    for sub in gb.find_assignment(assignment).submissions:
        sid = sub.student.id
        if students is not None and sid not in students:
            continue
        late = float(sub.total_seconds_late or 0.0)
        per_nb = {}
        for nb in sub.notebooks:
            nb.late_submission_penalty = policy.penalty(float(nb.score or 0.0), late) if late > 0 else None
            per_nb[nb.name] = nb.late_submission_penalty or 0.0
        out[sid] = {"seconds_late": late, "penalty": sum(per_nb.values()), "notebooks": per_nb,
                    "duedate": sub.duedate.isoformat(sep=" ") if sub.duedate else None}
    gb.db.commit()
    return out


def late_text(seconds: float) -> str:
    """'2 days 3 hours' style, for people."""
    minutes = int(math.ceil(seconds / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {u}{'s' if n != 1 else ''}" for n, u in ((days, "day"), (hours, "hour"), (mins, "minute")) if n]
    return " ".join(parts) or "0 minutes"
