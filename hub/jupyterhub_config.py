"""A multi-user JupyterHub for the course on one machine (`make hub`; tests/hub use it too).

Real local Linux accounts log in with their passwords (PAM). Each user's server runs as that
user from the course's one shared venv, with nbgrader's exchange in a shared folder. Who is
the instructor, and which folders, come from the environment (the defaults are `make hub`'s):

  COURSE_INSTRUCTORS  instructor user names, comma-separated (default: instructor)
  COURSE_STUDENTS     student user names, comma-separated (default: every other account may log in)
  COURSE_EXCHANGE     nbgrader's exchange, mode 1777 (default: /srv/nbgrader/exchange)
  HUB_STATE           the hub's own database, cookie secret and proxy pid (default: .hub/ in the repo)
  HUB_IP, HUB_PORT    where the hub listens (default: 127.0.0.1:8000)

An instructor's first log-in copies the course (nbgrader_config.py, source/) to ~/mlbigsci; run the
trusted grader there as root: `.venv/bin/python -m autograder grade NN_slug --course ~instructor/mlbigsci`.
Students need nothing in their homes: the Assignments tab fetches into ~/mlbigsci/NN_slug.
"""
import os
import pwd
import shutil
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = Path(sys.prefix)  # the hub runs from the course's venv: users run the same one
STATE = Path(os.environ.get("HUB_STATE") or ROOT / ".hub")
STATE.mkdir(parents=True, exist_ok=True)
INSTRUCTORS = {u for u in os.environ.get("COURSE_INSTRUCTORS", "instructor").split(",") if u}
STUDENTS = {u for u in os.environ.get("COURSE_STUDENTS", "").split(",") if u}
EXCHANGE = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")


def hidden_python_prefix() -> tuple[str, str] | None:
    """(top, keep) when the interpreter's prefix sits under a folder others cannot enter.

    top is the first such folder (e.g. /root, mode 0700 with pyenv), keep the folder under it
    that holds the prefix (e.g. /root/.pyenv); hub/singleuser.sh shows only keep under top.
    """
    base = Path(sys.base_prefix).resolve()
    for parent in reversed(base.parents):
        if parent != Path("/") and not os.stat(parent).st_mode & 0o001:
            return str(parent), str(parent / base.relative_to(parent).parts[0])
    return None


def install_course(user: str) -> None:
    """An instructor's first log-in: ~/mlbigsci gets the course's nbgrader config and source/ (theirs to edit)."""
    entry = pwd.getpwnam(user)
    course = Path(entry.pw_dir) / "mlbigsci"
    if course.exists():
        return
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for path in [course, *course.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)


class CourseSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose privilege drop happens in hub/singleuser.sh (after the mounts)."""

    def make_preexec_fn(self, name):
        return None

    async def start(self):
        if self.user.name in INSTRUCTORS:
            install_course(self.user.name)
        self.cmd = [str(HERE / "singleuser.sh"), self.user.name, str(VENV / "bin" / "python"), "-m", "jupyterhub.singleuser"]
        return await super().start()

    def get_env(self):
        env = super().get_env()
        role = "instructor" if self.user.name in INSTRUCTORS else "student"
        env.update(
            PATH=f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",  # nbgrader runs `alembic`
            JUPYTER_CONFIG_PATH=str(HERE / role),
            COURSE_EXCHANGE=EXCHANGE,
            TF_CPP_MIN_LOG_LEVEL="3",
            PYTHONDONTWRITEBYTECODE="1",
        )
        if role == "instructor":
            env["COURSE_ROOT"] = os.path.join(env["HOME"], "mlbigsci")
        hidden = hidden_python_prefix()
        if hidden:
            env["COURSE_HIDDEN_TOP"], env["COURSE_HIDDEN_KEEP"] = hidden
        return env


c = get_config()  # noqa: F821
c.JupyterHub.ip = os.environ.get("HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("HUB_API_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(VENV / "node" / "node_modules" / ".bin" / "configurable-http-proxy")]

# Real accounts, real passwords (PAM); the instructors are the hub's admins.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.admin_users = INSTRUCTORS
if STUDENTS:
    c.Authenticator.allowed_users = INSTRUCTORS | STUDENTS
else:
    c.Authenticator.allow_all = True

c.JupyterHub.spawner_class = CourseSpawner
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
