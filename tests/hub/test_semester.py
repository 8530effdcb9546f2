"""A semester on a real JupyterHub, in a real browser: release, fetch, answer, submit, collect, grade,
hand-grade, feedback.

Real Linux accounts (one instructor, three students) log in through the hub's PAM log-in page in
Debian's chromium. The instructor sets a due date and releases the lecture from formgrader; alice
(right), bob (one exercise wrong) and carol (right, but after the due date) fetch it in the
Assignments tab, answer and submit; the instructor collects in formgrader, runs the trusted grader
(`python -m autograder grade`) on the collected submissions, hand-grades the written answer in
formgrader, writes the feedback with `python -m autograder feedback` and releases it from formgrader;
each student fetches it and reads the total, the hand-graded points and the comment, and no hidden
test. Screenshots of every step: test-output/hub/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.autograder.helpers import fill, solution_code
from tests.conftest import RELEASE, ROOT
from tests.hub.conftest import PASSWORD, Hub, running_hub
from tests.widgets.browser import CHROMIUM, CHROMIUM_ARGS

A = "00_big_data_in_science"
WRITTEN = "vs_and_streaming"  # the written answer, 3 points by hand
EXERCISES = ("data_volume", "streaming_stats", "word_count")
WRONG = ("data_volume", "plus_one_disk.py")  # bob's wrong answer
MANUAL = {  # student -> (points for the written answer, the instructor's comment)
    "hubalice": (3, "Clear: all four Vs, and why one pass suffices."),
    "hubbob": (1.5, "Volume and velocity only; the streaming half is missing."),
    "hubcarol": (2, "Good, but the merge step is not explained."),
}
STUDENTS = list(MANUAL)
DUE_IN = dt.timedelta(seconds=int(os.environ.get("COURSE_HUB_DUE_IN", "100")))
T = 90_000  # ms: a spawn or an nbgrader action on two shared cores


def answers(student: str) -> dict:
    """The student's notebook: the release version with their answers written in."""
    nb = json.loads((RELEASE / A / f"{A}.ipynb").read_text())
    code = {gid: solution_code(A, gid) for gid in EXERCISES}
    if student == "hubbob":
        code[WRONG[0]] = (ROOT / "tests" / "wrong_solutions" / A / WRONG[0] / WRONG[1]).read_text()
    code[WRITTEN] = (f"Answer by {student}: volume, velocity, variety and veracity; a streaming mean and variance "
                     "keep three numbers per chunk, so one pass over data that never fits in memory suffices.")
    return fill(nb, code)


class Shots:
    def __init__(self, hub: Hub) -> None:
        self.hub, self.n = hub, 0
        for old in hub.shots.glob("*.png"):
            old.unlink()

    def __call__(self, page, name: str) -> None:
        self.n += 1
        path = self.hub.shots / f"{self.n:02d}_{name}.png"
        page.screenshot(path=str(path), full_page=False)
        self.hub.taken.append(path.name)


def login(browser, hub: Hub, user: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(T)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=T)
    page.wait_for_selector("#jp-main-dock-panel", timeout=T)
    return page


def api(page, method: str, path: str, body: dict | None = None) -> dict | list | None:
    """Call the user's own server from their logged-in page (the browser's cookies and XSRF token)."""
    return page.evaluate(
        """async ([method, url, body]) => {
            const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
            const r = await fetch(url, {method, headers: {'X-XSRFToken': decodeURIComponent(xsrf),
                                  'Content-Type': 'application/json'}, body: body ? JSON.stringify(body) : undefined});
            if (!r.ok) { throw new Error(method + ' ' + url + ': HTTP ' + r.status + ' ' + await r.text()); }
            const t = await r.text();
            return t ? JSON.parse(t) : null;
        }""",
        [method, path, body],
    )


def close_modal(page, what: str) -> str:
    """Wait for formgrader's success (or error) dialog after ``what``, close it, return its text."""
    modal = page.locator("#success-modal, #error-modal")
    modal.wait_for(state="visible", timeout=T)
    text = modal.inner_text()
    assert modal.get_attribute("id") == "success-modal", f"formgrader could not {what}:\n{text[-3000:]}"
    modal.locator(".modal-footer button").first.click()
    modal.wait_for(state="hidden", timeout=T)
    return text


def formgrader_row(page):
    return page.locator("#main-table tr", has=page.locator(f"td.name:has-text('{A}')"))


def open_assignments_tab(page) -> None:
    page.click("#jp-MainMenu >> text=Nbgrader")
    page.click(".lm-Menu-itemLabel:text-is('Assignment List')")
    page.wait_for_selector("#released_assignments_list", timeout=T)


def assignment_row(page, listing: str):
    return page.locator(f"#{listing} .list_item:not(.nested_list_item)", has=page.locator(f"text={A}"))


