"""Run code cells one at a time in a Jupyter kernel and report how each ended.

Used by the notebook tests (stub / solution / wrong-solution trials share one
kernel per notebook, so TensorFlow is imported once, not once per trial).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.notebooks import quiet_kernel_env


@dataclass(frozen=True)
class CellResult:
    ok: bool
    ename: str = ""
    evalue: str = ""
    stdout: str = ""
    traceback: tuple[str, ...] = ()  # what the notebook shows for an error (the kernel's structured traceback)

    def describe(self) -> str:
        return "ok" if self.ok else f"{self.ename}: {self.evalue}".strip()


class Kernel:
    """A python3 kernel started in ``cwd``; use as a context manager."""

    def __init__(self, cwd: str | Path, timeout: float = 300.0) -> None:
        self.cwd = str(cwd)
        self.timeout = timeout
        self.km = None
        self.kc = None

    def __enter__(self) -> "Kernel":
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=self.cwd, env=quiet_kernel_env())
        return self

    def __exit__(self, *exc: object) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            self.km.shutdown_kernel(now=True)

    def run(self, code: str) -> CellResult:
        out: list[str] = []

        def hook(msg: dict) -> None:
            if msg["header"]["msg_type"] == "stream" and msg["content"].get("name") == "stdout":
                out.append(msg["content"]["text"])

        reply = self.kc.execute_interactive(code, timeout=self.timeout, output_hook=hook, allow_stdin=False)
        content = reply["content"]
        if content["status"] == "ok":
            return CellResult(True, stdout="".join(out))
        return CellResult(False, content.get("ename", "error"), content.get("evalue", ""), "".join(out),
                          tuple(content.get("traceback") or ()))
