"""Acceptance 10: the documented Python API (`from runner import
load_workflow, Orchestrator`) and status callbacks, one of which raises."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from tests.integration._support import workflow

pytestmark = pytest.mark.integration

JOBS = [
    {"id": "build", "command": "echo built > build.txt"},
    {"id": "flaky", "command": "test -f tried || { touch tried; exit 1; }",
     "retry_config": {"max_attempts": 2, "initial_delay": 0.05}},
    {"id": "test", "command": "cat build.txt", "dependencies": ["build", "flaky"]},
    {"id": "deploy", "command": "true", "dependencies": ["test"]},
    {"id": "unrelated", "command": "true"},
]


def test_documented_api_runs_targets(project):
    from runner import Orchestrator, load_workflow

    workflow(project, JOBS)
    wf = load_workflow("jobrun.yaml")
    orch = Orchestrator(wf, max_concurrent=4, err=io.StringIO())
    printed: list[str] = []
    orch.add_status_callback(lambda event_type, data: printed.append(f"{event_type} {data['job_id']}"))

    result = orch.run(targets=["deploy"])

    assert result.status == "completed" and result.exit_code == 0
    assert [r.job.id for r in result.records] == ["build", "flaky", "test", "deploy"]  # not `unrelated`
    assert all(r.status == "completed" for r in result.records)
    assert "job_retrying flaky" in printed and "job_completed deploy" in printed
    assert not any("unrelated" in line for line in printed)
    assert (project / "build.txt").exists()


def test_raising_callback_is_reported_once_and_the_run_goes_on(project):
    from runner import Orchestrator, load_workflow

    workflow(project, JOBS)
    err = io.StringIO()
    orch = Orchestrator(load_workflow("jobrun.yaml"), max_concurrent=2, err=err)
    received: list[tuple[str, dict]] = []
    calls = []

    def exploding_callback(event_type, data):
        calls.append(event_type)
        raise RuntimeError("callback bug")

    orch.add_status_callback(exploding_callback)
    orch.add_status_callback(lambda event_type, data: received.append((event_type, data)))

    result = orch.run()

    assert result.status == "completed"
    assert all(r.status == "completed" for r in result.records)
    # the run's history and the healthy callback saw exactly the same events
    assert [(t, d["job_id"]) for t, d in received] == [(e.type, e.job_id) for e in result.events]
    assert len(calls) == len(result.events)  # it kept being called
    for (_kind, data), event in zip(received, result.events):
        assert data["timestamp"].endswith("Z")
        for key, value in event.data.items():
            assert data[key] == value
    assert {"job_started", "job_completed", "job_retrying"} <= {t for t, _ in received}
    warnings = [line for line in err.getvalue().splitlines() if line]
    assert len(warnings) == 1, err.getvalue()
    assert "exploding_callback" in warnings[0]
    assert "RuntimeError" in warnings[0] and "callback bug" in warnings[0]


def test_api_run_returns_failures_as_data(project):
    from runner import JobrunError, Orchestrator, load_workflow

    workflow(project, [{"id": "bad", "command": "exit 3"}, {"id": "after", "command": "true", "dependencies": ["bad"]}])
    orch = Orchestrator(load_workflow("jobrun.yaml"), err=io.StringIO())
    result = orch.run()
    assert (result.status, result.exit_code) == ("failed", 1)
    records = {r.job.id: r for r in result.records}
    assert (records["bad"].status, records["bad"].exit_code, records["bad"].error) == (
        "failed", 3, "Job 'bad' failed with exit code 3")
    assert records["after"].status == "skipped"
    with pytest.raises(JobrunError):
        orch.run(targets=["no-such-job"])


def test_a_run_leaves_the_callers_own_child_processes_alone(project):
    """An application using the API may have children of its own; one that
    exits during a run must keep its exit status for the application."""
    from runner import Orchestrator, load_workflow

    workflow(project, [{"id": "slow", "command": "sleep 1.2"}])
    mine = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(7)"])
    result = Orchestrator(load_workflow("jobrun.yaml"), err=io.StringIO()).run()
    assert result.status == "completed"
    assert mine.wait(timeout=10) == 7


def test_a_run_restores_the_callers_signal_handlers(project):
    import signal

    from runner import Orchestrator, load_workflow

    workflow(project, [{"id": "a", "command": "true"}])
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    Orchestrator(load_workflow("jobrun.yaml"), err=io.StringIO()).run()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert os.getcwd() == str(project)
