"""Selection (SPEC §6, §11): targets, tags and `--skip-tags`, and the plan
that selection makes. `--skip-tags x` removes the jobs tagged x, and a kept
job's dependency removed this way counts as satisfied."""

from __future__ import annotations

import textwrap
from pathlib import Path

from runner.plan import Schedule, make_plan, select, start_order
from runner.resolve import resolve
from runner.source import Source
from runner.syntax import dsl

SETUP_THEN_TEST = """
    setup:
        $ echo setup ran
        tags setup
    test: setup
        $ echo test ran
"""


def workflow(text: str):
    return resolve([dsl.parse(Source(Path("Jobfile"), textwrap.dedent(text).lstrip()))])


def selected_ids(text: str, targets=(), tags=(), skip_tags=()) -> list[str]:
    wf = workflow(text)
    return [wf.jobs[i].id for i in select(wf, targets, tags, skip_tags)]


def test_skip_tags_removes_a_tagged_dependency_of_a_kept_job():
    assert selected_ids(SETUP_THEN_TEST) == ["setup", "test"]
    assert selected_ids(SETUP_THEN_TEST, skip_tags=["setup"]) == ["test"]
    assert selected_ids(SETUP_THEN_TEST, targets=["test"], skip_tags=["setup"]) == ["test"]


def test_skip_tags_also_leaves_out_what_only_the_removed_job_needs():
    text = """
        init:
        setup: init
            tags setup
        lint: init
        test: setup
        other: setup
    """
    assert selected_ids(text, targets=["test"], skip_tags=["setup"]) == ["test"]
    # init stays when a kept job needs it too
    assert selected_ids(text, targets=["test", "lint"], skip_tags=["setup"]) == ["init", "lint", "test"]
    assert selected_ids(text, skip_tags=["setup"]) == ["init", "lint", "test", "other"]


def test_a_removed_dependency_counts_as_satisfied_in_the_plan():
    wf = workflow(SETUP_THEN_TEST)
    plan = make_plan(wf, select(wf, skip_tags=["setup"]))
    assert [job.id for job in plan.jobs] == ["test"]
    assert plan.deps == ((),) and plan.edges() == [] and plan.level_ids() == [["test"]]
    assert plan.critical_path_ids == ["test"] and start_order(plan) == [0]
    schedule = Schedule(plan)
    assert schedule.queued() == [0]  # ready at once: nothing to wait for
    assert schedule.pop() == 0
    schedule.finish(0, "completed")
    assert schedule.done and schedule.decisions == []
