"""A student's server: no formgrader, no course list (nbgrader's docs: disable them for students)."""
c = get_config()  # noqa: F821
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
