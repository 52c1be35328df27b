"""The plain status stream, failure output and summary, pinned (times,
memory figures and paths normalised)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import write

pytestmark = pytest.mark.integration

WORKFLOW = """\
name = "demo"

prepare:
    $ echo preparing

build: prepare
    $ echo compiling
    $ echo "error: missing semicolon" >&2; exit 2

flaky: prepare
    retry 1 delay 0.1s
    $ test -f .tried || { touch .tried; echo first try fails; exit 1; }

package: build
    $ echo never

report: build flaky
    run_if always
    $ echo report written
"""


def normalise(text: str, project) -> str:
    text = text.replace(str(project.resolve()), "<dir>")
    text = re.sub(r"\b\d+\.\d\ds\b", "<t>s", text)
    text = re.sub(r"\b\d+ MB\b", "<m> MB", text)
    return re.sub(r" +$", "", text, flags=re.M)


@pytest.fixture
def demo(project):
    write(project, "Jobfile", WORKFLOW)
    return project


def test_plain_stream_and_summary(demo, cli, snapshot):
    result = cli("-j", "1", "--no-live", "-k")
    assert result.exit == 1
    assert normalise(result.stdout, demo) == snapshot(name="stdout")
    assert normalise(result.stderr, demo) == snapshot(name="stderr")


def test_quiet_prints_failures_and_the_final_line(demo, cli, snapshot):
    result = cli("-j", "1", "--no-live", "-q")
    assert result.exit == 1
    assert normalise(result.stdout, demo) == snapshot(name="stdout")


def test_verbose_prints_each_jobs_output(demo, cli):
    result = cli("-j", "1", "--no-live", "-v", "prepare")
    assert result.exit == 0
    assert "  --- prepare: output ---\n  | preparing\n" in result.stdout


def test_stream_prefixes_lines_with_the_job(demo, cli):
    result = cli("-j", "1", "--no-live", "--stream", "-k")
    assert "[prepare] preparing\n" in result.stdout
    assert "[build] compiling\n" in result.stdout and "[build] error: missing semicolon\n" in result.stdout
    assert "[flaky] first try fails\n" in result.stdout


def test_no_color_when_not_a_terminal_and_color_when_forced(demo, cli, monkeypatch):
    assert "\x1b[" not in cli("--no-live", "prepare").stdout
    assert "\x1b[32m" in cli("--no-live", "--color=always", "prepare").stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli("--no-live", "prepare").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" in cli("--no-live", "prepare").stdout  # FORCE_COLOR wins over NO_COLOR
    monkeypatch.delenv("FORCE_COLOR")
    assert "\x1b[" not in cli("--no-live", "--color=auto", "prepare").stdout


def test_results_file(demo, cli):
    cli("-j", "1", "--no-live", "-k", "-o", "results.json")
    data = json.loads((demo / "results.json").read_text())
    assert data["status"] == "failed" and data["workflow"] == "demo"
    statuses = {j["id"]: (j["status"], j["attempts"]) for j in data["jobs"]}
    assert statuses == {"prepare": ("completed", 1), "build": ("failed", 1), "flaky": ("completed", 2),
                        "package": ("skipped", 0), "report": ("completed", 1)}


def test_live_view_redraws_a_footer_and_ends_with_the_summary(demo, cli):
    result = cli("--live", "-j", "1", "-k")
    assert result.exit == 1
    assert "\x1b[" in result.stdout and "jobs" in result.stdout  # the footer, erased and redrawn
    tail = result.stdout.rsplit("\x1b[J", 1)[-1]
    assert "Job      Status" in tail and "demo: failed" in tail


def test_log_level_debug_logs_decisions_to_stderr(demo, cli, monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "debug")
    try:
        result = cli("--no-live", "-q", "prepare")
    finally:
        from runner import log

        log.configure("WARNING", __import__("sys").stderr)  # off again for the next tests
    assert result.exit == 0
    assert "debug: job file: " in result.stderr
    assert "debug: prepare (attempt 1): starting ['echo', 'preparing']" in result.stderr
    assert "debug:" not in result.stdout


def test_an_unknown_log_level_is_a_warning(demo, cli, monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    result = cli("--no-live", "-q", "prepare")
    assert result.exit == 0
    assert result.stderr.startswith("warning: LOG_LEVEL=chatty is not a level")


def test_a_big_run_summarises_the_jobs_that_matter(project, cli, snapshot):
    """Over 50 jobs: the summary keeps the failed, skipped and 10 slowest
    jobs and counts the rest; -v lists them all."""
    lines = ['name = "big"\n']
    lines += ["slow%d:\n    $ sleep 0.3\n" % i for i in range(10)]
    lines += ["quick%02d:\n    $ true\n" % i for i in range(48)]
    lines += ["broken:\n    $ exit 3\n", "after: broken\n    $ true\n"]
    write(project, "Jobfile", "\n".join(lines))
    result = cli("-j", "4", "--no-live", "-k")
    assert result.exit == 1
    summary = normalise(result.stdout, project).split("\n\n")[-1]
    assert summary == snapshot
    everything = cli("-j", "4", "--no-live", "-k", "-v")
    assert len(normalise(everything.stdout, project).split("\n\n")[-1].splitlines()) == 60 + 3
