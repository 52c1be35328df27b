"""The run-time schedule: what starts next and what a job's end decides.
No threads, no processes: the executor's decisions, tested alone."""

from __future__ import annotations

import textwrap
from pathlib import Path

from runner.plan import Schedule, make_plan
from runner.resolve import resolve
from runner.source import Source
from runner.syntax import dsl


def schedule(text: str, keep_going: bool = False, durations: dict[str, float] | None = None) -> Schedule:
    workflow = resolve([dsl.parse(Source(Path("Jobfile"), textwrap.dedent(text).lstrip()))])
    return Schedule(make_plan(workflow, durations=durations), keep_going)


def ids(s: Schedule, indices) -> list[str]:
    return [s.plan.jobs[i].id for i in indices]


def run_all(s: Schedule, outcomes: dict[str, str]) -> list[str]:
    """Start jobs one at a time, end each as `outcomes` says (default completed);
    returns the start order."""
    started = []
    while (i := s.pop()) is not None:
        started.append(s.plan.jobs[i].id)
        s.finish(i, outcomes.get(s.plan.jobs[i].id, "completed"))
    return started


def test_the_heaviest_chain_starts_first_then_file_order():
    s = schedule("""
        short1:
        short2:
        b1:
        b2: b1
        a1:
        a2: a1
        a3: a2
    """)
    assert ids(s, s.queued()) == ["a1", "b1", "short1", "short2"]
    # one worker: equal remaining weight breaks by file order
    assert run_all(s, {}) == ["a1", "b1", "a2", "short1", "short2", "b2", "a3"]


def test_known_durations_weight_the_priority():
    s = schedule("quick:\nslow:\n", durations={"slow": 30.0, "quick": 1.0})
    assert ids(s, s.queued()) == ["slow", "quick"]


def test_a_job_waits_for_every_dependency():
    s = schedule("a:\nb:\nc: a b\n")
    first, second = s.pop(), s.pop()
    assert s.pop() is None  # c waits
    s.finish(first, "completed")
    assert s.pop() is None
    s.finish(second, "completed")
    assert ids(s, [s.pop()]) == ["c"]


def test_failure_skips_dependents_with_a_reason_and_stops_new_starts():
    s = schedule("a:\nb: a\nc: b\nd:\n")
    a = s.pop()
    d_or_none = s.pop()  # d is also ready: it starts before the failure
    s.finish(a, "failed")
    assert [(s.plan.jobs[i].id, st, r) for i, st, r in s.decisions] == [
        ("b", "skipped", "dependency 'a' failed"), ("c", "skipped", "dependency 'b' was skipped ('a' failed)")]
    assert s.plan.jobs[d_or_none].id == "d"
    s.finish(d_or_none, "completed")
    assert s.done


def test_fail_fast_skips_jobs_not_yet_started():
    s = schedule("a:\nx:\ny:\n")
    a = s.pop()
    s.finish(a, "failed")
    assert s.pop() is None and s.done
    assert [(s.plan.jobs[i].id, r) for i, _, r in s.decisions] == [
        ("x", "not started after 'a' failed (use -k to keep going)"),
        ("y", "not started after 'a' failed (use -k to keep going)")]


def test_keep_going_runs_independent_branches():
    s = schedule("a:\nb: a\nx:\ny: x\n", keep_going=True)
    assert run_all(s, {"a": "failed"}) == ["a", "x", "y"]
    assert s.status == ["failed", "skipped", "completed", "completed"]


def test_run_if_failure_and_always():
    s = schedule("""
        build:
        test: build
        report: test
            run_if always
        alert: test
            run_if failure
        celebrate: test
            run_if failure
    """)
    run_all(s, {"build": "failed"})
    status = dict(zip([j.id for j in s.plan.jobs], s.status))
    assert status == {"build": "failed", "test": "skipped", "report": "completed", "alert": "completed",
                      "celebrate": "completed"}


def test_run_if_failure_is_skipped_when_nothing_failed():
    s = schedule("a:\nalert: a\n    run_if failure\n")
    run_all(s, {})
    assert s.status == ["completed", "skipped"]
    assert s.decisions[-1][2] == "no dependency failed (run_if: failure)"


def test_skip_if_failed_orders_and_skips():
    s = schedule("lint:\ndeploy:\n    skip_if_failed lint\n")
    assert ids(s, s.queued()) == ["lint"]  # deploy waits for lint
    run_all(Schedule(s.plan, keep_going=True), {})
    s2 = Schedule(s.plan, keep_going=True)
    run_all(s2, {"lint": "failed"})
    assert s2.status == ["failed", "skipped"]
    assert s2.decisions[-1][2] == "'lint' failed (skip_if_failed)"


def test_interrupt_cancels_queued_jobs_but_always_ones_until_the_second():
    s = schedule("a:\nb:\nc: a\ncleanup: a\n    run_if always\n")
    a = s.pop()
    s.interrupt()
    assert [(s.plan.jobs[i].id, st) for i, st, _ in s.decisions] == [("b", "cancelled")]
    s.finish(a, "cancelled")
    assert ("c", "cancelled") in [(s.plan.jobs[i].id, st) for i, st, _ in s.decisions]
    assert ids(s, s.queued()) == ["cleanup"]
    s.interrupt()
    assert s.done and s.status[3] == "cancelled"


def test_pop_backfills_past_a_job_that_does_not_fit():
    s = schedule("big:\n    memory 8GB\nsmall:\n")
    big = 0
    chosen = s.pop(fits=lambda i: i != big)
    assert s.plan.jobs[chosen].id == "small"
    assert ids(s, s.queued()) == ["big"]


def test_skip_marks_a_popped_job_skipped_and_its_dependents_too():
    s = schedule("deploy:\n    only_if_branch main\nverify: deploy\n")
    deploy = s.pop()
    s.skip(deploy, "only_if_branch 'main': branch 'dev'")
    assert s.done and s.status == ["skipped", "skipped"]
