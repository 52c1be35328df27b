"""Acceptance 11: the results file (`-o`), SPEC §8 and §11."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration._support import (
    ISO_MS,
    JOB_KEYS,
    OPTIONAL_JOB_KEYS,
    TOP_KEYS,
    events,
    jobs_by_id,
    run_with_results,
    ts,
    workflow,
)

pytestmark = pytest.mark.integration

JOBS = [
    {"id": "fetch", "name": "Fetch sources", "command": "echo fetched"},
    {"id": "lint", "command": "echo lint"},  # not selected below
    {"id": "compile", "command": "echo compiling; echo 'compile error' >&2; exit 2", "dependencies": ["fetch"]},
    {"id": "link", "command": "true", "dependencies": ["compile"]},
    {"id": "docs", "command": "sleep 0.1", "dependencies": ["fetch"]},
    {"id": "all", "command": "true", "dependencies": ["link", "docs"]},
]


@pytest.fixture
def failed_run(project, cli):
    workflow(project, JOBS, name="Results Demo")
    result, data = run_with_results(cli, "-k", "all")
    return project, result, data


def test_keys_are_exactly_the_documented_ones(failed_run):
    _, _, data = failed_run
    assert set(data) == TOP_KEYS
    for job in data["jobs"]:
        assert JOB_KEYS <= set(job) <= JOB_KEYS | OPTIONAL_JOB_KEYS, job
    plain = jobs_by_id(data)["fetch"]
    assert set(plain) == JOB_KEYS  # a completed command job has nothing extra
    assert isinstance(data["duration"], float) and data["duration"] > 0
    assert data["critical_path"][0] == "fetch" and data["critical_path"][-1] == "all"


def test_workflow_status_and_job_statuses(failed_run):
    project, result, data = failed_run
    assert result.exit == 1
    assert data["workflow"] == "Results Demo"
    assert data["status"] == "failed"
    statuses = {j["id"]: j["status"] for j in data["jobs"]}
    assert statuses == {"fetch": "completed", "compile": "failed", "link": "skipped", "docs": "completed",
                        "all": "skipped"}
    jobs = jobs_by_id(data)
    assert jobs["fetch"]["name"] == "Fetch sources" and jobs["compile"]["name"] == "compile"
    assert jobs["compile"]["exit_code"] == 2
    assert jobs["link"]["reason"] == "dependency 'compile' failed"
    assert jobs["link"]["attempts"] == 0 and jobs["link"]["exit_code"] is None
    assert jobs["link"]["started_at"] is None and jobs["link"]["duration"] is None
    assert jobs["link"]["error"] is None
    for job in data["jobs"]:
        assert Path(job["log_path"]).is_absolute()
        assert job["log_path"] == str(project.resolve() / ".jobrun" / "logs" / f"{job['id']}.log")
        assert isinstance(job["peak_memory_mb"], int) and isinstance(job["cpu_seconds"], float)


def test_jobs_are_the_selected_ones_in_file_order(failed_run):
    _, _, data = failed_run
    assert [j["id"] for j in data["jobs"]] == ["fetch", "compile", "link", "docs", "all"]  # no `lint`
    assert {e["job_id"] for e in data["events"]} <= {"fetch", "compile", "link", "docs", "all"}


def test_timestamps_are_iso_utc_milliseconds_and_consistent(failed_run):
    _, _, data = failed_run
    stamps = [data["started_at"], data["finished_at"]]
    stamps += [j[k] for j in data["jobs"] for k in ("started_at", "finished_at") if j[k] is not None]
    stamps += [e["timestamp"] for e in data["events"]]
    for stamp in stamps:
        assert re.match(ISO_MS, stamp), stamp
    start, end = ts(data["started_at"]), ts(data["finished_at"])
    assert start <= end
    assert data["duration"] == pytest.approx(end - start, abs=0.01)
    previous = start
    for event in data["events"]:  # in the order they happened, within the run
        assert previous <= ts(event["timestamp"]) <= end + 0.001
        previous = ts(event["timestamp"])
    for job in data["jobs"]:
        if job["started_at"]:
            assert start <= ts(job["started_at"]) <= ts(job["finished_at"]) <= end + 0.001
            assert job["duration"] == pytest.approx(ts(job["finished_at"]) - ts(job["started_at"]), abs=0.01)


def test_events_are_objects_with_type_job_id_timestamp_and_what_applies(failed_run):
    _, _, data = failed_run
    known = {"job_started", "job_completed", "job_failed", "job_cancelled", "job_retrying", "job_skipped",
             "job_up_to_date"}
    for event in data["events"]:
        assert {"type", "job_id", "timestamp"} <= set(event)
        assert event["type"] in known
    failed = events(data, "job_failed", "compile")
    assert len(failed) == 1
    assert failed[0]["error"] == "Job 'compile' failed with exit code 2" and failed[0]["exit_code"] == 2
    assert isinstance(failed[0]["duration"], float)
    assert events(data, "job_skipped", "link")[0]["reason"] == "dependency 'compile' failed"
    assert events(data, "job_started", "fetch")[0]["attempt"] == 1


def test_failed_jobs_error_equals_its_stderr_error_line(failed_run):
    _, result, data = failed_run
    errors = [line[len("Error: "):] for line in result.stderr.splitlines() if line.startswith("Error: ")]
    failed = [j for j in data["jobs"] if j["status"] == "failed"]
    assert [j["error"] for j in failed] == errors == ["Job 'compile' failed with exit code 2"]
    assert "  | compile error" in result.stderr


def test_jq_style_filter(failed_run):
    project, _, data = failed_run
    # jq '.jobs[] | select(.status == "failed")', in Python ...
    selected = [j for j in data["jobs"] if j["status"] == "failed"]
    assert [j["id"] for j in selected] == ["compile"]
    # ... and with the real jq where there is one
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    out = subprocess.run(["jq", "-c", '.jobs[] | select(.status == "failed") | .id', "results.json"],
                         cwd=project, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ['"compile"']


def test_completed_run_and_results_path_relative_to_dash_c(project, cli):
    sub = project / "sub"
    workflow(sub, [{"id": "only", "command": "true"}])
    result = cli("-C", "sub", "--no-live", "-o", "results.json")
    assert result.exit == 0, result.output
    data = json.loads((sub / "results.json").read_text())
    assert data["status"] == "completed"
    assert data["workflow"] == "it"
    only = data["jobs"][0]
    assert (only["status"], only["attempts"], only["exit_code"], only["error"]) == ("completed", 1, 0, None)
    assert not (project / "results.json").exists()


def test_http_jobs_carry_http_status_and_no_exit_code(project, cli):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workflow(project, [{"id": "ping", "job_type": "http", "url": f"http://127.0.0.1:{port}/"}])
    _, data = run_with_results(cli)
    ping = data["jobs"][0]
    assert set(ping) == JOB_KEYS | {"http_status"}
    assert ping["http_status"] is None and ping["exit_code"] is None and ping["status"] == "failed"
