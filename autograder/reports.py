"""What the grader writes besides the gradebook: scores.csv, summary.html, feedback HTML.

- ``reports/<assignment>/scores.csv``: one row per student and graded cell,
  exactly ``student,assignment,notebook,grade_id,score,max_score,status,message``.
- ``reports/<assignment>/summary.html``: per-question pass rates, status counts
  and a histogram of total scores (plain HTML + inline SVG, no scripts).
- ``feedback/<student>/<assignment>/<notebook>.html``: each cell and each
  test's result and message.  Hidden tests' source, and the values their
  failing checks expected, are left out unless ``show_hidden``.

Everything a student wrote is HTML-escaped.  Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import base64
import binascii
import csv
import html
import json
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
    """Per-question pass rates, status counts and a score histogram."""
    table = rows(results)
    questions: dict[tuple[str, str], dict] = {}
    statuses: dict[str, int] = {}
    for r in table:
        q = questions.setdefault((r["notebook"], r["grade_id"]), {"max": r["max_score"], "passed": 0, "n": 0})
        q["n"] += 1
        q["passed"] += r["status"] == "passed"
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    totals = {}
    maximum = 0.0
    for res in results:
        totals[res["student"]] = sum(row["score"] for nb in res["notebooks"].values() for row in nb["rows"])
        maximum = max(maximum, sum(row["max_score"] for nb in res["notebooks"].values() for row in nb["rows"]))
    parts = [f"<h1>{html.escape(assignment)}: autograding summary</h1>",
             f"<p>{len(results)} students, {len(table)} graded cells.</p>",
             "<h2>Pass rate per question</h2><table><tr><th>notebook</th><th>question</th><th>points</th>"
             "<th>passed</th><th>pass rate</th></tr>"]
    for (nb, gid), q in sorted(questions.items()):
        rate = q["passed"] / q["n"] if q["n"] else 0.0
        bar = f'<svg width="120" height="10"><rect width="{120 * rate:.1f}" height="10" fill="#1a7f37"/></svg>'
        parts.append(f"<tr><td>{html.escape(nb)}</td><td>{html.escape(gid)}</td><td>{q['max']}</td>"
                     f"<td>{q['passed']} / {q['n']}</td><td>{rate:.0%} {bar}</td></tr>")
    parts.append("</table><h2>Statuses</h2><table><tr><th>status</th><th>cells</th></tr>")
    for status, n in sorted(statuses.items()):
        parts.append(f'<tr><td class="{status}">{status}</td><td>{n}</td></tr>')
    parts.append("</table><h2>Total scores</h2>")
    parts.append(_histogram(list(totals.values()), maximum))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_page(f"{assignment} summary", "\n".join(parts)), encoding="utf-8")


def histogram_counts(totals: list[float], maximum: float, bins: int = 10) -> list[int]:
    counts = [0] * bins
    for t in totals:
        k = bins - 1 if maximum <= 0 or t >= maximum else int(bins * t / maximum)
        counts[max(0, min(bins - 1, k))] += 1
    return counts


def _histogram(totals: list[float], maximum: float, bins: int = 10) -> str:
    counts = histogram_counts(totals, maximum, bins)
    top = max(counts) or 1
    width, height = 40, 120
    bars = []
    for i, c in enumerate(counts):
        h = height * c / top
        lo, hi = maximum * i / bins, maximum * (i + 1) / bins
        bars.append(f'<g><rect x="{i * width + 2}" y="{height - h:.1f}" width="{width - 4}" height="{h:.1f}" '
                    f'fill="#4a78c2"><title>{lo:g}–{hi:g}: {c}</title></rect>'
                    f'<text x="{i * width + width / 2}" y="{height + 14}" font-size="10" text-anchor="middle">{lo:g}</text>'
                    f'<text x="{i * width + width / 2}" y="{max(10, height - h - 2):.1f}" font-size="10" '
                    f'text-anchor="middle">{c}</text></g>')
    svg = (f'<svg class="histogram" width="{bins * width}" height="{height + 20}" role="img" '
           f'aria-label="histogram of total scores">{"".join(bars)}</svg>')
    return svg + f'<p>Counts of students per score bin (0 to {maximum:g} points).</p>'


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
    score = sum(r["score"] for r in result["rows"])
    maximum = sum(r["max_score"] for r in result["rows"])
    parts = [f"<h1>{html.escape(assignment)} · {html.escape(notebook)}</h1>",
             f"<p>Student: <b>{html.escape(student)}</b> · autograded score: <b>{score:g} / {maximum:g}</b></p>"]
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
