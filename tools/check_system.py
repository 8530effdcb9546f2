"""Preflight for `make lab` / `make test` (--tests): say exactly what to install, then stop.

Runs with the system Python, before any virtual environment exists, so it uses
only the standard library and must stay compatible with old Pythons.
"""
import os
import shutil
import subprocess
import sys

MIN = (3, 10)
HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = os.path.join(HERE, os.pardir, ".ci", "debian-packages.txt")


def fail(msg):
    sys.stderr.write("\n*** " + msg.replace("\n", "\n    ") + "\n\n")
    sys.exit(1)


def debian_packages():
    """(package, command) pairs the tests need; a command of '-' means check with dpkg only."""
    pairs = []
    if os.path.exists(PACKAGES):
        for line in open(PACKAGES):
            line = line.split("#", 1)[0].split()
            if line:
                pairs.append((line[0], line[1] if len(line) > 1 else "-"))
    return pairs


def main():
    if sys.version_info < MIN:
        fail(
            "Python %d.%d or newer is needed; this is %s.\n"
            "Install a newer Python (Debian/Ubuntu: apt-get install python3; or pyenv / conda), "
            "then run again, e.g. `make test PYTHON=python3.11`." % (MIN + (sys.version.split()[0],))
        )
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        fail("Python's venv module is missing. On Debian/Ubuntu: apt-get install python3-venv")
    if "--tests" not in sys.argv:
        return
    missing = []
    for pkg, cmd in debian_packages():
        if cmd != "-" and shutil.which(cmd):
            continue
        if cmd == "-" and shutil.which("dpkg-query"):
            ok = subprocess.run(
                ["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True
            ).stdout.endswith("installed")
            if ok:
                continue
        missing.append(pkg)
    if missing:
        fail(
            "The tests need these Debian packages, which are not installed: %s\n"
            "Install them (as root):  apt-get update && apt-get install -y %s\n"
            "or run `bash .ci/run` as root, which installs them and runs the tests."
            % (", ".join(missing), " ".join(missing))
        )


if __name__ == "__main__":
    main()
