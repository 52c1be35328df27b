"""The run loop: start ready jobs, retry failed attempts after their backoff,
react to signals, report every event.

Only the loop's thread touches the `Schedule`, the job records and the
reporters. A job whose type is only processes (a command, script or python
job: its kind has a recipe) runs from the loop itself, as make runs a
recipe: the loop starts each process, waits for all of them at once on
their pidfds and enforces their limits on timers, so a short job costs a
spawn and a wake-up, not a thread hand-off. Other job types (HTTP, custom)
run one attempt each on a pool of worker threads (`kind.run(ctx)`), which
post the outcome to a queue; stopping a process tree (it blocks for a grace
period) is handed to a worker too. Workers and signal handlers post to the
queue and write a byte to a wake-up pipe the loop polls with the pidfds, so
the loop never races anything and needs no locks.
"""

from __future__ import annotations

import heapq
import os
import queue
import select
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from runner import kinds, log
from runner.events import CANCELLED, COMPLETED, FAILED, SKIPPED, Event, QuietReporter
from runner.execute.context import AttemptContext, Outcome
from runner.execute.environ import current_branch, inherited_environment, job_environment, working_directory
from runner.execute.process import Cancel, Limits, ProcessResult, Supervision, Supervisor, supervise
from runner.ir import Job, RetryConfig, Workflow
from runner.kinds.builtin import BUILTIN_KINDS
from runner.plan import Plan, Schedule
from runner.units import fmt_number

EXIT_BY_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}


@dataclass
class JobRecord:
    """What happened to one selected job (kept up to date during the run)."""

    job: Job
    log_file: str  # the job's log (as text: a run opens thousands; see log_path)
    status: str | None = None
    attempts: int = 0
    exit_code: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    reason: str | None = None
    peak_memory_mb: float = 0.0
    cpu_seconds: float = 0.0
    http_status: int | None = None
    attempt_started: float | None = None  # wall time of the current attempt
    running: bool = False
    log_ready: bool = False  # this run has started the job's log (a worker sets it)
    live_rss_mb: float = 0.0  # the running attempt's latest sample (for the live view)
    live_cpu_percent: float = 0.0

    @property
    def log_path(self) -> Path:
        return Path(self.log_file)

    def observe(self, rss_mb: float, cpu_percent: float) -> None:
        """The running attempt's latest sample of its tree (a worker may post
        it: plain attribute writes, read by the live view only)."""
        self.live_rss_mb = rss_mb
        self.live_cpu_percent = cpu_percent

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


@dataclass
class RunResult:
    """A finished run: every selected job's record, the events, how it ended."""

    workflow: Workflow
    plan: Plan
    records: list[JobRecord]
    events: list[Event]
    started_at: float
    finished_at: float
    signal: int | None = None

    @property
    def duration(self) -> float:
        return self.finished_at - self.started_at

    @property
    def status(self) -> str:
        if self.signal is not None:
            return CANCELLED
        for record in self.records:
            if record.status == FAILED:
                return FAILED
        return COMPLETED

    @property
    def exit_code(self) -> int:
        if self.signal is not None:
            return EXIT_BY_SIGNAL.get(self.signal, 128 + self.signal)
        return 1 if self.status == FAILED else 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for record in self.records:
            out[record.status or CANCELLED] = out.get(record.status or CANCELLED, 0) + 1
        return out


@dataclass
class RunOptions:
    """How the executor runs a plan."""

    jobs: int = 4  # workers; 0 means one per job
    keep_going: bool = False
    memory_budget_mb: float | None = None
    tick: float = 0.5  # seconds between reporter ticks when nothing happens
    exclusive: bool = False  # every child process of jobrun is a job's (the CLI, not the API)


@dataclass(repr=False, eq=False)
class _Attempt:
    """One running attempt of a job."""

    index: int
    number: int
    cancel: Cancel
    started: float  # monotonic
    limits: Limits = field(default_factory=Limits)


