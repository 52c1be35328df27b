"""Acceptance 12: -v prints every job's output block, --stream prefixes live
output lines with [job], -q prints only failures and the final line."""

from __future__ import annotations

import queue
import threading

import pytest

from tests.integration._support import jobrun_process, stop, workflow

pytestmark = pytest.mark.integration

JOBS = [
    {"id": "alpha", "command": "echo alpha says hi; echo alpha warns >&2"},
    {"id": "beta", "command": "echo beta one; echo beta two", "dependencies": ["alpha"]},
    {"id": "gamma", "command": "echo gamma broke; exit 7"},
]


def test_default_prints_only_the_failed_jobs_output(project, cli):
    workflow(project, JOBS)
    result = cli("--no-live", "-k")
    assert result.exit == 1
    assert "alpha says hi" not in result.output
    assert "  | gamma broke" in result.stderr
    assert "--- gamma: last 1 lines of output ---" in result.stderr


def test_verbose_prints_every_jobs_output_block(project, cli):
    workflow(project, JOBS)
    result = cli("--no-live", "-k", "-v")
    assert result.exit == 1
    out = result.stdout
    assert "  --- alpha: output ---\n  | alpha says hi\n  | alpha warns\n" in out
    assert "  --- beta: output ---\n  | beta one\n  | beta two\n" in out
    assert "  | gamma broke" in result.stderr  # a failure's output goes to stderr, as always
    # each block follows its job's line
    assert out.index("OK         alpha") < out.index("--- alpha: output ---") < out.index("START      beta")


def test_verbose_prints_all_of_a_long_output(project, cli):
    workflow(project, [{"id": "long", "job_type": "python",
                        "command": "for i in range(3000): print(f'row {i:05d} ' + '-' * 40)"}])
    result = cli("--no-live", "-v")
    assert result.exit == 0
    assert "  --- long: output ---\n  | row 00000 " in result.stdout
    assert result.stdout.count("  | row ") == 3000


def test_stream_prefixes_every_line_with_its_job(project, cli):
    workflow(project, JOBS)
    result = cli("--no-live", "-k", "--stream")
    assert result.exit == 1
    lines = result.stdout.splitlines()
    for expected in ("[alpha] alpha says hi", "[alpha] alpha warns", "[beta] beta one", "[beta] beta two",
                     "[gamma] gamma broke"):
        assert expected in lines
    assert lines.index("[beta] beta one") < lines.index("[beta] beta two")
    assert "--- alpha: output ---" not in result.output
    assert "Error: Job 'gamma' failed with exit code 7" in result.stderr
    # the output is not printed a second time as a tail
    assert result.output.count("gamma broke") == 1


def test_stream_shows_lines_while_the_job_still_runs(project):
    """A line the job printed is on jobrun's stdout before the job ends: the
    job waits for a file the test creates only after seeing its first line."""
    workflow(project, [{"id": "slow", "command": "echo first; while [ ! -f go ]; do sleep 0.05; done; echo second"}])
    proc = jobrun_process(["--no-live", "--stream"], project)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    try:
        seen = []
        while "[slow] first\n" not in seen:
            seen.append(lines.get(timeout=15))
        assert "[slow] second\n" not in seen
        (project / "go").touch()
        assert proc.wait(timeout=15) == 0
        reader.join(timeout=5)
        while not lines.empty():
            seen.append(lines.get())
        assert "[slow] second\n" in seen
    finally:
        (project / "go").touch()
        stop(proc)


def test_stream_prints_every_line_of_a_fast_talker(project, cli):
    workflow(project, [{"id": "talker", "job_type": "python",
                        "command": "import sys\nfor i in range(60000):\n"
                                   "    sys.stdout.write('line %06d %s\\n' % (i, 'y' * 40))\n"}])
    result = cli("--no-live", "--stream")
    assert result.exit == 0
    streamed = [line for line in result.stdout.splitlines() if line.startswith("[talker] line ")]
    assert len(streamed) == 60000
    assert streamed[-1].startswith("[talker] line 059999 ")


def test_quiet_prints_only_failures_and_the_final_line(project, cli):
    workflow(project, JOBS)
    result = cli("--no-live", "-k", "-q")
    assert result.exit == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert "FAILED" in lines[0] and "gamma" in lines[0]
    assert lines[1].startswith("it: failed in ") and "2 completed, 1 failed" in lines[1]
    assert "alpha" not in result.stdout and "START" not in result.stdout
    assert result.stderr.splitlines()[0] == "Error: Job 'gamma' failed with exit code 7"


def test_quiet_success_is_one_line(project, cli):
    workflow(project, JOBS[:2])
    result = cli("--no-live", "-q")
    assert result.exit == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("it: completed in ") and lines[0].endswith("(2 completed)")


def test_summary_table_lists_every_job(project, cli):
    workflow(project, JOBS)
    result = cli("--no-live", "-k")
    table = result.stdout[result.stdout.index("Job "):]
    header = table.splitlines()[0].split()
    assert header == ["Job", "Status", "Attempts", "Duration", "Peak", "memory"]
    for job, status in (("alpha", "completed"), ("beta", "completed"), ("gamma", "failed")):
        row = next(line for line in table.splitlines() if line.startswith(job + " "))
        assert row.split()[1] == status


def test_stream_prints_nothing_for_a_job_that_did_not_run(project, cli):
    workflow(project, [{"id": "gate", "command": "test ! -f fail"},
                       {"id": "after", "command": "echo output of an earlier run", "dependencies": ["gate"]}])
    assert cli("--no-live", "-q").exit == 0  # `after` runs and leaves its log
    (project / "fail").touch()

    result = cli("--no-live", "--stream")

    assert result.exit == 1
    assert "SKIPPED    after" in result.stdout
    assert "[after]" not in result.stdout


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_running_jobs_start_line_is_out_before_it_ends(project, unbuffered):
    """jobrun queues its status lines and writes them once a turn of its loop,
    before it waits: a long job's START line is on stdout while it runs,
    whether or not PYTHONUNBUFFERED is set; the job waits for a file the
    test creates only after seeing that line."""
    workflow(project, [{"id": "long", "command": "while [ ! -f go ]; do sleep 0.05; done"}])
    proc = jobrun_process(["--no-live"], project, env={"PYTHONUNBUFFERED": unbuffered})  # "": not set
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    try:
        seen = []
        while not any("START" in line for line in seen):
            seen.append(lines.get(timeout=15))
        assert proc.poll() is None  # still running
        (project / "go").touch()
        assert proc.wait(timeout=15) == 0
    finally:
        (project / "go").touch()
        stop(proc)
