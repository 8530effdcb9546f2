"""Run every bench module (or those named on the command line) and write bench/results.json."""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in HERE.glob("bench_*.py"))
    results = {"machine": {"python": platform.python_version(), "cores": __import__("os").cpu_count()},
               "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "benches": {}}
    out = HERE / "results.json"
    if argv and out.exists():  # a partial run updates its own rows and keeps the others
        kept = json.loads(out.read_text()).get("benches", {})
        results["benches"] = {k: v for k, v in kept.items() if k not in names}
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        rows = module.run()
        results["benches"][name] = rows
        for row in rows:
            ok = row.get("ok")
            flag = "" if ok is None else ("  ok" if ok else "  MISSED")
            target = f"  (target {row['target']})" if row.get("target") else ""
            print(f"   {row['name']:<62} {row['value']:>10} {row['unit']:<6}{target}{flag}", flush=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
