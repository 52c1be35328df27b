"""Acceptance 6: every job type against real processes and a real local
HTTP server: command (direct exec and shell, multi-line), script (exec bit,
#! line, extension), python (fresh interpreter, args), http (200, 500 with
retries, connection refused, timeout), and a custom type through the API."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from runner import kinds
from tests.integration._support import (
    assert_no_survivors,
    events,
    jobs_by_id,
    run_sampled,
    run_with_results,
    workflow,
)

pytestmark = pytest.mark.integration

REPORT_PARENT = """\
import os, sys
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {os.getppid()}")
"""


# ---------------------------------------------------------------- command


def test_plain_command_is_executed_directly_and_a_shell_command_by_sh(project, cli):
    (project / "report.py").write_text(REPORT_PARENT)
    workflow(project, [
        {"id": "direct", "command": f"{sys.executable} report.py direct.txt"},
        {"id": "shell", "command": f"{sys.executable} report.py shell.txt && echo done"},
    ])

    result, _ = run_with_results(cli)

    assert result.exit == 0, result.output
    jobrun_pid = os.getpid()  # the in-process jobrun
    _, parent = (project / "direct.txt").read_text().split()
    assert int(parent) == jobrun_pid  # no shell in between
    _, parent = (project / "shell.txt").read_text().split()
    assert int(parent) != jobrun_pid  # sh ran it
    assert "done" in (project / ".jobrun" / "logs" / "shell.log").read_text()


def test_plain_command_not_found_is_reported_as_such(project, cli):
    workflow(project, [{"id": "missing", "command": "no-such-command-jobrun-it --flag"}])
    result, data = run_with_results(cli)
    assert result.exit == 1
    job = jobs_by_id(data)["missing"]
    assert job["error"] == "Job 'missing' failed with exit code 127 (command not found: no-such-command-jobrun-it)"
    assert job["exit_code"] == 127
    assert result.stderr.splitlines()[0] == f"Error: {job['error']}"


def test_shell_command_sees_the_job_environment(project, cli):
    workflow(project, [{"id": "shelly", "command": 'echo "$JOBRUN_JOB_ID:$JOBRUN_ATTEMPT" | tr a-z A-Z > out.txt'}])
    result, _ = run_with_results(cli)
    assert result.exit == 0, result.output
    assert (project / "out.txt").read_text() == "SHELLY:1\n"


def test_multi_line_command_stops_at_the_first_failing_line(project, cli):
    workflow(project, [{"id": "recipe", "command": [
        "echo one >> lines.txt",
        "echo two >> lines.txt; exit 3",
        "echo three >> lines.txt",
    ]}])

    result, data = run_with_results(cli)

    assert result.exit == 1
    assert (project / "lines.txt").read_text() == "one\ntwo\n"
    job = jobs_by_id(data)["recipe"]
    assert (job["status"], job["exit_code"], job["error"]) == ("failed", 3, "Job 'recipe' failed with exit code 3")


def test_multi_line_command_runs_every_line_in_order(project, cli):
    (project / "Jobfile").write_text(
        'name = "recipe"\n\nall:\n'
        "    $ echo one > lines.txt\n    $ echo two >> lines.txt\n    $ cat lines.txt > copy.txt\n",
        encoding="utf-8")
    result, _ = run_with_results(cli)
    assert result.exit == 0, result.output
    assert (project / "copy.txt").read_text() == "one\ntwo\n"


def test_a_job_killed_by_a_signal_reports_it(project, cli):
    workflow(project, [{"id": "killed", "command": "kill -9 $$"}])
    result, data = run_with_results(cli)
    assert result.exit == 1
    job = jobs_by_id(data)["killed"]
    assert job["exit_code"] == 128 + 9
    assert job["error"] == "Job 'killed' was killed by SIGKILL"


# ---------------------------------------------------------------- script


def test_script_jobs_by_exec_bit_shebang_and_extension(project, cli):
    scripts = project / "scripts"
    scripts.mkdir()
    executable = scripts / "tool.sh"
    executable.write_text('#!/bin/sh\necho "exec:$*" > exec.txt\n')
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    # no exec bit, no known extension: the #! line says how
    shebang = scripts / "tool.any"
    shebang.write_text(f"#!{sys.executable}\nimport sys\nopen('shebang.txt', 'w').write(' '.join(sys.argv[1:]))\n")
    # no exec bit, no #! line: by its extension
    by_extension = scripts / "tool.py"
    by_extension.write_text("import sys\nopen('ext.txt', 'w').write(sys.executable + ' ' + ' '.join(sys.argv[1:]))\n")
    for path in (shebang, by_extension):
        assert not os.access(path, os.X_OK)
    workflow(project, [
        {"id": "executable", "job_type": "script", "script_path": "scripts/tool.sh", "args": ["a b", "c"]},
        {"id": "shebang", "job_type": "script", "script_path": "scripts/tool.any", "args": ["x", "y z"]},
        {"id": "extension", "script_path": "./scripts/tool.py", "args": ["--fast"]},  # script implied
    ])

    result, data = run_with_results(cli)

    assert result.exit == 0, result.output
    assert {j["status"] for j in data["jobs"]} == {"completed"}
    assert (project / "exec.txt").read_text() == "exec:a b c\n"
    assert (project / "shebang.txt").read_text() == "x y z"
    assert (project / "ext.txt").read_text() == f"{sys.executable} --fast"


def test_script_failures(project, cli):
    (project / "fails.sh").write_text("echo about to fail\nexit 5\n")  # sh by extension
    (project / "data.unknown").write_text("no way to run this\n")
    workflow(project, [
        {"id": "fails", "script_path": "fails.sh"},
        {"id": "missing", "script_path": "nope.sh"},
        {"id": "unknown", "script_path": "data.unknown"},
    ])
    result, data = run_with_results(cli, "-k")
    assert result.exit == 1
    jobs = jobs_by_id(data)
    assert (jobs["fails"]["exit_code"], jobs["fails"]["error"]) == (5, "Job 'fails' failed with exit code 5")
    assert jobs["missing"]["error"].startswith("Job 'missing' failed: script not found:")
    assert jobs["unknown"]["status"] == "failed" and "unknown" in jobs["unknown"]["error"]


# ---------------------------------------------------------------- python


def test_python_job_runs_in_a_fresh_interpreter_with_args(project, cli):
    workflow(project, [{
        "id": "py",
        "job_type": "python",
        "command": "import json, os, sys\n"
                   "json.dump({'pid': os.getpid(), 'argv': sys.argv[1:], 'exe': sys.executable,\n"
                   "           'cwd': os.getcwd(), 'modules': 'runner' in sys.modules}, open('py.json', 'w'))\n",
        "args": ["first", "with space", "--flag=1"],
    }])

    result, _ = run_with_results(cli)

    assert result.exit == 0, result.output
    seen = json.loads((project / "py.json").read_text())
    assert seen["pid"] != os.getpid()
    assert seen["argv"] == ["first", "with space", "--flag=1"]
    assert seen["exe"] == sys.executable
    assert seen["cwd"] == str(project.resolve())
    assert seen["modules"] is False  # nothing of jobrun was loaded into it


def test_python_job_failure_and_exception(project, cli):
    workflow(project, [
        {"id": "exits", "job_type": "python", "command": "import sys; sys.exit(6)"},
        {"id": "raises", "job_type": "python", "command": "raise ValueError('boom from the job')"},
    ])
    result, data = run_with_results(cli, "-k")
    jobs = jobs_by_id(data)
    assert (jobs["exits"]["exit_code"], jobs["raises"]["exit_code"]) == (6, 1)
    assert "ValueError: boom from the job" in (project / ".jobrun" / "logs" / "raises.log").read_text()
    assert "ValueError: boom from the job" in result.stderr  # the output tail of the failed job


# ---------------------------------------------------------------- http


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}
    requests: ClassVar[list[dict[str, object]]] = []

    def log_message(self, *args: object) -> None:  # keep pytest's output clean
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/ok":
            self._reply(200, b"all good")
        elif self.path == "/fail":
            self._reply(500, b"server broke")
        elif self.path == "/slow":
            time.sleep(3)
            self._reply(200, b"too late")
        elif self.path == "/moved":
            self._reply(302, headers={"Location": "/ok"})
        elif self.path == "/created":
            self._reply(201, b"created")
        elif self.path == "/big":  # 200 MB: a client that reads it all holds it all
            self.send_response(200)
            self.send_header("Content-Length", str(200 * 1024 * 1024))
            self.end_headers()
            block = b"y" * (1024 * 1024)
            try:
                for _ in range(200):
                    self.wfile.write(block)
            except OSError:  # the job read what it shows and closed the connection
                pass
        else:
            self._reply(404, b"no such page")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.requests.append({"path": self.path, "body": self.rfile.read(length).decode(),
                              "token": self.headers.get("X-Token")})
        self._reply(204)


@pytest.fixture
def http_server():
    _Handler.hits = {}
    _Handler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Handler
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_200_and_expected_status_and_redirects(project, cli, http_server):
    base, handler = http_server
    workflow(project, [
        {"id": "ok", "job_type": "http", "url": f"{base}/ok"},
        {"id": "legacy_command_url", "job_type": "http", "command": f"{base}/ok"},
        {"id": "moved", "job_type": "http", "url": f"{base}/moved", "expected_status": 200},
        {"id": "created", "job_type": "http", "url": f"{base}/created", "expected_status": [200, 201]},
        {"id": "notfound_expected", "job_type": "http", "url": f"{base}/none", "expected_status": 404},
        {"id": "post", "job_type": "http", "url": f"{base}/hook", "method": "POST",
         "headers": {"X-Token": "s3cret"}, "body": "payload=1"},
    ])

    result, data = run_with_results(cli)

    assert result.exit == 0, result.output
    jobs = jobs_by_id(data)
    assert {j: (v["status"], v["http_status"], v["exit_code"]) for j, v in jobs.items()} == {
        "ok": ("completed", 200, None), "legacy_command_url": ("completed", 200, None),
        "moved": ("completed", 200, None), "created": ("completed", 201, None),
        "notfound_expected": ("completed", 404, None), "post": ("completed", 204, None),
    }
    assert handler.requests == [{"path": "/hook", "body": "payload=1", "token": "s3cret"}]
    log = (project / ".jobrun" / "logs" / "ok.log").read_text()
    assert "200" in log and "all good" in log


def test_http_200_mb_response_is_not_read_whole(project, http_server):
    """Only the start of the body is read (and logged); jobrun stays small."""
    base, _ = http_server
    workflow(project, [{"id": "big", "job_type": "http", "url": f"{base}/big"}])
    proc, out, err, peak = run_sampled(["--no-live"], project)
    assert proc.returncode == 0, out + err
    assert peak < 150 * 1024 * 1024, f"jobrun's RSS reached {peak / 1024 / 1024:.0f} MB"
    log = (project / ".jobrun" / "logs" / "big.log").read_text()
    assert "-> 200 OK" in log and "y" * 2000 + "\n[... body truncated]" in log
    assert len(log) < 3000


def test_http_500_is_retried_then_fails(project, cli, http_server):
    base, handler = http_server
    workflow(project, [{"id": "api", "job_type": "http", "url": f"{base}/fail",
                        "retry_config": {"max_attempts": 3, "initial_delay": 0.05}}])

    result, data = run_with_results(cli)

    assert result.exit == 1
    job = jobs_by_id(data)["api"]
    assert (job["status"], job["attempts"], job["http_status"], job["exit_code"]) == ("failed", 3, 500, None)
    assert "HTTP 500" in job["error"]
    assert job["error"].startswith("Job 'api' failed")
    assert handler.hits["/fail"] == 3
    assert [e["attempt"] for e in events(data, "job_retrying", "api")] == [1, 2]
    assert result.stderr.splitlines()[0] == f"Error: {job['error']}"


def test_http_connection_refused(project, cli):
    port = closed_port()
    workflow(project, [{"id": "down", "job_type": "http", "url": f"http://127.0.0.1:{port}/health"}])
    result, data = run_with_results(cli)
    assert result.exit == 1
    job = jobs_by_id(data)["down"]
    assert job["status"] == "failed"
    assert job["error"].startswith("Job 'down' failed:")
    assert "ConnectError" in job["error"] or "refused" in job["error"].lower()
    assert job["http_status"] is None and job["exit_code"] is None


def test_http_timeout(project, cli, http_server):
    base, _ = http_server
    workflow(project, [{"id": "slow", "job_type": "http", "url": f"{base}/slow", "timeout": 1}])
    result, data = run_with_results(cli)
    assert result.exit == 1
    job = jobs_by_id(data)["slow"]
    assert (job["status"], job["error"], job["exit_code"]) == ("failed", "Job timed out after 1 seconds", None)
    assert 1.0 <= job["duration"] < 20
    assert "Error: Job timed out after 1 seconds" in result.stderr


# ---------------------------------------------------------------- custom


@pytest.fixture
def custom_type():
    """Register job type `it_custom` (the decorator), unregister afterwards."""
    from runner.kinds.custom import job_type

    calls: list[dict[str, object]] = []

    @job_type("it_custom")
    def run_custom(ctx):
        calls.append({"attempt": ctx.attempt, "commands": list(ctx.job.commands), "args": list(ctx.job.args)})
        if ctx.attempt == 1:
            return 9  # an exit status: the first attempt fails
        code = "import sys, os; print('custom says', *sys.argv[1:]); open('custom.txt', 'w').write(str(os.getpid()))"
        return ctx.outcome(ctx.run([sys.executable, "-c", code, *ctx.job.commands]))

    @job_type("it_custom_sleep")
    def run_sleep(ctx):
        return ctx.outcome(ctx.run(["sleep", "97.201"]))

    yield calls
    kinds._REGISTRY.pop("it_custom", None)
    kinds._REGISTRY.pop("it_custom_sleep", None)


def test_custom_job_type_through_the_python_api(project, custom_type):
    from runner import Orchestrator, load_workflow

    workflow(project, [
        {"id": "mine", "job_type": "it_custom", "command": ["hello", "world"],
         "retry_config": {"max_attempts": 2, "initial_delay": 0.05}},
        {"id": "after", "command": "true", "dependencies": ["mine"]},
        {"id": "sleepy", "job_type": "it_custom_sleep", "timeout": "300ms"},
    ])
    seen: list[tuple[str, str]] = []
    orch = Orchestrator(load_workflow("jobrun.yaml"), max_concurrent=2, keep_going=True, err=io.StringIO())
    orch.add_status_callback(lambda kind, data: seen.append((kind, data["job_id"])))

    result = orch.run()

    records = {r.job.id: r for r in result.records}
    assert records["mine"].status == "completed" and records["mine"].attempts == 2
    assert records["after"].status == "completed"
    assert [c["attempt"] for c in custom_type] == [1, 2]
    assert custom_type[0]["commands"] == ["hello", "world"]
    assert int((project / "custom.txt").read_text()) != os.getpid()
    assert "custom says hello world" in (project / ".jobrun" / "logs" / "mine.log").read_text()
    retrying = [e for e in result.events if e.type == "job_retrying"]
    assert len(retrying) == 1 and retrying[0].data["error"] == "Job 'mine' failed with exit code 9"
    assert ("job_retrying", "mine") in seen and ("job_completed", "mine") in seen
    # the built-in guarantees: timeouts apply to ctx.run and leave nothing behind
    assert records["sleepy"].status == "failed"
    assert records["sleepy"].error == "Job timed out after 0.3 seconds"
    assert result.status == "failed" and result.exit_code == 1
    assert_no_survivors("sleep 97.201")