@dataclass(slots=True, repr=False, eq=False)
class _Prepared:
    """What every attempt of a job shares (see Executor._prepare)."""

    env: dict[str, str]  # without the JOBRUN_ variables (shared by the jobs without an environment of their own)
    spawn_env: dict[bytes, bytes]  # the same, encoded once for posix_spawn
    cwd: Path
    timeout: float | None
    kind: Any  # its JobKind; None for an unknown type (a custom one gone)
    self_limiting: bool  # the kind keeps its deadline itself (else the loop does)
    builtin: bool  # a built-in kind (whose recipe does not change ctx.env)


@dataclass(slots=True, repr=False, eq=False)
class _RecipeRun:
    """An attempt the loop runs itself: its command lines, the one running."""

    attempt: _Attempt
    ctx: AttemptContext
    steps: list[list[str]]
    step: int = 0  # the next command line to start
    process: Supervision | None = None
    stopping: bool = False  # a worker is ending its tree


def _encoded(env: dict[str, str]) -> dict[bytes, bytes]:
    return {os.fsencode(name): os.fsencode(value) for name, value in env.items()}


def _overrides(reporter: Any, method: str) -> bool:
    """Whether `reporter` does anything on `method` (QuietReporter's do nothing)."""
    return getattr(getattr(reporter, method), "__func__", None) is not getattr(QuietReporter, method)


# The loop runs recipes itself where the kernel can say when a process ended.
DIRECT = hasattr(os, "pidfd_open") and hasattr(os, "posix_spawn") and hasattr(select, "poll")


