"""Behaviours checked through a real `python -m runner`
subprocess: colour precedence on a pseudo-terminal, HTTP jobs against
`python -m http.server`, SPEC §9's snippet verbatim, a job type published
under `jobrun.job_types` used from the command line, `create` + `run` of a
YAML sample, and every example run from each of its two files."""

from __future__ import annotations

import json
import os
import pty
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.integration._support import jobs_by_id, wait_for, workflow

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def jobrun(args, cwd, env=None, timeout=60):
    full = {**os.environ, **(env or {})}
    for name in ("FORCE_COLOR", "NO_COLOR"):
        if env is None or name not in env:
            full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "runner", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def on_a_terminal(args, cwd, env):
    """Run jobrun with stdout and stderr on a pseudo-terminal; all it wrote."""
    full = {**os.environ, **env}
    for name in ("FORCE_COLOR", "NO_COLOR"):
        if name not in env:
            full.pop(name, None)
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "runner", *args], cwd=cwd, env=full, stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave)
    os.close(slave)
    text = read_terminal(master)
    proc.wait(timeout=30)
    return proc.returncode, text


def read_terminal(master: int) -> str:
    """Everything written to a pseudo-terminal until its other side closes."""
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


# ---------------------------------------------------------------- colour


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ([], {}, True),                                        # a terminal: colour
    ([], {"NO_COLOR": "1"}, False),                        # NO_COLOR beats the terminal
    ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True),     # FORCE_COLOR beats NO_COLOR
    (["--color=never"], {"FORCE_COLOR": "1"}, False),      # --color beats everything
    (["--color=always"], {"NO_COLOR": "1"}, True),
])
def test_colour_precedence_on_a_terminal(project, args, env, coloured):
    workflow(project, [{"id": "a", "command": "true"}])
    code, text = on_a_terminal(["--no-live", *args], project, env)
    assert code == 0, text
    assert ("\x1b[" in text) == coloured, repr(text)


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ([], {}, False),
    ([], {"FORCE_COLOR": "1"}, True),
    ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, True),
    (["--color=never"], {"FORCE_COLOR": "1"}, False),
    (["--color=always"], {}, True),
])
def test_colour_precedence_on_a_pipe(project, args, env, coloured):
    workflow(project, [{"id": "a", "command": "true"}])
    result = jobrun(["--no-live", *args], project, env)
    assert result.returncode == 0, result.stderr
    assert ("\x1b[" in result.stdout) == coloured


def split_terminal(args, cwd, terminal):
    """Run jobrun with one of stdout/stderr (`terminal`) on a pseudo-terminal
    and the other on a pipe: (what the terminal got, what the pipe got)."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    master, slave = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, terminal: slave}
    proc = subprocess.Popen([sys.executable, "-m", "runner", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            **streams)
    os.close(slave)
    text = read_terminal(master)
    out, err = proc.communicate(timeout=30)
    return text, (err if terminal == "stdout" else out).decode()


@pytest.mark.parametrize("terminal", ["stdout", "stderr"])
def test_each_stream_decides_its_own_colour(project, terminal):
    """A failed job writes to both streams: only the terminal one is coloured."""
    workflow(project, [{"id": "bad", "command": "sh -c 'echo oops; exit 3'"}])
    on_terminal, on_pipe = split_terminal(["--no-live"], project, terminal)
    assert "\x1b[" in on_terminal, repr(on_terminal)
    assert "\x1b[" not in on_pipe, repr(on_pipe)
    assert "Error: Job 'bad' failed with exit code 3" in (on_pipe if terminal == "stdout" else on_terminal
                                                           .replace("\x1b[1;31m", "").replace("\x1b[0m", ""))


# ---------------------------------------------------------------- http


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_jobs_against_python_http_server(project):
    www = project / "www"
    www.mkdir()
    (www / "ok.txt").write_text("hello from the file\n")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)], cwd=www,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def up():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return True
            except OSError:
                return False

        wait_for(up, timeout=15, what="http.server")
        base = f"http://127.0.0.1:{port}"
        workflow(project, [
            {"id": "ok", "job_type": "http", "url": f"{base}/ok.txt"},
            {"id": "missing", "job_type": "http", "url": f"{base}/none",
             "retry_config": {"max_attempts": 2, "initial_delay": 0.05}},
            {"id": "refused", "job_type": "http", "url": f"http://127.0.0.1:{free_port()}/"},
        ])
        result = jobrun(["--no-live", "-k", "-o", "results.json"], project)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 1, result.stdout + result.stderr
    jobs = jobs_by_id(json.loads((project / "results.json").read_text()))
    assert (jobs["ok"]["status"], jobs["ok"]["http_status"], jobs["ok"]["exit_code"]) == ("completed", 200, None)
    assert "hello from the file" in (project / ".jobrun" / "logs" / "ok.log").read_text()
    assert (jobs["missing"]["status"], jobs["missing"]["http_status"], jobs["missing"]["attempts"]) == (
        "failed", 404, 2)
    assert jobs["refused"]["status"] == "failed" and jobs["refused"]["http_status"] is None


# ---------------------------------------------------------------- API


def test_spec_9_snippet_verbatim(project):
    (project / "Jobfile").write_text("build:\n    $ echo b\ntest: build\n    $ echo t\ndeploy: test\n    $ echo d\n"
                                     "other:\n    $ echo o\n")
    (project / "snippet.py").write_text(textwrap.dedent("""\
        from runner import load_workflow, Orchestrator
        wf = load_workflow("Jobfile")
        orch = Orchestrator(wf, max_concurrent=4)
        orch.add_status_callback(lambda event_type, data: print(event_type, data["job_id"]))
        result = orch.run(targets=["deploy"])
    """))
    done = subprocess.run([sys.executable, "snippet.py"], cwd=project, capture_output=True, text=True, timeout=60,
                          check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["job_started build", "job_completed build", "job_started test",
                                        "job_completed test", "job_started deploy", "job_completed deploy"]


def test_entry_point_job_type_from_the_command_line(project):
    site = project / "site"
    dist = site / "audit_shout-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: audit-shout\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[jobrun.job_types]\naudit_shout = audit_shout:shout\n")
    (site / "audit_shout.py").write_text(textwrap.dedent("""\
        def shout(ctx):
            return ctx.outcome(ctx.run(["sh", "-c", "echo " + " ".join(ctx.job.commands).upper()]))
    """))
    workflow(project, [{"id": "greet", "job_type": "audit_shout", "command": "hello there"}])
    result = jobrun(["--no-live"], project, {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / ".jobrun" / "logs" / "greet.log").read_text() == "HELLO THERE\n"


# ---------------------------------------------------------------- create, examples


def test_create_yaml_then_run_it(project):
    assert jobrun(["create", "--output", "x.yaml"], project).returncode == 0
    started = time.monotonic()
    result = jobrun(["run", "x.yaml", "--no-live", "-q"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("name", ["Jobfile", "jobrun.yaml"])
@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir()))
def test_every_example_runs_from_each_file(tmp_path, example, name):
    work = tmp_path / example
    shutil.copytree(ROOT / "examples" / example, work, ignore=shutil.ignore_patterns(".jobrun", "build", "dist"))
    result = jobrun(["-f", str(work / name), "--no-live", "-q", "-o", str(tmp_path / "r.json")], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    statuses = {j["status"] for j in json.loads((tmp_path / "r.json").read_text())["jobs"]}
    assert statuses <= {"completed", "skipped"}
