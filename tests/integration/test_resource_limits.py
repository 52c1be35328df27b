"""SPEC §7: resource limits seen from real processes.

max_memory_mb kills the job's whole tree with SPEC §5's message, the memory
budget is checked before anything runs, and max_cpu_percent throttles."""

from __future__ import annotations

import re

import pytest

from tests.integration._support import (
    assert_no_survivors,
    jobs_by_id,
    kill_survivors,
    run_with_results,
    workflow,
)

pytestmark = pytest.mark.integration

# allocates 10 MB every 50 ms up to 400 MB, then sleeps
HOG = ("import time\nblocks = []\nfor i in range(40):\n    blocks.append(bytearray(10 * 1024 * 1024))\n"
       "    time.sleep(0.05)\ntime.sleep(30)\n")


@pytest.fixture(autouse=True)
def no_leftovers():
    yield
    kill_survivors("sleep 97.5")


def test_memory_limit_kills_the_job_with_the_spec_message(project, cli):
    workflow(project, [{"id": "hog", "job_type": "python", "command": HOG,
                        "resource_limits": {"max_memory_mb": 100}}])

    result, data = run_with_results(cli)

    assert result.exit == 1, result.output
    job = jobs_by_id(data)["hog"]
    assert job["status"] == "failed"
    assert job["exit_code"] is None  # jobrun killed it
    match = re.fullmatch(r"Job exceeded memory limit: (\d+) MB > 100 MB", job["error"])
    assert match, job["error"]
    assert int(match.group(1)) > 100
    assert job["peak_memory_mb"] > 100
    assert job["duration"] < 20  # it did not sleep its 30 s
    assert f"Error: {job['error']}\n" in result.stderr


def test_memory_limit_counts_the_whole_tree_and_leaves_nothing_behind(project, cli):
    """Two children of 60 MB each: neither alone is over 100 MB, the tree is."""
    child = "python3 -c \"import time; b = bytearray(60 * 1024 * 1024); time.sleep(97.501)\""
    workflow(project, [{"id": "pair", "command": f"{child} & {child} & sleep 97.502; wait",
                        "resource_limits": {"max_memory_mb": 100}}])

    result, data = run_with_results(cli)

    assert result.exit == 1, result.output
    job = jobs_by_id(data)["pair"]
    assert job["error"].startswith("Job exceeded memory limit: ") and job["error"].endswith(" MB > 100 MB")
    assert job["exit_code"] is None
    assert_no_survivors("97.501", "sleep 97.502")


def test_memory_budget_error_comes_before_anything_runs(project, cli):
    workflow(project, [
        {"id": "first", "command": "touch first.txt"},
        {"id": "x", "command": "touch x.txt", "resource_limits": {"max_memory_mb": 64000}},
    ], global_config={"memory_budget_mb": 20000})

    result = cli("--no-live")

    assert result.exit == 2
    assert result.stderr.splitlines()[0] == (
        "Error: Insufficient resources to start job 'x': needs 64000 MB, budget is 20000 MB")
    assert not (project / "first.txt").exists() and not (project / "x.txt").exists()
    assert not (project / ".jobrun" / "logs").exists()


def test_memory_budget_serialises_jobs_that_do_not_fit_together(project, cli):
    workflow(project, [
        {"id": "a", "command": "sleep 0.4", "resource_limits": {"max_memory_mb": 200}},
        {"id": "b", "command": "sleep 0.4", "resource_limits": {"max_memory_mb": 200}},
    ], global_config={"memory_budget_mb": 300})
    result, data = run_with_results(cli, "-j", "2")
    assert result.exit == 0, result.output
    order = [(e["type"], e["job_id"]) for e in data["events"]]
    first = order[0][1]
    second = "b" if first == "a" else "a"
    assert order.index(("job_completed", first)) < order.index(("job_started", second))


def test_max_cpu_percent_throttles_a_busy_job(project, cli):
    """A job spinning for 3 s of wall time at a 25 % limit uses about 0.75
    CPU seconds; unthrottled it would use about 3."""
    spin = "import time\nt = time.time()\nwhile time.time() - t < 3:\n    pass\n"
    workflow(project, [{"id": "spin", "job_type": "python", "command": spin,
                        "resource_limits": {"max_cpu_percent": 25}}])

    result, data = run_with_results(cli)

    assert result.exit == 0, result.output
    job = jobs_by_id(data)["spin"]
    assert job["duration"] >= 3
    assert 0.3 <= job["cpu_seconds"] <= 1.6, job["cpu_seconds"]