def run_as_root(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}", TF_CPP_MIN_LOG_LEVEL="3")
    res = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "autograder", *args], env=env,
                         capture_output=True, text=True, timeout=240, cwd=cwd)
    return res


@pytest.fixture(scope="module")
def hub():
    with running_hub(A, STUDENTS) as h:
        yield h


def test_a_semester_on_the_hub(hub: Hub) -> None:
    from playwright.sync_api import expect, sync_playwright

    t0 = time.monotonic()
    timings: dict[str, float] = {}
    shot = Shots(hub)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        # -- The instructor sets the due date and releases the lecture from formgrader.
        teacher = login(browser, hub, hub.instructor)
        shot(teacher, "instructor_logged_in")
        fg = f"{hub.url}/user/{hub.instructor}/formgrader"
        teacher.goto(f"{fg}/manage_assignments")
        row = formgrader_row(teacher)
        row.wait_for(timeout=T)
        due = (dt.datetime.now(dt.timezone.utc) + DUE_IN).replace(microsecond=0)
        row.locator("td.edit a").click()
        teacher.fill("#edit-assignment-modal input.modal-duedate", due.strftime("%Y-%m-%dT%H:%M:%S"))
        teacher.fill("#edit-assignment-modal input.modal-timezone", "UTC")
        shot(teacher, "instructor_sets_due_date")
        teacher.click("#edit-assignment-modal button.save")
        teacher.locator("#edit-assignment-modal").wait_for(state="hidden", timeout=T)
        row.locator("td.assign a").click()  # generate the student version
        close_modal(teacher, "generate the student version")
        row.locator("td.release a").click()
        close_modal(teacher, "release the assignment")
        expect(row.locator("td.status")).to_have_text("released", timeout=T)
        expect(row.locator("td.duedate")).not_to_have_text("None")
        shot(teacher, "instructor_released")
        assert (hub.exchange / "mlbigsci" / "outbound" / A / f"{A}.ipynb").exists()
        timings["release"] = time.monotonic() - t0

        # -- Each student fetches, answers and submits; carol after the due date.
        pages = {}
        for student in STUDENTS:
            if student == "hubcarol":
                wait = (due - dt.datetime.now(dt.timezone.utc)).total_seconds() + 2
                timings["waited_for_due_date"] = max(0.0, wait)
                assert wait > 0, f"alice and bob took longer than {DUE_IN} to submit: raise COURSE_HUB_DUE_IN"
                time.sleep(wait)
            page = pages[student] = login(browser, hub, student)
            open_assignments_tab(page)
            released = assignment_row(page, "released_assignments_list")
            released.wait_for(timeout=T)
            shot(page, f"{student}_sees_released")
            released.locator("button:has-text('Fetch')").click()
            fetched = assignment_row(page, "fetched_assignments_list")
            fetched.wait_for(timeout=T)
            path = f"mlbigsci/{A}/{A}.ipynb"
            home = hub.home(student)
            assert (home / path).exists() and (home / path).stat().st_uid == os.stat(home).st_uid
            # The student writes the answers into the notebook through their own server, then opens it.
            api(page, "PUT", f"/user/{student}/api/contents/{path}", {"type": "notebook", "format": "json",
                                                                      "content": answers(student)})
            page.goto(f"{hub.url}/user/{student}/lab/tree/{path}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=T)
            page.locator(".jp-MarkdownCell", has_text=f"Answer by {student}").first.scroll_into_view_if_needed()
            shot(page, f"{student}_answered")
            open_assignments_tab(page)
            fetched = assignment_row(page, "fetched_assignments_list")
            fetched.locator("button:has-text('Submit')").click()
            submitted = assignment_row(page, "submitted_assignments_list")
            submitted.wait_for(timeout=T)
            shot(page, f"{student}_submitted")
            timings[f"{student}_submitted"] = time.monotonic() - t0
        inbound = sorted(p.name.split("+")[0] for p in (hub.exchange / "mlbigsci" / "inbound").iterdir())
        assert inbound == sorted(STUDENTS)

        # -- The instructor collects in formgrader, then runs the trusted grader on the collected submissions.
        teacher.goto(f"{fg}/manage_assignments")
        row = formgrader_row(teacher)
        row.locator("td.collect a").click()
        close_modal(teacher, "collect")
        expect(row.locator("td.num-submissions")).to_have_text("3", timeout=T)
        shot(teacher, "instructor_collected")
        for student in STUDENTS:
            assert (hub.course / "submitted" / student / A / f"{A}.ipynb").exists()
        t = time.monotonic()
        res = run_as_root("grade", A, "--course", str(hub.course), "--workers", "2", cwd=hub.course)
        timings["grade"] = time.monotonic() - t
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        (hub.shots / "grade_console.txt").write_text(res.stdout + res.stderr)
        subprocess.run(["chown", "-R", f"{hub.instructor}:{hub.instructor}", str(hub.course)], check=True)

        # -- Hand-grading the written answer in formgrader.
        subs = api(teacher, "GET", f"/user/{hub.instructor}/formgrader/api/submitted_notebooks/{A}/{A}")
        by_student = {s["student"]: s for s in subs}
        assert sorted(by_student) == sorted(STUDENTS)
        for student, (points, comment) in MANUAL.items():
            teacher.goto(f"{fg}/submissions/{by_student[student]['id']}/?index=0")
            # formgrader's models are bound once the written answer's box is marked as needing a grade
            score = teacher.locator(f"input.score.needs_manual_grade#{WRITTEN}")
            score.wait_for(timeout=T)
            teacher.wait_for_function("() => typeof formgrader !== 'undefined' && formgrader.comments && formgrader.comments.loaded")
            with teacher.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT" and r.ok):
                score.fill(str(points))
                score.press("Tab")
            box = teacher.locator(f"textarea#{WRITTEN}-comment")
            with teacher.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT" and r.ok):
                box.fill(comment)
                box.press("Tab")
            if student == "hubbob":
                shot(teacher, "instructor_hand_grades_bob")
        subs = api(teacher, "GET", f"/user/{hub.instructor}/formgrader/api/submitted_notebooks/{A}/{A}")
        for s in subs:
            assert not s["needs_manual_grade"], s
            assert s["score"] > 0, s

        # -- Feedback: the trusted grader writes it (hidden tests stay hidden), formgrader releases it.
        res = run_as_root("feedback", A, "--course", str(hub.course), cwd=hub.course)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        subprocess.run(["chown", "-R", f"{hub.instructor}:{hub.instructor}", str(hub.course)], check=True)
        for student in STUDENTS:  # what formgrader's Release feedback reads, as nbgrader's generate_feedback writes it
            folder = hub.course / "feedback" / student / A
            missing = [f for f in (f"{A}.html", "timestamp.txt", "submission_secret.txt") if not (folder / f).exists()]
            assert not missing, f"python -m autograder feedback left {missing} out of {folder}: Release feedback needs them"
        teacher.goto(f"{fg}/manage_assignments")
        row = formgrader_row(teacher)
        row.locator("td.release-feedback a").click()
        close_modal(teacher, "release feedback")
        shot(teacher, "instructor_released_feedback")

        # -- Each student fetches the feedback and reads it.
        gradebook = api(teacher, "GET", f"/user/{hub.instructor}/formgrader/api/submitted_notebooks/{A}/{A}")
        totals = {s["student"]: (s["score"], s["max_score"]) for s in gradebook}
        for student, page in pages.items():
            open_assignments_tab(page)
            submitted = assignment_row(page, "submitted_assignments_list")
            submitted.locator("button:has-text('Fetch Feedback')").click()
            expect(submitted.locator("text=view feedback")).to_be_visible(timeout=T)
            shot(page, f"{student}_feedback_fetched")
            html = sorted((hub.home(student) / "mlbigsci" / A / "feedback").glob(f"*/{A}.html"))
            assert html, f"{student}: no feedback fetched"
            rel = html[-1].relative_to(hub.home(student))
            page.goto(f"{hub.url}/user/{student}/files/{rel}")
            page.wait_for_load_state("load")
            text = page.locator("body").inner_text()
            shot(page, f"{student}_reads_feedback")
            points, comment = MANUAL[student]
            score, max_score = totals[student]
            assert max_score == 10, max_score
            assert comment in text, f"{student}: the instructor's comment is not in the feedback"  # needs feedback with manual grades
            assert re.search(rf"\b{points:g}\s*/\s*3\b", text), f"{student}: hand-graded {points:g} / 3 not shown"
            # carol is less than an hour late: the course's policy (LATE_POLICY) takes 10% of her score
            penalty = round(0.1 * score, 6) if student == "hubcarol" else 0
            total = round(score - penalty, 6)
            assert re.search(rf"total score\s*{total:g}\s*/\s*10\b", text), f"{student}: total {total:g} / 10 not shown"
            assert re.search(r"autograded tests\s*\d", text)
            assert "HIDDEN TESTS" not in text and "BEGIN HIDDEN" not in text
            assert "passed" in text
            if student == "hubbob":
                assert score < totals["hubalice"][0] and "failed" in text
            if student == "hubcarol":
                assert re.search(rf"late penalty\s*-{penalty:g}\b", text), "carol's feedback does not show her late penalty"
            else:
                assert "after the due date" not in text
        browser.close()
    timings["total"] = time.monotonic() - t0
    (hub.shots / "timings.json").write_text(json.dumps(timings, indent=1))
