"""Acceptance 2: a timeout ends the job's whole tree (grandchildren, setsid
great-grandchildren, processes that ignore SIGTERM), and nothing a job
started outlives jobrun. Every job process carries a unique `sleep 97.xxx`
marker that psutil looks for afterwards."""

from __future__ import annotations

import pytest

from tests.integration._support import (
    assert_no_survivors,
    events,
    jobrun_process,
    jobs_by_id,
    kill_survivors,
    run_with_results,
    ts,
    workflow,
)

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def no_leftovers():
    yield
    kill_survivors("sleep 97.")


def test_timeout_kills_grandchild_and_setsid_great_grandchild(project, cli):
    workflow(project, [{
        "id": "stuck",
        "command": """sh -c 'sleep 97.101 & setsid sh -c "sleep 97.102" & wait'""",
        "timeout": 1,
    }])

    result, data = run_with_results(cli)

    assert result.exit == 1, result.output
    job = jobs_by_id(data)["stuck"]
    assert job["status"] == "failed"
    assert job["error"] == "Job timed out after 1 seconds"
    assert job["exit_code"] is None
    assert job["attempts"] == 1
    assert "Error: Job timed out after 1 seconds\n" in result.stderr
    assert 1.0 <= job["duration"] < 20  # it did wait for the limit; generous sanity bound
    failed = events(data, "job_failed", "stuck")
    assert failed and failed[0]["error"] == "Job timed out after 1 seconds" and "exit_code" not in failed[0]
    assert_no_survivors("sleep 97.101", "sleep 97.102")


def test_timeout_kills_a_tree_that_ignores_sigterm(project, cli):
    """SIGTERM is ignored by the whole tree: the grace period ends in SIGKILL."""
    workflow(project, [{
        "id": "stubborn",
        "command": "trap '' TERM; sh -c 'trap \"\" TERM; sleep 97.111' & sleep 97.112; wait",
        "timeout": "500ms",
    }])

    result, data = run_with_results(cli)

    assert result.exit == 1, result.output
    job = jobs_by_id(data)["stubborn"]
    assert (job["status"], job["error"], job["exit_code"]) == ("failed", "Job timed out after 0.5 seconds", None)
    assert job["duration"] < 20
    assert_no_survivors("sleep 97.111", "sleep 97.112")


def test_timeout_kills_a_double_forked_orphan(project, cli):
    """The job's child forks a grandchild and exits at once, so the
    grandchild's parent is gone while the job still runs."""
    workflow(project, [{
        "id": "daemonish",
        "command": "(setsid sleep 97.121 &); sleep 97.122",
        "timeout": 1,
    }])
    result, data = run_with_results(cli)
    assert result.exit == 1, result.output
    assert jobs_by_id(data)["daemonish"]["error"] == "Job timed out after 1 seconds"
    assert_no_survivors("sleep 97.121", "sleep 97.122")


def test_smallest_of_timeout_max_execution_time_and_global_default_applies(project, cli):
    workflow(project, [
        {"id": "by_job", "command": "sleep 97.131", "timeout": "300ms",
         "resource_limits": {"max_execution_time": 30}},
        {"id": "by_limit", "command": "sleep 97.132", "timeout": 30,
         "resource_limits": {"max_execution_time": "400ms"}},
        {"id": "by_global", "command": "sleep 97.133"},
    ], global_config={"timeout": 0.6})

    result, data = run_with_results(cli, "-k")

    assert result.exit == 1
    errors = {j["id"]: j["error"] for j in data["jobs"]}
    assert errors == {"by_job": "Job timed out after 0.3 seconds", "by_limit": "Job timed out after 0.4 seconds",
                      "by_global": "Job timed out after 0.6 seconds"}
    assert_no_survivors("sleep 97.13")


def test_timeout_is_a_failed_attempt_that_is_retried(project, cli):
    workflow(project, [{
        "id": "slow",
        "command": "sleep 97.141",
        "timeout": "200ms",
        "retry_config": {"max_attempts": 2, "initial_delay": 0.1},
    }])
    result, data = run_with_results(cli)
    assert result.exit == 1
    job = jobs_by_id(data)["slow"]
    assert (job["attempts"], job["error"], job["exit_code"]) == (2, "Job timed out after 0.2 seconds", None)
    retrying = events(data, "job_retrying", "slow")
    assert len(retrying) == 1 and retrying[0]["error"] == "Job timed out after 0.2 seconds"
    assert_no_survivors("sleep 97.141")


def test_background_process_of_a_finished_job_does_not_outlive_jobrun(project, cli):
    workflow(project, [
        {"id": "spawner", "command": "sleep 97.151 &"},
        {"id": "nohup_setsid", "command": "setsid sh -c 'sleep 97.152' > /dev/null 2>&1 &"},
        {"id": "after", "command": "sleep 0.3", "dependencies": ["spawner", "nohup_setsid"]},
    ])

    result, data = run_with_results(cli)

    assert result.exit == 0, result.output
    assert {j["status"] for j in data["jobs"]} == {"completed"}
    assert_no_survivors("sleep 97.151", "sleep 97.152")


def test_background_process_does_not_outlive_a_jobrun_subprocess(project):
    """The same through the real CLI process, which exits afterwards."""
    workflow(project, [{"id": "spawner", "command": "sleep 97.161 & (sleep 97.162 &) ; echo spawned"}])
    proc = jobrun_process(["--no-live"], project)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, out + err
    assert_no_survivors("sleep 97.161", "sleep 97.162")


def test_background_process_with_a_scrubbed_environment_does_not_outlive_jobrun(project):
    """`env -i` drops JOBRUN_TOKEN; the orphan is still re-parented to jobrun
    (a child subreaper), so jobrun can still see it is one of its own."""
    # the job waits a moment so that `env` has surely exec'd sleep (a clean environment) before it ends
    workflow(project, [{"id": "daemon", "command": "env -i sleep 97.171 & sleep 0.3"}])
    proc = jobrun_process(["--no-live"], project)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, out + err
    assert_no_survivors("sleep 97.171")


def test_timestamps_show_the_timeout_ended_the_attempt(project, cli):
    """Started and failed events of a timed-out job are about `timeout` apart
    (at least the limit; far less than the sleep)."""
    workflow(project, [{"id": "t", "command": "sleep 97.181", "timeout": "400ms"}])
    _, data = run_with_results(cli)
    started = ts(events(data, "job_started", "t")[0]["timestamp"])
    failed = ts(events(data, "job_failed", "t")[0]["timestamp"])
    assert 0.39 <= failed - started < 20
    assert_no_survivors("sleep 97.181")
