"""tools/check_system.py: a missing prerequisite stops set-up with the command that fixes it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import check_system  # noqa: E402


def test_passes_on_this_machine() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "check_system.py"), "--tests"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_old_python_is_refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(sys, "version_info", (3, 8, 10))
    monkeypatch.setattr(sys, "version", "3.8.10 (fake)")
    with pytest.raises(SystemExit) as exc:
        check_system.main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "Python 3.10 or newer is needed; this is 3.8.10" in err and "PYTHON=python3.11" in err


def test_missing_debian_package_names_the_apt_line(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    listing = tmp_path / "debian-packages.txt"
    listing.write_text("# comment\ngit git\nno-such-package-xyz no-such-command-xyz\n")
    monkeypatch.setattr(check_system, "PACKAGES", str(listing))
    monkeypatch.setattr(sys, "argv", ["check_system.py", "--tests"])
    with pytest.raises(SystemExit):
        check_system.main()
    err = capsys.readouterr().err
    assert "no-such-package-xyz" in err and "apt-get install -y no-such-package-xyz" in err
    assert "git," not in err


def test_lab_does_not_need_test_packages(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    listing = tmp_path / "debian-packages.txt"
    listing.write_text("no-such-package-xyz no-such-command-xyz\n")
    monkeypatch.setattr(check_system, "PACKAGES", str(listing))
    monkeypatch.setattr(sys, "argv", ["check_system.py"])
    check_system.main()  # no SystemExit: `make lab` only needs Python
