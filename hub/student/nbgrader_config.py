"""nbgrader for a student's server on the hub: the shared exchange and the one course."""
import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "mlbigsci"
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = True