class Executor:
    def __init__(
        self,
        workflow: Workflow,
        plan: Plan,
        options: RunOptions,
        reporters: Sequence[Any] = (),
        log_dir: Path | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.workflow = workflow
        self.plan = plan
        self.options = options
        self.reporters = list(reporters)
        # Only the reporters that do something with an event (or a tick) are
        # called for one: a run of short jobs emits thousands.
        self._listeners = [r.event for r in self.reporters if _overrides(r, "event")]
        self._tickers = [r.tick for r in self.reporters if _overrides(r, "tick")]
        self.log_dir = (log_dir or workflow.state_dir / "logs").resolve()
        self.environ = environ if environ is not None else inherited_environment()
        log_dir = str(self.log_dir)
        self.records = [JobRecord(job, f"{log_dir}/{job.id}.log") for job in plan.jobs]
        self.events: list[Event] = []
        self.schedule = Schedule(plan, options.keep_going)
        self.inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.attempts: dict[int, _Attempt] = {}  # running attempts by job
        self.recipes: dict[int, _RecipeRun] = {}  # the attempts the loop runs itself, by job
        self.waiting: dict[int, _RecipeRun] = {}  # their running processes, by pidfd
        self.poller = select.poll()
        self._wake = (-1, -1)  # the wake-up pipe (read end, write end), while running
        self.pool: Any = None  # the worker threads, started on first use
        self.retries: list[tuple[float, int, int]] = []  # (due, job, next attempt number)
        self.in_progress: set[int] = set()  # running or waiting to retry: they hold a slot
        self.signal: int | None = None
        self._branch: tuple[str | None] | None = None
        self._prepared: dict[int, _Prepared] = {}
        self._shared_env: tuple[dict[str, str], dict[bytes, bytes]] | None = None
        self._watched: dict[int, float] = {}  # deadlines the loop keeps (in-process work), by job

    # ------------------------------------------------------------ the loop

    def run(self) -> RunResult:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        started = time.time()
        log.debug("running %d jobs, %s workers, keep going: %s; critical path: %s", len(self.plan.jobs),
                  self.options.jobs or "unlimited", self.options.keep_going, " -> ".join(self.plan.critical_path_ids))
        for reporter in self.reporters:
            reporter.start(self)
        workers = self.options.jobs or max(1, len(self.plan.jobs))
        self._wake = os.pipe()
        os.set_blocking(self._wake[1], False)
        self.poller.register(self._wake[0], select.POLLIN)
        previous = self._install_signal_handlers()
        try:
            with Supervisor(self.options.exclusive) as self.supervisor:
                try:
                    self._report_decisions()
                    while self.schedule.unfinished:
                        self._start_ready(workers)
                        if self.schedule.decisions:
                            self._report_decisions()
                        if not self.schedule.unfinished:
                            break
                        for tick in self._tickers:  # before waiting: what this turn printed shows now
                            tick()
                        self._wait()
                        self._start_due_retries()
                except BaseException:
                    self._tick_quietly()  # what the run printed before it broke still shows
                    raise
                finally:
                    if self.pool is not None:
                        self.pool.shutdown(wait=True)
        finally:
            self._restore_signal_handlers(previous)
            for fd in self._wake:
                os.close(fd)
        result = RunResult(self.workflow, self.plan, self.records, self.events, started, time.time(), self.signal)
        for reporter in self.reporters:
            reporter.finish(result)
        return result

    def _tick_quietly(self) -> None:
        for tick in self._tickers:
            try:
                tick()
            except Exception as exc:  # noqa: BLE001 - the error being raised matters more
                log.debug("a reporter's tick failed while the run was ending: %r", exc)

    def _post(self, message: tuple[Any, ...]) -> None:
        """Hand the loop a message (from a worker or a signal handler) and wake it."""
        self.inbox.put(message)
        try:
            os.write(self._wake[1], b"!")
        except BlockingIOError:  # the pipe is full of wake-ups already
            pass

    def _submit(self, work: Any, *args: Any) -> None:
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(self.options.jobs or max(1, len(self.plan.jobs)), "jobrun")
        self.pool.submit(work, *args)

    def _wait(self) -> None:
        now = time.monotonic()
        timeout = self.options.tick
        if self.retries:
            timeout = min(timeout, self.retries[0][0] - now)
        due = min([run.process.due() for run in self.waiting.values()], default=now + timeout)  # type: ignore[union-attr]
        timeout = min(timeout, due - now)
        if self._watched:
            timeout = min(timeout, min(self._watched.values()) - now)
        ready = self.poller.poll(max(0.0, timeout) * 1000)
        if not ready:
            self.supervisor.reap_orphans()
        for fd, _ in ready:
            if fd == self._wake[0]:
                self._read_inbox()
            elif fd in self.waiting:
                self._process_ended(fd)
        if self.waiting and due <= time.monotonic():
            self._check_processes()
        if self._watched:
            self._expire_overdue()

    def _read_inbox(self) -> None:
        try:
            os.read(self._wake[0], 65536)
        except BlockingIOError:
            pass
        while True:
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                return
            self._handle(message)

    # A job type that does its work in-process (a custom function) cannot be
    # stopped from outside; for those the loop keeps the deadline itself: the
    # attempt times out on time, its worker is left to notice `ctx.cancelled`.

    def _expire_overdue(self) -> None:
        now = time.monotonic()
        for index, deadline in list(self._watched.items()):
            if now >= deadline:
                attempt = self.attempts[index]
                attempt.cancel.set()
                timeout = self._prepare(index).timeout or 0
                self._attempt_done(index, Outcome(False, f"Job timed out after {fmt_number(timeout)} seconds",
                                                  stopped="timeout"), time.time(), attempt)

    def _handle(self, message: tuple[Any, ...]) -> None:
        if message[0] == "signal":
            self._interrupt(message[1])
        elif message[0] == "stopped":
            _, run, result = message
            self._step_ended(run, result)
        elif message[0] == "done":
            _, index, outcome, finished, attempt = message
            if self.attempts.get(index) is attempt:  # not an attempt the loop already gave up on
                self._attempt_done(index, outcome, finished, attempt)

    # ------------------------------------------------------------ starting

    def _fits(self, index: int) -> bool:
        budget = self.options.memory_budget_mb
        need = self.plan.jobs[index].limits.max_memory_mb
        if budget is None or need is None:
            return True
        used = sum(self.plan.jobs[i].limits.max_memory_mb or 0 for i in self.in_progress)
        return used + need <= budget

    def _start_ready(self, workers: int) -> None:
        fits = self._fits if self.options.memory_budget_mb is not None else None
        while len(self.in_progress) < workers:
            index = self.schedule.pop(fits)
            if index is None:
                return
            job = self.plan.jobs[index]
            pattern = job.conditions.only_if_branch
            if pattern is not None:
                branch = self._current_branch()
                if branch is None or not fnmatchcase(branch, pattern):
                    shown = f"branch '{branch}'" if branch is not None else "the branch is unknown"
                    self.schedule.skip(index, f"only_if_branch '{pattern}': {shown}")
                    self._report_decisions()
                    continue
            self.in_progress.add(index)
            self._launch(index, 1)

    def _current_branch(self) -> str | None:
        if self._branch is None:
            self._branch = (current_branch(self.workflow.path.resolve().parent, self.environ),)
            log.debug("current branch: %s", self._branch[0] or "unknown")
        return self._branch[0]

    def _prepare(self, index: int) -> _Prepared:
        """What every attempt of job `index` shares, worked out once."""
        prepared = self._prepared.get(index)
        if prepared is None:
            job = self.plan.jobs[index]
            if job.environment:
                env = job_environment(job, self.workflow.environment, self.environ)
                spawn_env = _encoded(env)
            else:  # the environment every job without its own shares, made (and encoded) once
                if self._shared_env is None:
                    shared = job_environment(job, self.workflow.environment, self.environ)
                    self._shared_env = (shared, _encoded(shared))
                env, spawn_env = self._shared_env
            limits = [t for t in (job.timeout, job.limits.max_execution_time, self.workflow.config.timeout) if t]
            kind = kinds.get(job.job_type)
            cwd = working_directory(job, {**env, "JOBRUN_JOB_ID": job.id} if job.working_directory else env)
            prepared = self._prepared[index] = _Prepared(env, spawn_env, cwd,
                                                         min(limits) if limits else None, kind,
                                                         kind is None or kind.enforces_limits, kind in BUILTIN_KINDS)
        return prepared

    def _launch(self, index: int, number: int) -> None:
        job = self.plan.jobs[index]
        record = self.records[index]
        prepared = self._prepare(index)
        now = time.time()
        if number == 1:
            record.started_at = now
        record.attempts = number
        record.attempt_started = now
        record.running = True
        timeout = prepared.timeout
        started = time.monotonic()
        deadline = started + timeout if timeout else None
        attempt = _Attempt(index, number, Cancel(), started, Limits(deadline, job.limits.max_memory_mb,
                                                                     job.limits.max_cpu_percent))
        self.attempts[index] = attempt
        if deadline is not None and not prepared.self_limiting:
            self._watched[index] = deadline
        token = self.supervisor.token()
        env = prepared.env.copy()
        env["JOBRUN_JOB_ID"] = job.id
        env["JOBRUN_ATTEMPT"] = str(number)
        env["JOBRUN_TOKEN"] = token
        ctx = AttemptContext(job, number, env, prepared.cwd, record.log_file, self.supervisor,
                             timeout, attempt.limits, attempt.cancel, observe=record.observe)
        self._emit("job_started", job.id, attempt=number)
        kind = prepared.kind
        try:
            steps = kind.recipe(ctx) if DIRECT else None  # type: ignore[union-attr]
        except Exception as exc:  # noqa: BLE001 - a job type's bug must not stop the run
            steps = self._kind_failed(ctx, exc)
        if steps is None:
            self._submit(self._work, index, ctx, attempt)
            return
        if prepared.builtin:  # its recipe leaves ctx.env alone: the encoded copy stays right
            ctx.spawn_env = prepared.spawn_env.copy()
            ctx.spawn_env[b"JOBRUN_JOB_ID"] = os.fsencode(job.id)
            ctx.spawn_env[b"JOBRUN_ATTEMPT"] = str(number).encode()
            ctx.spawn_env[b"JOBRUN_TOKEN"] = token.encode()
        ctx.start_log()
        record.log_ready = True
        if isinstance(steps, Outcome) or not steps:
            ctx.end_log()
            self._attempt_done(index, steps if isinstance(steps, Outcome) else Outcome(True), time.time(), attempt)
            return
        run = _RecipeRun(attempt, ctx, steps)
        self.recipes[index] = run
        self._next_step(run)

    # ------------------------------------------------------------ recipes

    def _next_step(self, run: _RecipeRun) -> None:
        """Start the recipe's next command line."""
        started = run.ctx.start(run.steps[run.step])
        run.step += 1
        if isinstance(started, ProcessResult):  # it could not start
            self._step_ended(run, started)
        elif started.pidfd is None:  # no pidfd after all (out of descriptors): a worker waits
            run.process = started
            self._submit(self._supervise, run, started)
        else:
            run.process = started
            self.waiting[started.pidfd] = run
            self.poller.register(started.pidfd, select.POLLIN)

    def _supervise(self, run: _RecipeRun, process: Supervision) -> None:
        """A worker: wait for one of a recipe's processes."""
        self._in_worker(run, lambda: supervise(process), None)

    def _in_worker(self, run: _RecipeRun, wait: Any, reason: str | None) -> None:
        """A worker: wait for a recipe's process (`wait()`), then hand the loop
        its result, whatever happens."""
        try:
            result = wait()
        except Exception as exc:  # noqa: BLE001 - the attempt must end even so
            log.debug("%s: waiting for its process failed: %r", run.ctx.job.id, exc)
            result = ProcessResult(None, reason, spawn_error=None if reason else f"lost its process: {exc}")
        self._post(("stopped", run, result))

    def _process_ended(self, fd: int) -> None:
        run = self.waiting.pop(fd)
        self.poller.unregister(fd)
        result = run.process.reaped()  # type: ignore[union-attr]
        if result is None:  # woken early: wait on
            self.waiting[fd] = run
            self.poller.register(fd, select.POLLIN)
            return
        self._step_ended(run, result)

    def _step_ended(self, run: _RecipeRun, result: ProcessResult) -> None:
        """One command line of a recipe ended: start the next, or end the attempt."""
        if run.process is not None:
            run.ctx.ended(result, run.process.child.pid)
            run.process = None
        if result.exit_code == 0 and run.step < len(run.steps):
            self._next_step(run)  # a cancelled attempt's next line does not start: ctx.start says so
            return
        run.ctx.end_log()
        index = run.attempt.index
        del self.recipes[index]
        self._attempt_done(index, run.ctx.outcome(result), time.time(), run.attempt)

    def _check_processes(self) -> None:
        """Sample the running processes that are due; stop the ones over a limit."""
        now = time.monotonic()
        for run in [r for r in self.waiting.values() if r.process.due() <= now]:  # type: ignore[union-attr]
            reason = run.process.check(now)  # type: ignore[union-attr]
            if reason is not None:
                self._stop(run, reason)

    def _stop(self, run: _RecipeRun, reason: str) -> None:
        """End a recipe's running process tree; a worker waits out the grace period."""
        process = run.process
        if run.stopping or process is None or process.pidfd is None:
            return
        run.stopping = True
        del self.waiting[process.pidfd]
        self.poller.unregister(process.pidfd)
        self._submit(self._in_worker, run, lambda: process.stop(reason), reason)

    def _work(self, index: int, ctx: AttemptContext, attempt: _Attempt) -> None:
        """A worker thread: one attempt, whatever happens."""
        try:
            ctx.start_log()
            self.records[index].log_ready = True
            outcome = kinds.get(ctx.job.job_type).run(ctx)  # type: ignore[union-attr]
        except Exception as exc:  # noqa: BLE001 - a job type's bug must not stop the run
            outcome = self._kind_failed(ctx, exc)
        finally:
            ctx.end_log()
        self._post(("done", index, outcome, time.time(), attempt))

    @staticmethod
    def _kind_failed(ctx: AttemptContext, exc: Exception) -> Outcome:
        return ctx.fail(f"Job '{ctx.job.id}' failed: job type '{ctx.job.job_type}' raised "
                        f"{type(exc).__name__}: {exc}")

    # ------------------------------------------------------------ ending

    def _max_attempts(self, job: Job) -> int:
        if job.retry is not None and job.retry.max_attempts is not None:
            return job.retry.max_attempts
        if self.workflow.config.max_retries is not None:
            return 1 + self.workflow.config.max_retries
        return 1

    def _attempt_done(self, index: int, outcome: Outcome, finished: float, attempt: _Attempt) -> None:
        del self.attempts[index]
        self._watched.pop(index, None)
        job = self.plan.jobs[index]
        record = self.records[index]
        record.running = False
        record.live_rss_mb = record.live_cpu_percent = 0.0
        record.peak_memory_mb = max(record.peak_memory_mb, outcome.peak_memory_mb)
        record.cpu_seconds += outcome.cpu_seconds
        record.exit_code = outcome.exit_code
        record.http_status = outcome.http_status
        record.error = outcome.error
        duration = finished - (record.attempt_started or finished)
        if outcome.ok:
            self._end(index, COMPLETED, finished)
            self._emit("job_completed", job.id, attempt=attempt.number, attempts=attempt.number,
                       exit_code=outcome.exit_code, duration=round(finished - (record.started_at or finished), 3))
        elif outcome.stopped == "cancelled":
            record.reason = "interrupted"
            self._end(index, CANCELLED, finished)
            self._emit("job_cancelled", job.id, attempt=attempt.number, reason="interrupted", error=record.error)
        elif attempt.number < self._max_attempts(job) and self.signal is None:
            delay = (job.retry or RetryConfig()).delay(attempt.number)
            heapq.heappush(self.retries, (time.monotonic() + delay, index, attempt.number + 1))
            log.debug("%s: attempt %d failed (%s); retry %d in %.3fs", job.id, attempt.number, outcome.error,
                      attempt.number, delay)
            self._emit("job_retrying", job.id, attempt=attempt.number, delay=round(delay, 3),
                       error=outcome.error, exit_code=outcome.exit_code, duration=round(duration, 3))
            return
        else:
            self._end(index, FAILED, finished)
            self._emit("job_failed", job.id, attempt=attempt.number, attempts=attempt.number, error=outcome.error,
                       exit_code=outcome.exit_code, duration=round(finished - (record.started_at or finished), 3))
        if self.schedule.decisions:
            self._report_decisions()

    def _end(self, index: int, status: str, finished: float) -> None:
        record = self.records[index]
        record.status = status
        record.finished_at = finished
        self.in_progress.discard(index)
        self.schedule.finish(index, status)

    def _start_due_retries(self) -> None:
        now = time.monotonic()
        while self.retries and self.retries[0][0] <= now:
            _, index, number = heapq.heappop(self.retries)
            self._launch(index, number)

    def _report_decisions(self) -> None:
        """Report what the schedule decided on its own: skips and cancels."""
        if not self.schedule.decisions:
            return
        decisions, self.schedule.decisions = self.schedule.decisions, []
        now = time.time()
        for index, status, reason in decisions:
            record = self.records[index]
            if record.status is not None:  # ended by the loop itself, already reported
                continue
            record.status = status
            record.reason = reason
            record.finished_at = now
            kind = "job_skipped" if status == SKIPPED else "job_cancelled"
            self._emit(kind, record.job.id, reason=reason)

    # ------------------------------------------------------------ signals

    def _install_signal_handlers(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda s, _f: self._post(("signal", s)))
        return previous

    @staticmethod
    def _restore_signal_handlers(previous: dict[int, Any]) -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _interrupt(self, signum: int) -> None:
        """First signal: stop starting jobs (but run_if: always ones), cancel
        running ones and pending retries. Second: cancel everything, now."""
        second = self.signal is not None
        log.debug("signal %d (%s): cancelling %s", signum, "second" if second else "first",
                  "everything" if second else "all but run_if: always jobs")
        if self.signal is None:
            self.signal = signum
        self.schedule.interrupt()
        if second:
            self.schedule.interrupt()
        for _, index, _ in self.retries:
            record = self.records[index]
            record.error = f"Job '{record.job.id}' was cancelled before retrying"
            record.reason = "interrupted"
            self._end(index, CANCELLED, time.time())
            self._emit("job_cancelled", record.job.id, reason="interrupted", error=record.error)
        self.retries.clear()
        for index, attempt in list(self.attempts.items()):
            if second or self.plan.jobs[index].conditions.run_if != "always":
                attempt.cancel.set(urgent=second)
                if index in self.recipes:
                    self._stop(self.recipes[index], "cancelled")
                elif not self._prepare(index).self_limiting:  # in-process work: cancelled now, left to stop
                    self._attempt_done(index, Outcome(False, f"Job '{self.plan.jobs[index].id}' was cancelled",
                                                      stopped="cancelled"), time.time(), attempt)
        self._report_decisions()

    # ------------------------------------------------------------ events

    def _emit(self, kind: str, job_id: str, **data: Any) -> None:
        event = Event(kind, job_id, time.time(), {k: v for k, v in data.items() if v is not None})
        self.events.append(event)
        for listener in self._listeners:
            listener(event)

