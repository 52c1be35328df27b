"""Acceptance 8: SIGINT and SIGTERM sent to a real `python -m runner`
mid-run: exit 130/143, the results file still written with running and
waiting jobs `cancelled`, `run_if: always` jobs run after the first SIGINT
(and die with the second), and no process outlives jobrun."""

from __future__ import annotations

import json
import signal
import time

import pytest

from tests.integration._support import (
    assert_no_survivors,
    events,
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
    kill_survivors("sleep 97.3")


def start(project, jobs, *args: str):
    workflow(project, jobs)
    proc = jobrun_process(["--no-live", "-o", "results.json", *args], project)
    return proc


def wait_started(project, proc, *names: str) -> None:
    def ready():
        assert proc.poll() is None, f"jobrun ended early: {proc.communicate()}"
        return all((project / f"started.{n}").exists() for n in names)

    try:
        wait_for(ready, timeout=15, what=f"jobs {names} to start")
    except AssertionError:
        stop(proc)
        raise


def long_job(name: str, marker: str, **extra):
    return {"id": name, "command": f"touch started.{name}; sleep {marker}", **extra}


JOBS = [
    long_job("long1", "97.301"),
    long_job("long2", "97.302"),
    {"id": "later", "command": "touch started.later", "dependencies": ["long2"]},
    {"id": "queued", "command": "touch started.queued"},
    {"id": "cleanup", "command": "touch started.cleanup; sleep 0.3; echo done > cleanup.done",
     "dependencies": ["long1"], "conditions": {"run_if": "always"}},
]


@pytest.mark.parametrize(("signum", "code", "name"), [(signal.SIGINT, 130, "SIGINT"),
                                                      (signal.SIGTERM, 143, "SIGTERM")])
def test_signal_cancels_running_and_waiting_jobs_and_writes_results(project, signum, code, name):
    proc = start(project, JOBS, "-j", "2")
    wait_started(project, proc, "long1", "long2")

    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)

    assert proc.returncode == code, out + err
    data = json.loads((project / "results.json").read_text())
    assert data["status"] == "cancelled"
    jobs = jobs_by_id(data)
    for job in ("long1", "long2"):
        assert jobs[job]["status"] == "cancelled"
        assert jobs[job]["exit_code"] is None
        assert jobs[job]["attempts"] == 1
        assert jobs[job]["finished_at"] is not None
        assert [e["reason"] for e in events(data, "job_cancelled", job)] == ["interrupted"]
    for job in ("later", "queued"):  # never started
        assert jobs[job]["status"] == "cancelled"
        assert jobs[job]["attempts"] == 0
        assert not (project / f"started.{job}").exists()
    # a cleanup job still runs after the first signal
    assert jobs["cleanup"]["status"] == "completed"
    assert (project / "cleanup.done").read_text() == "done\n"
    # the summary and the final line are still printed
    assert "long1" in out and f"cancelled by {name}" in out.splitlines()[-1]
    assert_no_survivors("sleep 97.301", "sleep 97.302")


def test_second_sigint_kills_the_always_job_too(project):
    jobs = [
        long_job("long", "97.311"),
        long_job("cleanup", "97.312", dependencies=["long"], conditions={"run_if": "always"}),
    ]
    proc = start(project, jobs)
    wait_started(project, proc, "long")

    proc.send_signal(signal.SIGINT)
    wait_started(project, proc, "cleanup")  # it ran after the first SIGINT
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)

    assert proc.returncode == 130, out + err
    data = json.loads((project / "results.json").read_text())
    assert data["status"] == "cancelled"
    result = jobs_by_id(data)
    assert (result["long"]["status"], result["cleanup"]["status"]) == ("cancelled", "cancelled")
    assert result["cleanup"]["exit_code"] is None
    assert_no_survivors("sleep 97.311", "sleep 97.312")


def test_second_sigint_cuts_the_grace_period_of_a_tree_ignoring_sigterm(project):
    """A job that ignores SIGTERM would get SIGKILL only after the grace
    period; a second SIGINT ends it at once. Checked by order: the job is
    cancelled and nothing survives, whatever the grace period."""
    jobs = [{"id": "stubborn", "command": "trap '' TERM INT; touch started.stubborn; sleep 97.321 & wait; wait"}]
    proc = start(project, jobs)
    wait_started(project, proc, "stubborn")
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    data = json.loads((project / "results.json").read_text())
    assert jobs_by_id(data)["stubborn"]["status"] == "cancelled"
    assert_no_survivors("sleep 97.321")


def test_sigint_while_waiting_to_retry_cancels_the_retry(project):
    jobs = [{"id": "flaky", "command": "touch started.flaky; exit 1",
             "retry_config": {"max_attempts": 3, "initial_delay": 60}},
            long_job("other", "97.331")]
    proc = start(project, jobs)
    wait_started(project, proc, "flaky", "other")
    time.sleep(0.5)  # let jobrun see the failed attempt and schedule its retry

    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)

    assert proc.returncode == 130, out + err
    data = json.loads((project / "results.json").read_text())
    jobs_ = jobs_by_id(data)
    assert jobs_["flaky"]["status"] == "cancelled"
    assert jobs_["flaky"]["attempts"] == 1
    assert len(events(data, "job_retrying", "flaky")) == 1
    assert len(events(data, "job_started", "flaky")) == 1
    assert jobs_["other"]["status"] == "cancelled"
    assert_no_survivors("sleep 97.331")


def test_sigterm_with_nested_trees_leaves_no_orphans(project):
    jobs = [{"id": "tree", "command": "touch started.tree; sh -c 'sleep 97.341 & setsid sleep 97.342 & wait' & "
                                      "(sleep 97.343 &); wait"}]
    proc = start(project, jobs)
    wait_started(project, proc, "tree")
    time.sleep(0.2)  # the nested sleeps are forked
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, out + err
    assert jobs_by_id(json.loads((project / "results.json").read_text()))["tree"]["status"] == "cancelled"
    assert_no_survivors("sleep 97.341", "sleep 97.342", "sleep 97.343")


def test_sigint_cancels_an_http_job_waiting_for_its_response(project):
    """The server holds its answer until jobrun has exited, at most 3 s:
    jobrun must exit first (an ordering, not a time limit)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked = threading.Event()
    release = threading.Event()
    answered_at: list[float] = []

    class Slow(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            asked.set()
            release.wait(3)
            answered_at.append(time.monotonic())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        proc = start(project, [{"id": "api", "job_type": "http", "url": url}])
        assert asked.wait(15), "the request never reached the server"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        exited_at = time.monotonic()
        release.set()
        assert proc.returncode == 130, out + err
        assert jobs_by_id(json.loads((project / "results.json").read_text()))["api"]["status"] == "cancelled"
        assert not answered_at or exited_at < answered_at[0], "jobrun waited for the server's answer"
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_always_job_running_at_the_first_sigint_goes_on(project):
    jobs = [long_job("long", "97.351"),
            {"id": "cleanup", "command": "touch started.cleanup; sleep 0.5; echo done > cleanup.done",
             "conditions": {"run_if": "always"}}]
    proc = start(project, jobs)
    wait_started(project, proc, "long", "cleanup")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    data = json.loads((project / "results.json").read_text())
    assert {j["id"]: j["status"] for j in data["jobs"]} == {"long": "cancelled", "cleanup": "completed"}
    assert (project / "cleanup.done").exists()
    assert_no_survivors("sleep 97.351")
