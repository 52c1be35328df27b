"""No process a job started outlives a real `jobrun`
subprocess on the failure and memory-kill paths, and a second SIGINT ends a
tree that ignores SIGTERM without waiting for the grace period."""

from __future__ import annotations

import json
import signal
import time

import pytest

from tests.integration._support import (
    assert_no_survivors,
    jobrun_process,
    jobs_by_id,
    kill_survivors,
    stop,
    wait_for,
    workflow,
)

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def no_leftovers():
    yield
    kill_survivors("sleep 97.6")


def test_failing_job_leaves_no_background_process(project):
    workflow(project, [
        {"id": "failbg", "command": "sleep 97.601 & setsid sleep 97.602 & (sleep 97.603 &) ; exit 1"},
        {"id": "scrubbed", "job_type": "python",
         "command": "import subprocess\nsubprocess.Popen(['sleep', '97.604'], start_new_session=True, env={})\n"
                    "raise SystemExit(2)\n"},
    ])
    proc = jobrun_process(["--no-live", "-k", "-o", "results.json"], project)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    data = json.loads((project / "results.json").read_text())
    assert {j["id"]: j["exit_code"] for j in data["jobs"]} == {"failbg": 1, "scrubbed": 2}
    assert_no_survivors("sleep 97.601", "sleep 97.602", "sleep 97.603", "sleep 97.604")


def test_memory_kill_leaves_no_process(project):
    child = "python3 -c \"import time; b = bytearray(150 * 1024 * 1024); time.sleep(97.611)\""
    workflow(project, [{"id": "hog", "command": f"setsid {child} & sleep 97.612; wait",
                        "resource_limits": {"max_memory_mb": 100}}])
    proc = jobrun_process(["--no-live", "-o", "results.json"], project)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    job = jobs_by_id(json.loads((project / "results.json").read_text()))["hog"]
    assert job["error"].startswith("Job exceeded memory limit: ") and job["exit_code"] is None
    assert_no_survivors("97.611", "sleep 97.612")


def test_second_sigint_does_not_wait_for_the_grace_period(project):
    """The tree ignores SIGTERM: after one SIGINT jobrun waits the 2 s grace
    before SIGKILL; a second SIGINT 0.1 s later ends it well before that."""
    workflow(project, [{"id": "stubborn",
                        "command": "trap '' TERM INT; touch started; sleep 97.621 & wait; wait"}])
    proc = jobrun_process(["--no-live", "-o", "results.json"], project)
    try:
        wait_for(lambda: (project / "started").exists(), timeout=15, what="the job to start")
        time.sleep(0.3)
        first = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        elapsed = time.monotonic() - first
    finally:
        stop(proc)
    assert proc.returncode == 130, out + err
    assert elapsed < 1.5, f"jobrun took {elapsed:.2f}s after the first SIGINT"
    assert jobs_by_id(json.loads((project / "results.json").read_text()))["stubborn"]["status"] == "cancelled"
    assert_no_survivors("sleep 97.621")
