"""The status stream and summary a person reads.

One line per event on stdout (`--live` will add a redrawn footer on
terminals). A failed job's error and the tail of its output go to stderr
with the path of its full log. `-v` shows every job's output when it ends,
`--stream` interleaves output lines live, prefixed `[job]`; `-q` keeps only
failures and the final line. Colour is a choice made by the caller.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, TextIO

from runner.events import Event
from runner.units import fmt_number

TAIL_LINES = 20
LONG_LINE = 64 * 1024  # bytes: a longer line is shown in pieces
SUMMARY_ALL = 50  # a run of at most this many jobs lists them all in its summary
SLOWEST_SHOWN = 10  # beyond that, the summary keeps the slowest completed jobs
PENDING_MAX = 64 * 1024  # characters of stdout held back at most (see Console.write)

# Semantic styles -> ANSI SGR codes (colorama's constants, spelled out).
STYLES = {
    "ok": "\x1b[32m", "failed": "\x1b[1;31m", "skipped": "\x1b[33m", "cancelled": "\x1b[35m",
    "retry": "\x1b[33m", "start": "\x1b[2m", "dim": "\x1b[2m", "title": "\x1b[1m", "job": "\x1b[36m",
}
RESET = "\x1b[0m"
LABELS = {
    "job_completed": ("OK", "ok"), "job_failed": ("FAILED", "failed"), "job_skipped": ("SKIPPED", "skipped"),
    "job_cancelled": ("CANCELLED", "cancelled"), "job_up_to_date": ("UP-TO-DATE", "ok"),
}


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def read_tail(path: Any, lines: int) -> list[str]:
    """The last `lines` lines of a file, reading only its last 64 KiB."""
    try:
        with open(path, "rb") as f:
            start = max(0, f.seek(0, os.SEEK_END) - 64 * 1024)
            f.seek(start)
            data = f.read()
    except OSError:
        return []
    found = data.decode("utf-8", "replace").rstrip("\n").splitlines()
    if start > 0:
        found = found[1:]  # the first line read is probably cut short
    return found[-lines:]


def iter_lines(path: Any, chunk: int = 1 << 20) -> Iterator[str]:
    """Every line of a file, read a chunk at a time so that memory stays
    bounded whatever its size; a line longer than LONG_LINE comes in pieces."""
    try:
        with open(path, "rb") as f:
            partial = b""
            while data := f.read(chunk):
                *complete, partial = (partial + data).split(b"\n")
                for raw in complete:
                    for start in range(0, len(raw) or 1, LONG_LINE):
                        yield raw[start:start + LONG_LINE].decode("utf-8", "replace")
                while len(partial) > LONG_LINE:
                    yield partial[:LONG_LINE].decode("utf-8", "replace")
                    partial = partial[LONG_LINE:]
            if partial:
                yield partial.decode("utf-8", "replace")
    except OSError:
        return


def simple_table(rows: list[list[str]], headers: list[str]) -> str:
    """`rows` under `headers` as tabulate's "simple" format lays them out (its
    output, byte for byte, for cells of plain ASCII text, which the summary's
    are): left-aligned columns two spaces apart, each at least two wider than
    its header, a dashed rule under the header. Written out because importing
    tabulate costs every run ~10 ms, as much as scheduling fifty jobs."""
    if not all(text.isascii() for row in [headers, *rows] for text in row):
        from tabulate import tabulate

        return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    rows = [[text.strip() for text in row] for row in rows]
    widths = [max([len(header) + 2, *(len(row[i]) for row in rows)]) for i, header in enumerate(headers)]

    def line(texts: list[str]) -> str:
        return "  ".join(text.ljust(width) for text, width in zip(texts, widths)).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *map(line, rows)])


class Console:
    """The plain status stream, then a summary table."""

    def __init__(self, out: TextIO, err: TextIO, *, color: bool = False, err_color: bool | None = None,
                 verbose: bool = False, quiet: bool = False, stream: bool = False) -> None:
        self.out = out
        self.err = err
        self.color = color  # on stdout; stderr decides for itself (`err_color`)
        self.err_color = color if err_color is None else err_color
        self.verbose = verbose
        self.quiet = quiet
        self.stream = stream
        self.ended = 0
        self.total = 0
        self.records: list[Any] = []
        self.by_id: dict[str, Any] = {}
        self.width = 0
        self._names: dict[str, str] = {}  # job id -> its painted, padded name
        self._blank = ""  # spaces as wide as the counter
        self._labels: dict[str, str] = {}  # event type -> its label, painted and padded
        self._pending: list[str] = []  # stdout text not written yet (see `write`)
        self._pending_size = 0
        self._offsets: dict[str, int] = {}
        self._partial: dict[str, bytes] = {}
        self.tick_interval = 0.05 if stream else 0.5  # --stream: output shows within 50 ms

    def paint(self, style: str, text: str, err: bool = False) -> str:
        """`text` in `style`, when the stream it goes to (stderr if `err`) has colour."""
        return f"{STYLES[style]}{text}{RESET}" if (self.err_color if err else self.color) and text else text

    # ------------------------------------------------------------ events

    def start(self, run: Any) -> None:
        self.records = run.records
        self.by_id = {r.job.id: r for r in self.records}
        self.total = len(self.records)
        self.width = max((len(r.job.id) for r in self.records), default=0)
        self._names = {r.job.id: self.paint("job", f"{r.job.id:<{self.width}}") for r in self.records}
        self._blank = " " * len(self.counter())
        self._labels = {kind: self.paint(style, f"{label:<10}") for kind, (label, style) in
                        {**LABELS, "job_started": ("START", "start"), "job_retrying": ("RETRY", "retry")}.items()}
        if not self.quiet:
            self.line(self.paint("title", f"{run.workflow.name}: {self.total} jobs, "
                                          f"up to {run.options.jobs or self.total} at a time"))

    def line(self, text: str, err: bool = False) -> None:
        """Write a line: stdout's are queued and written together each tick
        (see `write`); stderr's at once, after what stdout has queued, so
        that a shared terminal shows them in order."""
        if err:
            self.flush()
            self.err.write(text + "\n")
            self.err.flush()
        else:
            self.write(text + "\n")

    def write(self, text: str) -> None:
        """Queue `text` for stdout. The queue is written in one go each tick
        (or once it holds PENDING_MAX characters): a run of short jobs prints
        two lines per job, and with PYTHONUNBUFFERED set (as many CI images
        do) each write to sys.stdout would otherwise be a system call."""
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size > PENDING_MAX:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.out.write("".join(self._pending))
            self._pending.clear()
            self._pending_size = 0
        self.out.flush()

    def event(self, event: Event) -> None:
        record = self.by_id[event.job_id]
        name = self._names[event.job_id]
        data = event.data
        if event.type == "job_started":
            if self.stream:
                self._offsets[event.job_id] = self._offsets.get(event.job_id, 0) if data["attempt"] > 1 else 0
            if not self.quiet:
                attempt = f"  (attempt {data['attempt']})" if data["attempt"] > 1 else ""
                self.write(f"{self._blank} {self._labels['job_started']} {name}{attempt}".rstrip() + "\n")
            return
        if event.type == "job_retrying":
            if self.stream:
                self._drain(record)
            if not self.quiet:
                self.line(f"{self._blank} {self._labels['job_retrying']} {name}  "
                          f"attempt {data['attempt']} failed: {data.get('error')}; "
                          f"retrying in {fmt_number(data['delay'])}s")
            return
        self.ended += 1
        detail = self.detail(event, record)
        if self.stream:
            self._drain(record, final=True)
        if not self.quiet or event.type == "job_failed":
            self.write(f"{self.counter()} {self._labels[event.type]} {name}  {detail}".rstrip() + "\n")
        if event.type == "job_failed":
            self.failure(record, data.get("error") or "")
        elif self.verbose and event.type == "job_completed" and not self.stream:
            self.output_block(record)

    def counter(self) -> str:
        return f"[{self.ended:>{len(str(self.total))}}/{self.total}]"

    def detail(self, event: Event, record: Any) -> str:
        data = event.data
        if event.type in ("job_skipped", "job_cancelled"):
            return data.get("reason", "")
        parts = [seconds(data.get("duration"))]
        if data.get("attempts", 1) > 1:
            parts.append(f"{data['attempts']} attempts")
        if event.type == "job_failed" and data.get("exit_code") not in (None, 0):
            parts.append(f"exit code {data['exit_code']}")
        return "  ".join(parts)

    def failure(self, record: Any, error: str) -> None:
        """A failed job's error, its output tail and log path, on stderr."""
        self.line(f"{self.paint('failed', 'Error', err=True)}: {error}", err=True)
        if not self.stream:
            self.output_block(record, err=True, tail=not self.verbose)
        self.line(f"  = log: {record.log_path}", err=True)

    def output_block(self, record: Any, err: bool = False, tail: bool = False) -> None:
        """The job's output under a title: its last lines, or (`-v`) all of it,
        streamed from the log."""
        if tail:
            lines: Any = read_tail(record.log_path, TAIL_LINES)
            title = f"last {len(lines)} lines of output"
        else:
            lines, title = iter_lines(record.log_path), "output"
        bar = self.paint("dim", "|", err)
        for number, text in enumerate(lines):
            if number == 0:
                self.line(self.paint("dim", f"  --- {record.job.id}: {title} ---", err), err=err)
            self.line(f"  {bar} {text}", err=err)

    # ------------------------------------------------------------ --stream

    def tick(self) -> None:
        if self.stream:
            for record in self.records:
                if record.running and record.log_ready:
                    self._drain(record)
        self.flush()

    def _drain(self, record: Any, final: bool = False) -> None:
        """Print the complete lines a job's log gained since the last drain
        (and, when the job has ended, its last line even without a newline)."""
        if not record.log_ready:
            return  # its log is not this run's yet
        job_id = record.job.id
        prefix = self.paint("job", f"[{job_id}]")
        try:
            with open(record.log_path, "rb") as f:
                f.seek(self._offsets.get(job_id, 0))
                while data := f.read(1 << 20):
                    self._offsets[job_id] = f.tell()
                    lines = (self._partial.pop(job_id, b"") + data).split(b"\n")
                    if lines[-1]:
                        self._partial[job_id] = lines[-1]
                    for raw in lines[:-1]:
                        self.write(f"{prefix} {raw.decode('utf-8', 'replace')}\n")
        except OSError:
            return
        rest = self._partial.pop(job_id, b"") if final else b""
        if rest:
            self.write(f"{prefix} {rest.decode('utf-8', 'replace')}\n")

    # ------------------------------------------------------------ the end

    def finish(self, result: Any) -> None:
        if self.stream:
            for record in self.records:
                self._drain(record)
                rest = self._partial.pop(record.job.id, b"") if record.log_ready else b""
                if rest:
                    self.line(f"{self.paint('job', f'[{record.job.id}]')} {rest.decode('utf-8', 'replace')}")
        if not self.quiet:
            self.line("")
            self.line(self.summary_table(result))
        self.line(self.final_line(result))
        self.flush()

    def summary_table(self, result: Any) -> str:
        """Every job's row; for a run of more than SUMMARY_ALL jobs (unless
        -v), the jobs that did not complete, the SLOWEST_SHOWN slowest that
        did, and a row counting the rest (the results file has them all)."""
        records = result.records
        hidden = 0
        if len(records) > SUMMARY_ALL and not self.verbose:
            completed = [r for r in records if r.status == "completed"]
            slowest = set(map(id, sorted(completed, key=lambda r: r.duration or 0.0, reverse=True)[:SLOWEST_SHOWN]))
            hidden = len(completed) - len(slowest)
            records = [r for r in records if r.status != "completed" or id(r) in slowest]
        rows = []
        for record in records:
            memory = f"{round(record.peak_memory_mb)} MB" if record.attempts else "-"
            rows.append([record.job.id, record.status or "cancelled", str(record.attempts),
                         seconds(record.duration) if record.attempts else "-", memory])
        if hidden:
            rows.append([f"({hidden} more)", "completed", "", "", ""])
        return simple_table(rows, ["Job", "Status", "Attempts", "Duration", "Peak memory"])

    def final_line(self, result: Any) -> str:
        counts = result.counts()
        order = ("completed", "up_to_date", "failed", "skipped", "cancelled")
        parts = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in order if counts.get(k))
        status = result.status
        if result.signal is not None:
            import signal

            status = f"cancelled by {signal.Signals(result.signal).name}"
        style = {"completed": "ok", "failed": "failed"}.get(result.status, "cancelled")
        text = f"{result.workflow.name}: {status} in {result.duration:.2f}s ({parts or 'no jobs'})"
        return self.paint(style, text)
