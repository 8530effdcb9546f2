"""What the grader writes besides the gradebook: scores.csv, summary.html, feedback HTML.

- ``reports/<assignment>/scores.csv``: one row per student and graded cell,
  exactly ``student,assignment,notebook,grade_id,score,max_score,status,message``.
- ``reports/<assignment>/summary.html``: a per-student table (auto, hand-graded,
  late penalty, total), per-question pass rates, the written questions, status
  counts and a histogram of total scores binned at whole points (plain HTML +
  inline SVG, no scripts).
- ``feedback/<student>/<assignment>/<notebook>.html``: the whole score (auto,
  hand-graded or still pending, late penalty), the grader's comments, each cell
  and each test's result and message.  Hidden tests' source, and the values their
  failing checks expected, are left out unless ``show_hidden``.

Everything a student wrote is HTML-escaped.  Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import base64
import binascii
import csv
import html
import json
import math
import re
from pathlib import Path

from autograder import transform

COLUMNS = ["student", "assignment", "notebook", "grade_id", "score", "max_score", "status", "message"]


def _fmt(x: float) -> str:
    return f"{x:g}"


def load_results(results_dir: Path) -> list[dict]:
    """Every student's stored result for an assignment, sorted by student id."""
    found = []
    for path in sorted(results_dir.glob("*.json")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return sorted(found, key=lambda r: r["student"])


def rows(results: list[dict]) -> list[dict]:
    out = []
    for res in results:
        for nb_name, nb in sorted(res["notebooks"].items()):
            for row in nb["rows"]:
                out.append({
                    "student": res["student"], "assignment": res["assignment"], "notebook": nb_name,
                    "grade_id": row["grade_id"], "score": _fmt(row["score"]), "max_score": _fmt(row["max_score"]),
                    "status": row["status"], "message": row["message"],
                })
    return out


def write_csv(path: Path, results: list[dict]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = rows(results)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    return len(table)


def with_standing(result: dict, standing: dict | None, policy: str = "") -> dict:
    """A stored result plus what the gradebook adds (hand grades, comments, lateness); plain data, a copy."""
    import copy

    res = copy.deepcopy(result)
    standing = standing or {}
    res["late"] = {"seconds_late": standing.get("seconds_late", 0.0), "duedate": standing.get("duedate"),
                   "penalty": standing.get("penalty", 0.0), "policy": policy}
    for name, nb in res["notebooks"].items():
        extra = (standing.get("notebooks") or {}).get(name, {})
        nb["manual"] = extra.get("manual", [])
        nb["comments"] = extra.get("comments", {})
        nb["penalty"] = extra.get("penalty", 0.0)
        nb["late"] = res["late"]
        for row in nb["rows"]:
            if row["grade_id"] in extra.get("overrides", {}):
                row["auto_score"], row["score"] = row["score"], extra["overrides"][row["grade_id"]]
                row["message"] += f" (score changed by the grader from {row['auto_score']:g} to {row['score']:g})"
    return res


def notebook_totals(nb: dict) -> dict:
    """auto, auto_max, manual, manual_max, pending (grade ids), penalty, total, max of one notebook's result."""
    auto = sum(r["score"] for r in nb["rows"])
    auto_max = sum(r["max_score"] for r in nb["rows"])
    manual_rows = nb.get("manual") or []
    manual = sum(m["score"] for m in manual_rows if m["score"] is not None)
    manual_max = sum(m["max_score"] for m in manual_rows)
    pending = [m["grade_id"] for m in manual_rows if m["score"] is None]
    penalty = float(nb.get("penalty") or 0.0)
    return {"auto": auto, "auto_max": auto_max, "manual": manual, "manual_max": manual_max, "pending": pending,
            "pending_points": sum(m["max_score"] for m in manual_rows if m["score"] is None),
            "penalty": penalty, "total": max(0.0, auto + manual - penalty), "max": auto_max + manual_max}


def student_totals(result: dict) -> dict:
    """The sums of :func:`notebook_totals` over a student's notebooks."""
    keys = ("auto", "auto_max", "manual", "manual_max", "pending_points", "penalty", "total", "max")
    out = {k: 0.0 for k in keys}
    out["pending"] = []
    for name, nb in sorted(result["notebooks"].items()):
        t = notebook_totals(nb)
        for k in keys:
            out[k] += t[k]
        out["pending"] += [f"{name}:{g}" if len(result["notebooks"]) > 1 else g for g in t["pending"]]
    return out


def console_summary(assignment: str, results: list[dict], seconds: float) -> list[str]:
    """The grade run's last lines: students and tests counted apart, then totals out of the whole assignment."""
    tests: dict[str, int] = {}
    full = failing = ungraded = 0
    for res in results:
        statuses = [row["status"] for nb in res["notebooks"].values() for row in nb["rows"]]
        for st in statuses:
            tests[st] = tests.get(st, 0) + 1
        if any(nb["status"] != "graded" for nb in res["notebooks"].values()):
            ungraded += 1
        elif all(st == "passed" for st in statuses):
            full += 1
        else:
            failing += 1
    n = len(results)
    lines = [f"graded {n} submissions of {assignment} in {seconds:.1f} s",
             f"  students: {n} ({full} passed every test, {failing} failed at least one, "
             f"{ungraded} missing or invalid)",
             f"  tests: {sum(tests.values())} test cells: " + ", ".join(f"{c} {s}" for s, c in sorted(tests.items()))]
    pending = 0
    for res in results:
        t = student_totals(res)
        pending += bool(t["pending"])
        hand = f"{t['manual']:g}/{t['manual_max']:g} by hand" + (f" ({len(t['pending'])} pending)" if t["pending"] else "")
        late = f", -{t['penalty']:g} late" if t["penalty"] else ""
        lines.append(f"  {res['student']}: {t['total']:g} / {t['max']:g} points "
                     f"({t['auto']:g}/{t['auto_max']:g} autograded, {hand}{late})")
    if results:
        maximum = max(student_totals(r)["max"] for r in results)
        mean = sum(student_totals(r)["total"] for r in results) / n
        lines.append(f"  total: mean {mean:.2f} / {maximum:g} points over {n} students"
                     + (f"; {pending} still have written answers to grade by hand (formgrader)" if pending else ""))
    return lines


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
.passed{color:#1a7f37}.failed,.error,.timeout,.killed,.missing,.invalid{color:#b42318}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.cell{margin:1em 0}.result{border-left:4px solid #888;padding:.3em .8em;background:#fafafa}
.result.passed{border-color:#1a7f37}.result.failed,.result.error,.result.timeout,.result.killed{border-color:#b42318}
.note{color:#8a6d00}
"""


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n")


def write_summary(path: Path, assignment: str, results: list[dict]) -> None:
    """Per-student totals, per-question pass rates, written questions, status counts and a score histogram."""
    table = rows(results)
    questions: dict[tuple[str, str], dict] = {}
    statuses: dict[str, int] = {}
    for r in table:
        q = questions.setdefault((r["notebook"], r["grade_id"]), {"max": r["max_score"], "passed": 0, "n": 0})
        q["n"] += 1
        q["passed"] += r["status"] == "passed"
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    totals = {res["student"]: student_totals(res) for res in results}
    maximum = max((t["max"] for t in totals.values()), default=0.0)
    parts = [f"<h1>{html.escape(assignment)}: grading summary</h1>",
             f"<p>{len(results)} students, {len(table)} graded test cells, {maximum:g} points in all.</p>",
             "<h2>Students</h2><table><tr><th>student</th><th>autograded</th><th>by hand</th>"
             "<th>late penalty</th><th>total</th></tr>"]
    for student, t in totals.items():
        hand = f"{t['manual']:g} / {t['manual_max']:g}" + (
            f" <span class=\"note\">(pending: {html.escape(', '.join(t['pending']))})</span>" if t["pending"] else "")
        parts.append(f'<tr class="student"><td>{html.escape(student)}</td><td>{t["auto"]:g} / {t["auto_max"]:g}</td>'
                     f"<td>{hand}</td><td>{t['penalty']:g}</td><td>{t['total']:g} / {t['max']:g}</td></tr>")
    parts.append("</table><h2>Pass rate per question</h2><table><tr><th>notebook</th><th>question</th><th>points</th>"
                 "<th>passed</th><th>pass rate</th></tr>")
    for (nb, gid), q in sorted(questions.items()):
        rate = q["passed"] / q["n"] if q["n"] else 0.0
        bar = f'<svg width="120" height="10"><rect width="{120 * rate:.1f}" height="10" fill="#1a7f37"/></svg>'
        parts.append(f"<tr><td>{html.escape(nb)}</td><td>{html.escape(gid)}</td><td>{q['max']}</td>"
                     f"<td>{q['passed']} / {q['n']}</td><td>{rate:.0%} {bar}</td></tr>")
    written: dict[tuple[str, str], dict] = {}
    for res in results:
        for nb_name, nb in res["notebooks"].items():
            for m in nb.get("manual") or []:
                w = written.setdefault((nb_name, m["grade_id"]), {"max": m["max_score"], "graded": 0, "sum": 0.0, "n": 0})
                w["n"] += 1
                if m["score"] is not None:
                    w["graded"] += 1
                    w["sum"] += m["score"]
    parts.append("</table><h2>Written questions (graded by hand)</h2><table><tr><th>notebook</th><th>question</th>"
                 "<th>points</th><th>graded</th><th>mean</th></tr>")
    for (nb, gid), w in sorted(written.items()):
        mean = f"{w['sum'] / w['graded']:.2f}" if w["graded"] else "–"
        parts.append(f'<tr class="written"><td>{html.escape(nb)}</td><td>{html.escape(gid)}</td><td>{w["max"]:g}</td>'
                     f"<td>{w['graded']} / {w['n']}</td><td>{mean}</td></tr>")
    parts.append("</table><h2>Statuses</h2><table><tr><th>status</th><th>cells</th></tr>")
    for status, n in sorted(statuses.items()):
        parts.append(f'<tr><td class="{status}">{status}</td><td>{n}</td></tr>')
    parts.append("</table><h2>Total scores</h2>")
    parts.append(_histogram([t["total"] for t in totals.values()], maximum))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_page(f"{assignment} summary", "\n".join(parts)), encoding="utf-8")


def histogram_counts(totals: list[float], maximum: float) -> list[int]:
    """Students per whole point: bin k holds totals in [k, k+1) (the last bin also holds the maximum)."""
    bins = max(1, math.ceil(maximum - 1e-9))
    counts = [0] * bins
    for t in totals:
        counts[max(0, min(bins - 1, math.floor(t + 1e-9)))] += 1
    return counts


def _histogram(totals: list[float], maximum: float) -> str:
    counts = histogram_counts(totals, maximum)
    bins = len(counts)
    top = max(counts) or 1
    width, height = max(12, min(40, 600 // bins)), 120
    bars = []
    for i, c in enumerate(counts):
        h = height * c / top
        hi = f"{i + 1}" + ("]" if i == bins - 1 else ")")
        bars.append(f'<g><rect x="{i * width + 2}" y="{height - h:.1f}" width="{width - 4}" height="{h:.1f}" '
                    f'fill="#4a78c2"><title>[{i}, {hi}: {c}</title></rect>'
                    f'<text x="{i * width + width / 2}" y="{height + 14}" font-size="10" text-anchor="middle">{i}</text>'
                    f'<text x="{i * width + width / 2}" y="{max(10, height - h - 2):.1f}" font-size="10" '
                    f'text-anchor="middle">{c}</text></g>')
    svg = (f'<svg class="histogram" width="{bins * width}" height="{height + 20}" role="img" '
           f'aria-label="histogram of total scores">{"".join(bars)}</svg>')
    return svg + f'<p>Students per whole point of the total score (0 to {maximum:g} points, after late penalties).</p>'


# ------------------------------------------------------------------ feedback


_B64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")


def _outputs_html(outputs: list[dict]) -> str:
    parts = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(f'<pre class="{html.escape(out.get("name", ""))}">{html.escape(_join(out.get("text")))}</pre>')
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            png = _join(data.get("image/png"))
            if png and _B64.match(png):
                try:
                    base64.b64decode(png, validate=False)
                    parts.append(f'<img alt="figure" src="data:image/png;base64,{png.strip()}">')
                    continue
                except (binascii.Error, ValueError):
                    pass
            if "text/plain" in data:
                parts.append(f"<pre>{html.escape(_join(data['text/plain']))}</pre>")
        elif kind == "error":
            text = "\n".join(out.get("traceback") or []) or f"{out.get('ename')}: {out.get('evalue')}"
            parts.append(f'<pre class="error">{html.escape(text)}</pre>')
    return "".join(parts)


def _join(text) -> str:
    if isinstance(text, list):
        return "".join(str(t) for t in text)
    return "" if text is None else str(text)


def feedback_html(student: str, assignment: str, notebook: str, nb: dict | None, result: dict,
                  show_hidden: bool = False) -> str:
    """One student's feedback page for one notebook."""
    parts = [f"<h1>{html.escape(assignment)} · {html.escape(notebook)}</h1>",
             f"<p>Student: <b>{html.escape(student)}</b></p>", _score_html(result)]
    if result.get("message"):
        parts.append(f'<p class="{html.escape(result.get("status", ""))}">{html.escape(result["message"])}</p>')
    for note in result.get("notes", []):
        parts.append(f'<p class="note">Note: {html.escape(note)}</p>')
    by_id = {r["grade_id"]: r for r in result["rows"]}
    parts.append("<h2>Test results</h2><table><tr><th>question</th><th>score</th><th>status</th><th>message</th></tr>")
    for r in result["rows"]:
        parts.append(f'<tr><td>{html.escape(r["grade_id"])}</td><td>{r["score"]:g} / {r["max_score"]:g}</td>'
                     f'<td class="{r["status"]}">{r["status"]}</td><td>{html.escape(_student_message(r, show_hidden))}</td></tr>')
    parts.append("</table>")
    for r in result["rows"]:
        for note in r.get("notes") or []:
            parts.append(f'<p class="note">Note on {html.escape(r["grade_id"])}: {html.escape(note)}</p>')
    if nb is not None:
        parts.append("<h2>Your notebook, as graded</h2>")
        for cell in nb.get("cells", []):
            meta = (cell.get("metadata") or {}).get("nbgrader") or {}
            source = _join(cell.get("source"))
            gid = meta.get("grade_id")
            if cell.get("cell_type") == "code" and gid in by_id and meta.get("grade") and not meta.get("solution"):
                shown = source if show_hidden else transform.visible_source(source)
                r = by_id[gid]
                parts.append(f'<div class="cell test"><pre>{html.escape(shown)}</pre>'
                             f'<div class="result {r["status"]}"><b>{html.escape(gid)}: {r["status"]}, '
                             f'{r["score"]:g} / {r["max_score"]:g}</b><br>{html.escape(_student_message(r, show_hidden))}'
                             f"</div></div>")
            elif cell.get("cell_type") == "code":
                parts.append(f'<div class="cell code"><pre>{html.escape(source)}</pre>'
                             f'{_outputs_html(cell.get("outputs", []))}</div>')
            elif cell.get("cell_type") == "markdown":
                parts.append(f'<div class="cell text">{_markdown(source)}</div>')
            else:
                parts.append(f'<div class="cell text"><pre>{html.escape(source)}</pre></div>')
    return _page(f"{assignment} {notebook} feedback for {student}", "\n".join(parts))


def _score_html(result: dict) -> str:
    """The whole score: autograded, by hand (or pending), late penalty, total; then each written answer."""
    t = notebook_totals(result)
    parts = [f'<table class="score"><tr><th>autograded tests</th><td>{t["auto"]:g} / {t["auto_max"]:g}</td></tr>']
    if t["manual_max"]:
        pending = (f' <span class="note">({t["pending_points"]:g} points not graded yet: '
                   f'{html.escape(", ".join(t["pending"]))})</span>') if t["pending"] else ""
        parts.append(f'<tr><th>graded by hand</th><td>{t["manual"]:g} / {t["manual_max"]:g}{pending}</td></tr>')
    late = result.get("late") or {}
    if late.get("seconds_late"):
        from autograder.late import late_text

        parts.append(f'<tr><th>late penalty</th><td>-{t["penalty"]:g} <span class="note">(submitted '
                     f'{late_text(late["seconds_late"])} after the due date {html.escape(str(late.get("duedate")))} UTC; '
                     f'{html.escape(late.get("policy") or "")})</span></td></tr>')
    word = "score so far" if t["pending"] else "total score"
    parts.append(f'<tr><th>{word}</th><td><b class="total">{t["total"]:g} / {t["max"]:g}</b></td></tr></table>')
    manual = result.get("manual") or []
    if manual:
        parts.append("<h2>Written answers (graded by hand)</h2><table><tr><th>question</th><th>score</th>"
                     "<th>comment</th></tr>")
        for m in manual:
            score = "pending" if m["score"] is None else f'{m["score"]:g}'
            parts.append(f'<tr class="manual"><td>{html.escape(m["grade_id"])}</td><td>{score} / {m["max_score"]:g}</td>'
                         f'<td>{html.escape(m.get("comment") or "")}</td></tr>')
        parts.append("</table>")
    others = {g: c for g, c in (result.get("comments") or {}).items() if g not in {m["grade_id"] for m in manual}}
    for gid, comment in sorted(others.items()):
        parts.append(f'<p class="comment">Comment on {html.escape(gid)}: {html.escape(comment)}</p>')
    return "".join(parts)


def _markdown(text: str) -> str:
    """Markdown as HTML with any raw HTML escaped and unsafe links dropped (mistune ships with nbconvert)."""
    try:
        import mistune
    except ImportError:  # pragma: no cover - nbconvert depends on it
        return f"<pre>{html.escape(text)}</pre>"
    return mistune.create_markdown(escape=True)(text)


def _student_message(row: dict, show_hidden: bool) -> str:
    """The row's message, minus what a hidden check expected (unless the instructor shows hidden tests)."""
    check = row.get("check")
    message = row["message"]
    if show_hidden or not check or not check.get("hidden"):
        return message
    label = f"hidden check {check['index']}" + (f" ({check['what']})" if check.get("what") else "")
    if row["status"] == "failed":
        hint = check.get("hint")
        return f"{label} failed." + (f" Try: {hint}" if hint else "")
    if row["status"] == "error":
        return f"{check.get('problem', 'an error')} (while computing {label})"
    return message
