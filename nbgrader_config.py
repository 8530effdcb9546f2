"""nbgrader configuration for the course (nbgrader reads it from the working directory).

Run nbgrader commands from this folder. Paths are anchored here, so the
gradebook and the exchange never land in whatever folder a command ran from.
"""
import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

here = os.path.dirname(os.path.abspath(globals().get("__file__", os.path.join(os.getcwd(), "x"))))

c.CourseDirectory.course_id = "mlbigsci"
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# COURSE_GRADEBOOK_URL points formgrader and nbgrader at another gradebook (e.g. PostgreSQL).
c.CourseDirectory.db_url = os.environ.get("COURSE_GRADEBOOK_URL") or "sqlite:///" + os.path.join(here, "gradebook.db")

# The default exchange (/usr/local/share/nbgrader/exchange) is not writable for most users.
c.Exchange.root = os.environ.get("COURSE_EXCHANGE") or os.path.join(here, ".exchange")
os.makedirs(c.Exchange.root, exist_ok=True)
c.Exchange.path_includes_course = True

# Student stubs and written-answer placeholders (nbgrader's defaults, spelled out).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Restore deleted or edited test cells from the gradebook when nbgrader itself autogrades.
c.OverwriteCells.add_missing_cells = True

# Late penalties, applied by `python -m autograder grade` and stored as nbgrader's late_submission_penalty
# (the due date comes from the gradebook: formgrader or `nbgrader db assignment add NN_slug --duedate=...`).
# method: none | zero | per_hour | per_day; fraction: of the notebook's score per started hour/day; cap: at most.
# c.LatePenalty.method = "per_day"
# c.LatePenalty.fraction = 0.1
# c.LatePenalty.cap = 0.5
