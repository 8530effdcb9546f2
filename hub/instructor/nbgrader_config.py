"""nbgrader for the instructor's server on the hub (on JUPYTER_CONFIG_PATH, set by the hub).

The course itself lives in COURSE_ROOT (the hub's default: ~/mlbigsci), whose own
nbgrader_config.py (a copy of the repository's) sets the folders and the gradebook.
"""
import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "mlbigsci"
c.CourseDirectory.root = os.environ.get("COURSE_ROOT") or os.path.expanduser("~/mlbigsci")
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = True
