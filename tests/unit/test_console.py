"""The status stream's own mechanics: the summary table laid out as tabulate
would, and stdout queued until a tick (stderr still in order after it)."""

from __future__ import annotations

import io
import random
import string
from types import SimpleNamespace

from tabulate import tabulate

from runner.events import Event
from runner.report.console import PENDING_MAX, Console, simple_table

HEADERS = ["Job", "Status", "Attempts", "Duration", "Peak memory"]


def test_simple_table_is_tabulates_simple_format_byte_for_byte():
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "._- ()"
    for _ in range(2000):
        rows = [["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in HEADERS]
                for _ in range(rng.randint(0, 6))]
        assert simple_table(rows, HEADERS) == tabulate(rows, headers=HEADERS, tablefmt="simple",
                                                       disable_numparse=True), rows


def test_simple_table_leaves_wide_text_to_tabulate():
    rows = [["ジョブ", "completed", "1", "0.10s", "3 MB"]]
    assert simple_table(rows, HEADERS) == tabulate(rows, headers=HEADERS, tablefmt="simple", disable_numparse=True)


def started_console(out: io.StringIO, err: io.StringIO) -> Console:
    console = Console(out, err)
    records = [SimpleNamespace(job=SimpleNamespace(id=name), log_path="x.log") for name in ("a", "b")]
    console.start(SimpleNamespace(records=records, workflow=SimpleNamespace(name="wf"),
                                  options=SimpleNamespace(jobs=2)))
    return console


def test_stdout_is_written_at_the_tick_and_before_anything_on_stderr():
    out, err = io.StringIO(), io.StringIO()
    console = started_console(out, err)
    console.event(Event("job_started", "a", 0.0, {"attempt": 1}))
    assert out.getvalue() == ""  # queued, not written yet
    console.tick()
    assert out.getvalue() == "wf: 2 jobs, up to 2 at a time\n      START      a\n"
    console.event(Event("job_started", "b", 0.0, {"attempt": 1}))
    console.line("on stderr", err=True)
    assert out.getvalue().endswith("START      b\n") and err.getvalue() == "on stderr\n"


def test_a_long_queue_is_written_without_waiting_for_the_tick():
    out, err = io.StringIO(), io.StringIO()
    console = started_console(out, err)
    console.tick()
    line = "x" * 1000
    for _ in range(PENDING_MAX // len(line) + 1):
        console.line(line)
    assert len(out.getvalue()) > PENDING_MAX  # memory stays bounded however much a run prints


def test_live_footer_is_cleared_before_streamed_lines(tmp_path):
    """With --live and --stream a tick prints the running jobs' new lines: the
    footer is erased first and drawn again below them."""
    from runner.report.live import CLEAR_BELOW, LiveConsole

    log = tmp_path / "talk.log"
    record = SimpleNamespace(job=SimpleNamespace(id="talk"), log_path=log, log_ready=True, running=True,
                             status=None, attempts=1, attempt_started=1.0, started_at=1.0,
                             live_cpu_percent=0.0, live_rss_mb=0.0)
    out = io.StringIO()
    live = LiveConsole(Console(out, io.StringIO(), stream=True))
    live.start(SimpleNamespace(records=[record], workflow=SimpleNamespace(name="wf"), options=SimpleNamespace(jobs=1)))
    drawn = out.getvalue()
    log.write_text("hello\n")
    live.tick()
    after = out.getvalue()[len(drawn):]
    assert after.startswith("\x1b[2F" + CLEAR_BELOW + "[talk] hello\n"), after
    assert "1 running" in after.split("[talk] hello\n", 1)[1]  # the footer again, below
