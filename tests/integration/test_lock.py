"""Acceptance 13: one run at a time per state directory. A second run exits
2 at once naming the directory and the holder's pid; analyze, --graph,
--list and --dry-run take no lock."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.integration._support import (
    assert_no_survivors,
    jobrun_process,
    kill_survivors,
    stop,
    wait_for,
    workflow,
)

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def no_leftovers():
    yield
    kill_survivors("sleep 97.4")


@pytest.fixture
def running(project):
    """A real jobrun holding the lock: its job waits for a file `go`."""
    workflow(project, [{"id": "hold", "command": "touch started; while [ ! -f go ]; do sleep 0.05; done"},
                       {"id": "second", "command": "true"}])
    proc = jobrun_process(["--no-live"], project)
    try:
        wait_for(lambda: (project / "started").exists() or proc.poll() is not None, what="the first run's job")
        assert proc.poll() is None, proc.communicate()
        yield proc
    finally:
        (project / "go").touch()
        stop(proc)


def run_second(project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner", *args], cwd=project, capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL, check=False)


def test_second_run_exits_2_at_once_naming_dir_and_pid(project, running):
    second = run_second(project, "--no-live")

    assert second.returncode == 2, second.stdout + second.stderr
    first_line = second.stderr.splitlines()[0]
    assert first_line == f"Error: another jobrun run is in progress in {project.resolve()} (pid {running.pid})"
    assert second.stdout == ""
    assert running.poll() is None  # the first run is untouched
    # ... and it still completes normally
    (project / "go").touch()
    out, err = running.communicate(timeout=30)
    assert running.returncode == 0, out + err
    # the lock went with it: a new run works
    third = run_second(project, "--no-live", "second")
    assert third.returncode == 0, third.stdout + third.stderr


def test_second_run_from_a_subdirectory_or_with_dash_c_is_refused_too(project, running):
    sub = project / "nested"
    sub.mkdir()
    for args, cwd in ((["--no-live"], sub), (["-C", str(project), "--no-live"], project.parent)):
        second = subprocess.run([sys.executable, "-m", "runner", *args], cwd=cwd, capture_output=True, text=True,
                                timeout=30, stdin=subprocess.DEVNULL, check=False)
        assert second.returncode == 2
        assert f"in progress in {project.resolve()} (pid {running.pid})" in second.stderr


def test_read_only_commands_take_no_lock(project, running):
    for args in (["analyze"], ["--graph"], ["--list"], ["--dry-run"], ["--graph=json"]):
        result = run_second(project, *args)
        assert result.returncode == 0, (args, result.stderr)


def test_lock_is_released_when_the_holder_is_killed(project):
    workflow(project, [{"id": "hold", "command": "touch started; sleep 97.401"}])
    proc = jobrun_process(["--no-live"], project)
    wait_for(lambda: (project / "started").exists(), what="the job")
    proc.kill()  # SIGKILL: no clean-up at all; the flock goes with the process
    proc.communicate()
    kill_survivors("sleep 97.401")  # SIGKILL leaves jobrun no chance to end its job
    workflow(project, [{"id": "next", "command": "true"}])
    result = run_second(project, "--no-live")
    assert result.returncode == 0, result.stderr
    assert_no_survivors("sleep 97.401")
