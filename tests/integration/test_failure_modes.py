"""Acceptance 4: fail-fast (the default) vs -k/--keep-going, and dependents
of a failed job."""

from __future__ import annotations

import os

import pytest

from tests.integration._support import (
    end_event_time,
    events,
    jobs_by_id,
    run_with_results,
    workflow,
)

pytestmark = pytest.mark.integration

# With -j 2: `bad` (it has a dependent, so it is on the critical path and
# starts first) and `slow` start; `bad` fails at once while `slow` runs;
# `independent` is still queued then.
JOBS = [
    {"id": "bad", "command": "echo failing; exit 4"},
    {"id": "slow", "command": "sleep 0.6; echo done > slow.txt"},
    {"id": "independent", "command": "echo ran > independent.txt"},
    {"id": "after_bad", "command": "echo ran > after_bad.txt", "dependencies": ["bad"]},
    {"id": "after_after", "command": "true", "dependencies": ["after_bad"]},
]


def test_without_keep_going_no_new_job_starts_but_running_ones_finish(project, cli):
    workflow(project, JOBS)

    result, data = run_with_results(cli, "-j", "2")

    assert result.exit == 1, result.output
    assert data["status"] == "failed"
    jobs = jobs_by_id(data)
    assert jobs["bad"]["status"] == "failed"
    # slow was running when bad failed: it finishes
    assert jobs["slow"]["status"] == "completed"
    assert (project / "slow.txt").exists()
    assert end_event_time(data, "bad") < end_event_time(data, "slow")
    # independent had not started: it never does, and says why
    assert jobs["independent"]["status"] == "skipped"
    assert "'bad'" in jobs["independent"]["reason"]
    assert not events(data, "job_started", "independent")
    assert not (project / "independent.txt").exists()
    # dependents of the failed job are skipped, naming it
    assert jobs["after_bad"]["status"] == "skipped"
    assert jobs["after_bad"]["reason"] == "dependency 'bad' failed"
    assert jobs["after_after"]["status"] == "skipped"
    assert "after_bad" in jobs["after_after"]["reason"]
    for job in ("after_bad", "after_after", "independent"):
        assert jobs[job]["attempts"] == 0 and jobs[job]["started_at"] is None
        skipped = events(data, "job_skipped", job)
        assert len(skipped) == 1 and skipped[0]["reason"] == jobs[job]["reason"]


def test_keep_going_runs_independent_branches(project, cli):
    workflow(project, JOBS)

    result, data = run_with_results(cli, "-j", "2", "-k")

    assert result.exit == 1
    assert data["status"] == "failed"
    jobs = jobs_by_id(data)
    assert {job: j["status"] for job, j in jobs.items()} == {
        "bad": "failed", "slow": "completed", "independent": "completed",
        "after_bad": "skipped", "after_after": "skipped",
    }
    assert (project / "independent.txt").read_text() == "ran\n"
    assert not (project / "after_bad.txt").exists()
    assert jobs["after_bad"]["reason"] == "dependency 'bad' failed"


def test_keep_going_long_form_and_a_failure_in_a_diamond(project, cli):
    """a -> (b fails, c) -> d: d is skipped naming b, c still runs with -k."""
    workflow(project, [
        {"id": "a", "command": "true"},
        {"id": "b", "command": "exit 1", "dependencies": ["a"]},
        {"id": "c", "command": "sleep 0.2", "dependencies": ["a"]},
        {"id": "d", "command": "true", "dependencies": ["b", "c"]},
        {"id": "e", "command": "true", "dependencies": ["c"]},
    ])
    result, data = run_with_results(cli, "--keep-going")
    assert result.exit == 1
    jobs = jobs_by_id(data)
    assert [jobs[j]["status"] for j in "abcde"] == ["completed", "failed", "completed", "skipped", "completed"]
    assert jobs["d"]["reason"] == "dependency 'b' failed"


def test_stderr_carries_the_error_and_the_output_tail(project, cli):
    workflow(project, [{"id": "bad", "command": "echo first line; echo second line >&2; exit 4"}])
    result, data = run_with_results(cli)
    assert result.exit == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: Job 'bad' failed with exit code 4"
    assert "  | first line" in lines and "  | second line" in lines
    assert f"  = log: {project.resolve() / '.jobrun' / 'logs' / 'bad.log'}" in lines
    assert "Error" not in result.stdout
    assert jobs_by_id(data)["bad"]["exit_code"] == 4


def test_a_job_that_removes_the_log_directory_does_not_stop_the_run(project, cli):
    workflow(project, [{"id": "a", "command": "true"},
                       {"id": "clean", "command": "rm -rf .jobrun/logs", "dependencies": ["a"]},
                       {"id": "b", "command": "echo b ran", "dependencies": ["clean"]}])
    result = cli("-j", "1", "--no-live")
    assert result.exit == 0, result.output
    assert (project / ".jobrun" / "logs" / "b.log").read_text() == "b ran\n"


def test_what_a_run_printed_shows_even_when_a_reporter_breaks_it(project):
    """Status lines are queued and written once a turn of the loop; a run that
    raises (here: an API reporter's bug) still writes the ones queued."""
    import io

    from runner import Orchestrator, load_workflow
    from runner.events import QuietReporter
    from runner.report.console import Console

    class Broken(QuietReporter):
        def event(self, event):
            if event.job_id == "b" and event.type == "job_started":
                raise RuntimeError("reporter bug")

    workflow(project, [{"id": "a", "command": "true"}, {"id": "b", "command": "true", "dependencies": ["a"]}])
    out = io.StringIO()
    orch = Orchestrator(load_workflow("jobrun.yaml"), max_concurrent=1, reporters=[Console(out, io.StringIO()), Broken()])
    with pytest.raises(RuntimeError, match="reporter bug"):
        orch.run()
    assert "OK         a" in out.getvalue() and "START      b" in out.getvalue()


def test_a_log_made_a_pipe_gets_the_output(project, cli):
    """A log path that is a pipe (someone tails it that way) cannot be
    emptied or seeked; the job's output goes into it all the same."""
    import threading

    logs = project / ".jobrun" / "logs"
    logs.mkdir(parents=True)
    os.mkfifo(logs / "talk.log")
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append((logs / "talk.log").read_bytes()), daemon=True)
    reader.start()
    workflow(project, [{"id": "talk", "command": "echo through the pipe"}])
    result = cli("--no-live")
    reader.join(timeout=10)
    assert result.exit == 0, result.output
    assert received == [b"through the pipe\n"]


def test_a_reporter_may_set_its_event_method_on_the_instance(project):
    from runner import Orchestrator, load_workflow
    from runner.events import QuietReporter

    seen: list[str] = []

    class Listener(QuietReporter):
        def __init__(self) -> None:
            self.event = lambda event: seen.append(event.type)

    workflow(project, [{"id": "a", "command": "true"}])
    Orchestrator(load_workflow("jobrun.yaml"), reporters=[Listener()]).run()
    assert seen == ["job_started", "job_completed"]
