"""Fixes checked through a real `python -m runner` process: `--skip-tags`
with a removed dependency, `--` before a job named like an option, no
Python warnings from validating a python job's code, and `--list` not
importing `threading`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration._support import jobs_by_id, workflow

pytestmark = pytest.mark.integration


def jobrun(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "PYTHONWARNINGS")}
    return subprocess.run([sys.executable, "-m", "runner", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)


def test_skip_tags_runs_a_kept_job_whose_dependency_it_removed(tmp_path):
    workflow(tmp_path, [
        {"id": "setup", "command": "echo setup ran > setup.txt", "tags": ["setup"]},
        {"id": "test", "command": "echo test ran > test.txt", "dependencies": ["setup"]},
    ])
    graph = jobrun("--graph=json", "--skip-tags", "setup", cwd=tmp_path)
    assert graph.returncode == 0 and [j["id"] for j in json.loads(graph.stdout)["jobs"]] == ["test"]
    dry = jobrun("-n", "--skip-tags", "setup", cwd=tmp_path)
    assert dry.returncode == 0 and "setup" not in dry.stdout
    result = jobrun("--no-live", "-o", "results.json", "--skip-tags", "setup", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    jobs = jobs_by_id(json.loads((tmp_path / "results.json").read_text()))
    assert list(jobs) == ["test"] and jobs["test"]["status"] == "completed"
    assert (tmp_path / "test.txt").read_text() == "test ran\n"
    assert not (tmp_path / "setup.txt").exists()


def test_double_dash_targets_a_job_named_like_an_option(tmp_path):
    workflow(tmp_path, [
        {"id": "-n", "command": "echo dash-n ran > dash-n.txt"},
        {"id": "other", "command": "echo other ran > other.txt"},
    ])
    result = jobrun("--no-live", "--", "-n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Dry run" not in result.stdout
    assert (tmp_path / "dash-n.txt").read_text() == "dash-n ran\n" and not (tmp_path / "other.txt").exists()
    (tmp_path / "dash-n.txt").unlink()
    result = jobrun("-f", "jobrun.yaml", "--no-live", "--", "-n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dash-n.txt").exists() and not (tmp_path / "other.txt").exists()


@pytest.mark.parametrize("name", ["jobrun.yaml", "Jobfile"])
def test_validating_a_python_job_prints_no_python_warnings(tmp_path, name):
    if name == "Jobfile":
        (tmp_path / name).write_text('check:\n    python "print(\\"a\\" is \\"a\\")"\n')
    else:
        workflow(tmp_path, [{"id": "check", "job_type": "python", "command": 'print("a" is "a")'}])
    for args in (["--graph=json"], ["--list"], ["-n"]):
        result = jobrun(*args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""


def test_list_does_not_import_threading(tmp_path):
    (tmp_path / "Jobfile").write_text("build:\n    $ make\n")
    code = ("import sys\nfrom runner.cli import run_cli\n"
            "assert run_cli(['--list']) == 0\nprint('threading' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"
