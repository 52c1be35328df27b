"""Helpers shared by the integration tests: workflows on disk, results JSON,
timestamps, real `python -m runner` subprocesses and survivor checks.

Nothing here mocks jobrun: every helper drives real processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psutil

ISO_MS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
JOB_KEYS = {"id", "name", "status", "attempts", "exit_code", "started_at", "finished_at", "duration",
            "error", "peak_memory_mb", "cpu_seconds", "log_path"}
TOP_KEYS = {"workflow", "status", "started_at", "finished_at", "duration", "jobs", "events", "critical_path"}
# Documented in the README on top of SPEC §8's list: `reason` (skipped and
# cancelled jobs) and `http_status` (HTTP jobs).
OPTIONAL_JOB_KEYS = {"reason", "http_status"}


def workflow(directory: Path, jobs: list[dict[str, Any]], name: str = "it", filename: str = "jobrun.yaml",
             **top: Any) -> Path:
    """Write a YAML workflow (as JSON text, which is YAML too: no quoting
    surprises in commands)."""
    path = directory / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": name, **top, "jobs": jobs}, indent=2) + "\n", encoding="utf-8")
    return path


def run_with_results(cli: Callable[..., Any], *args: str, output: str = "results.json") -> tuple[Any, dict[str, Any]]:
    """`jobrun --no-live -o results.json ARGS`, in-process; (result, results JSON)."""
    result = cli("--no-live", "-o", output, *args)
    data = json.loads(Path(output).read_text(encoding="utf-8"))
    return result, data


def ts(text: str) -> float:
    """An ISO 8601 UTC millisecond timestamp as seconds since the epoch."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def jobs_by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {job["id"]: job for job in data["jobs"]}


def events(data: dict[str, Any], kind: str | None = None, job: str | None = None) -> list[dict[str, Any]]:
    return [e for e in data["events"] if (kind is None or e["type"] == kind) and (job is None or e["job_id"] == job)]


def first_event_time(data: dict[str, Any], kind: str, job: str) -> float:
    found = events(data, kind, job)
    assert found, f"no {kind} event for {job}: {data['events']}"
    return ts(found[0]["timestamp"])


def end_event_time(data: dict[str, Any], job: str) -> float:
    ends = [e for e in data["events"] if e["job_id"] == job and e["type"] in
            ("job_completed", "job_failed", "job_cancelled", "job_skipped", "job_up_to_date")]
    assert len(ends) == 1, f"{job} should end exactly once: {ends}"
    return ts(ends[0]["timestamp"])


# ------------------------------------------------------------------ processes


def survivors(marker: str) -> list[psutil.Process]:
    """Live processes whose command line contains `marker`."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if marker in " ".join(proc.info["cmdline"] or ()):
                found.append(proc)
        except (psutil.Error, TypeError):
            continue
    me = os.getpid()
    return [p for p in found if p.pid != me]


def assert_no_survivors(*markers: str, wait: float = 2.0) -> None:
    """Fail when a process with one of `markers` in its command line is still
    alive `wait` seconds from now (they may take a moment to be reaped). The
    survivors are killed before failing, so one test cannot spoil the next."""
    deadline = time.monotonic() + wait
    while True:
        alive = [p for m in markers for p in survivors(m)]
        if not alive or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    described = []
    for proc in alive:
        try:
            described.append(f"{proc.pid}: {' '.join(proc.cmdline())}")
            proc.kill()
        except psutil.Error:
            pass
    assert not described, f"processes outlived jobrun: {described}"


def kill_survivors(*markers: str) -> None:
    for marker in markers:
        for proc in survivors(marker):
            try:
                proc.kill()
            except psutil.Error:
                pass


def jobrun_process(args: Iterable[str], cwd: Path, **kwargs: Any) -> subprocess.Popen[str]:
    """A real `python -m runner ARGS` in `cwd`, stdout and stderr captured."""
    env = {**os.environ, **kwargs.pop("env", {})}
    env.pop("FORCE_COLOR", None)
    return subprocess.Popen([sys.executable, "-m", "runner", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def run_sampled(args: Iterable[str], cwd: Path, timeout: float = 120) -> tuple[subprocess.Popen[str], str, str, int]:
    """Run a real jobrun to its end, sampling its RSS every 50 ms while its
    output is read: (process, stdout, stderr, peak RSS in bytes)."""
    proc = jobrun_process(args, cwd)
    peak = [0]

    def sample() -> None:
        try:
            me = psutil.Process(proc.pid)
            while proc.poll() is None:
                peak[0] = max(peak[0], me.memory_info().rss)
                time.sleep(0.05)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = proc.communicate(timeout=timeout)
    sampler.join()
    return proc, out, err, peak[0]


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `condition` every 20 ms until it is truthy; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """End a jobrun subprocess a test is done with (SIGTERM, then SIGKILL)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def max_overlap(intervals: Iterable[tuple[float, float]]) -> int:
    """The largest number of (start, end) intervals open at one moment (an
    end at the same instant as a start closes first)."""
    points = []
    for start, end in intervals:
        points.append((start, 1))
        points.append((end, -1))
    points.sort(key=lambda p: (p[0], p[1]))
    best = current = 0
    for _, delta in points:
        current += delta
        best = max(best, current)
    return best


def read_timeline(path: Path) -> dict[str, dict[str, float]]:
    """Lines `start|end JOB SECONDS` appended by jobs -> {job: {start, end}}."""
    timeline: dict[str, dict[str, float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        what, job, when = line.split()
        timeline.setdefault(job, {})[what] = float(when)
    return timeline
