"""What one attempt of a job gets to work with, and what it gives back.

A job type's `run(ctx)` is called in a worker thread with an
`AttemptContext`: the job, its environment and working directory, its log,
its limits, and `ctx.run(argv)`, which starts a process with every guarantee
(own session, timeout, memory limit, CPU throttling, cancellation, no
survivor). It returns an `Outcome`: failure is data, not an exception.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from runner import log
from runner.execute.process import Cancel, Child, Limits, ProcessResult, Supervision, Supervisor, supervise
from runner.ir import Job
from runner.units import fmt_number


@dataclass(slots=True)
class Outcome:
    """How one attempt ended. `error` is the one-line message users see;
    `exit_code` is None when jobrun stopped the process or there was none."""

    ok: bool
    error: str | None = None
    exit_code: int | None = None
    stopped: str | None = None  # "timeout", "memory" or "cancelled"
    http_status: int | None = None
    peak_memory_mb: float = 0.0
    cpu_seconds: float = 0.0


class AttemptContext:
    def __init__(
        self,
        job: Job,
        attempt: int,
        env: dict[str, str],
        cwd: Path,
        log_path: Path | str,
        supervisor: Supervisor,
        timeout: float | None,
        limits: Limits,
        cancel: Cancel,
        observe: Callable[[float, float], None] | None = None,
    ) -> None:
        self.job = job
        self.attempt = attempt
        self.env = env
        self.cwd = cwd
        self.log_file = str(log_path)
        self.supervisor = supervisor
        self.timeout = timeout
        self.limits = limits
        self.cancel = cancel
        self.observe = observe
        self.token = env.get("JOBRUN_TOKEN", "")
        self.peak_memory_mb = 0.0
        self.cpu_seconds = 0.0
        self._log_fd: int | None = None
        # `env` encoded, when the caller has it so already (the run loop
        # encodes each job's environment once, not once per process).
        self.spawn_env: dict[bytes, bytes] | None = None

    # ------------------------------------------------------------ state

    @property
    def log_path(self) -> Path:
        """The job's log file (every process of the attempt writes to it)."""
        return Path(self.log_file)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def remaining(self) -> float | None:
        """Seconds left before the timeout, or None without one."""
        if self.limits.deadline is None:
            return None
        return max(0.0, self.limits.deadline - time.monotonic())

    def start_log(self) -> None:
        """Open the log for this attempt: afresh for the first, with a
        `--- attempt N ---` line for a retry. `end_log` closes it."""
        self._log_fd = self._open_log()
        if self.attempt == 1:
            try:  # O_TRUNC would cost a journal write even on an empty file
                if os.lseek(self._log_fd, 0, os.SEEK_END):
                    os.ftruncate(self._log_fd, 0)
            except OSError:  # not a regular file (a log made a link to a pipe or a terminal): nothing to empty
                pass
        else:
            self.log(f"\n--- attempt {self.attempt} ---\n")

    def _open_log(self) -> int:
        try:
            return os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except FileNotFoundError:  # a job removed the log directory: make it again
            os.makedirs(os.path.dirname(self.log_file), exist_ok=True)
            return os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def end_log(self) -> None:
        if self._log_fd is not None:
            os.close(self._log_fd)
            self._log_fd = None

    def log(self, text: str) -> None:
        """Append `text` to the job's log."""
        if self._log_fd is None:
            with open(self.log_file, "a", encoding="utf-8", errors="replace") as f:
                f.write(text)
        else:
            os.write(self._log_fd, text.encode("utf-8", "replace"))

    # ------------------------------------------------------------ processes

    def run(self, argv: Sequence[str]) -> ProcessResult:
        """Run `argv` as part of this job: own session, output to the log,
        the job's limits enforced over the whole tree. Blocks until it ends."""
        started = self.start(argv)
        if isinstance(started, ProcessResult):
            return started
        return self.ended(supervise(started), started.child.pid)

    def start(self, argv: Sequence[str]) -> Supervision | ProcessResult:
        """Start `argv` as part of this job (see `run`), without waiting: its
        `Supervision`, or the result when it did not start at all."""
        if self.cancel.flag:
            return ProcessResult(None, "cancelled")
        if self.limits.deadline is not None and time.monotonic() >= self.limits.deadline:
            return ProcessResult(None, "timeout")
        own = self._log_fd is None
        output = self._open_log() if own else self._log_fd
        if log.enabled():
            log.debug("%s (attempt %d): starting %s in %s", self.job.id, self.attempt, list(argv), self.cwd)
        try:
            try:
                child: Child = self.supervisor.spawn(argv, self.env, str(self.cwd), output, self.spawn_env)
            except OSError as exc:
                failure = self._spawn_failure(argv[0], exc)
                os.write(output, f"jobrun: {failure.spawn_error}\n".encode("utf-8", "replace"))
                return failure
        finally:
            if own:
                os.close(output)
        return Supervision(self.supervisor, child, self.token, self.limits, self.cancel, self.observe)

    def ended(self, result: ProcessResult, pid: int) -> ProcessResult:
        """Account for process `pid` of this job, which ended with `result`."""
        if log.enabled():
            log.debug("%s: pid %d ended: exit code %s%s, peak %.0f MB, %.3f CPU s", self.job.id, pid, result.exit_code,
                      f", stopped ({result.stopped})" if result.stopped else "", result.peak_memory_mb,
                      result.cpu_seconds)
        self.peak_memory_mb = max(self.peak_memory_mb, result.peak_memory_mb)
        self.cpu_seconds += result.cpu_seconds
        return result

    def _spawn_failure(self, program: str, exc: OSError) -> ProcessResult:
        """What a shell would say (and exit with) when `program` cannot start."""
        if isinstance(exc, FileNotFoundError):
            if not self.cwd.is_dir():
                return ProcessResult(None, spawn_error=f"working directory does not exist: {self.cwd}")
            return ProcessResult(127, spawn_error=f"command not found: {program}")
        if isinstance(exc, PermissionError):
            return ProcessResult(126, spawn_error=f"permission denied: {program}")
        return ProcessResult(None, spawn_error=f"cannot start {program}: {exc.strerror}")

    def outcome(self, result: ProcessResult) -> Outcome:
        """The attempt's outcome when `result` is its last process."""
        code = result.exit_code
        if code == 0 and result.stopped is None and not result.spawn_error:  # the common case, first
            return Outcome(True, exit_code=0, peak_memory_mb=self.peak_memory_mb, cpu_seconds=self.cpu_seconds)
        usage = {"peak_memory_mb": self.peak_memory_mb, "cpu_seconds": self.cpu_seconds}
        job_id = self.job.id
        if result.stopped == "timeout":
            return Outcome(False, f"Job timed out after {fmt_number(self.timeout or 0)} seconds",
                           stopped="timeout", **usage)
        if result.stopped == "memory":
            limit = self.limits.max_memory_mb or 0
            return Outcome(False, f"Job exceeded memory limit: {round(result.memory_mb)} MB > {round(limit)} MB",
                           stopped="memory", **usage)
        if result.stopped == "cancelled":
            return Outcome(False, f"Job '{job_id}' was cancelled", stopped="cancelled", **usage)
        if result.spawn_error:
            if result.exit_code is not None:
                return Outcome(False, f"Job '{job_id}' failed with exit code {result.exit_code} ({result.spawn_error})",
                               exit_code=result.exit_code, **usage)
            return Outcome(False, f"Job '{job_id}' failed: {result.spawn_error}", **usage)
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else f"signal {-code}"
            return Outcome(False, f"Job '{job_id}' was killed by {name}", exit_code=128 - code, **usage)
        return Outcome(False, f"Job '{job_id}' failed with exit code {code}", exit_code=code, **usage)

    def fail(self, message: str) -> Outcome:
        return Outcome(False, message, peak_memory_mb=self.peak_memory_mb, cpu_seconds=self.cpu_seconds)


def python_argv(code: str, args: Sequence[str], scratch: Path) -> list[str]:
    """A fresh interpreter running `code`; code too long for one argument
    (Linux caps each at 128 KiB) is written to `scratch` first."""
    import sys

    if len(code.encode("utf-8")) < 100_000:
        return [sys.executable, "-c", code, *args]
    scratch.write_text(code, encoding="utf-8")
    return [sys.executable, str(scratch), *args]


def is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
