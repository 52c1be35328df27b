"""Processes: start a job's process in its own session, watch it, end it.

`Supervisor` is per run. It makes jobrun a *child subreaper* (Linux), so a
job's descendants that lose their parent (a double fork, `setsid cmd &`) are
re-parented to jobrun rather than to init: jobrun can still find, kill and
reap them. Every process a job starts carries `JOBRUN_TOKEN=<run>:<attempt>`
in its environment, which identifies such orphans.

`supervise` waits for one process (on its pidfd, so a 1 ms job costs 1 ms)
while sampling its tree's memory a few times a second, throttling its CPU
(SIGSTOP/SIGCONT duty cycle) when asked, and enforcing the deadline. Ending a
tree is SIGTERM to every member (and SIGCONT, in case it is stopped), a grace
period, then SIGKILL to whatever is left, descendants found again.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from runner import log



class _LazyPsutil:
    """psutil, imported on first use: a run of short jobs never samples a
    tree, and then never pays for the import."""

    def __getattr__(self, name: str) -> Any:
        import psutil as module

        globals()["psutil"] = module
        return getattr(module, name)


psutil: Any = _LazyPsutil()

KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
SAMPLE_EVERY = 0.2  # seconds between memory samples
FIRST_SAMPLE = 0.02  # the first comes early: a short job still gets a figure
THROTTLE_EVERY = 0.05  # seconds between CPU checks of a throttled tree
CANCEL_CHECK = 0.1  # the longest a cancelled attempt's process waits unnoticed
_PR_SET_CHILD_SUBREAPER, _PR_GET_CHILD_SUBREAPER = 36, 37


@dataclass(slots=True)
class ProcessResult:
    """How a process ended. `exit_code` is None when jobrun stopped it
    (`stopped` says why: "timeout", "memory" or "cancelled")."""

    exit_code: int | None
    stopped: str | None = None
    peak_memory_mb: float = 0.0
    cpu_seconds: float = 0.0
    memory_mb: float = 0.0  # the sample that broke the memory limit
    spawn_error: str | None = None


@dataclass(slots=True)
class Limits:
    deadline: float | None = None  # time.monotonic() value
    max_memory_mb: float | None = None
    max_cpu_percent: float | None = None


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not Linux
        return None


class Supervisor:
    """Owns the processes of one run: starts them, reaps orphans, and at the
    end makes sure none of them outlives jobrun."""

    def __init__(self, exclusive: bool = False) -> None:
        self.run_token = os.urandom(6).hex()
        self.exclusive = exclusive  # every child of this process is a job's (the CLI)
        self.lock = threading.Lock()
        self.roots: set[int] = set()  # pids of job processes a worker will reap
        self.sessions: set[int] = set()  # the session of every job process started
        self.spawning = 0  # spawns in flight
        self.started = time.time()
        self._attempts = 0
        self._previous_subreaper: int | None = None

    # ------------------------------------------------------------ lifetime

    def __enter__(self) -> Supervisor:
        self.started = time.time()
        libc = _libc()
        if libc is not None and hasattr(libc, "prctl"):
            current = ctypes.c_int(0)
            if libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(current), 0, 0, 0) == 0:
                self._previous_subreaper = current.value
                libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
        if self._previous_subreaper is not None:
            _libc().prctl(_PR_SET_CHILD_SUBREAPER, self._previous_subreaper, 0, 0, 0)

    def token(self) -> str:
        self._attempts += 1
        return f"{self.run_token}:{self._attempts}"

    # ------------------------------------------------------------ starting

    def spawn(self, argv: Sequence[str], env: dict[str, str], cwd: str, output: IO[bytes] | int) -> subprocess.Popen[bytes]:
        """Start `argv` in a new session, stdout and stderr to `output`."""
        with self.lock:  # while a spawn is in flight the orphan reaper waits: its
            self.spawning += 1  # child could exit before its pid is in `roots`
        try:
            proc = subprocess.Popen(
                list(argv), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                cwd=cwd, env=env, start_new_session=True, close_fds=True,
            )
            self.roots.add(proc.pid)
            self.sessions.add(proc.pid)  # start_new_session: its pid is its session's id
        finally:
            with self.lock:
                self.spawning -= 1
        return proc

    def reaped(self, pid: int) -> None:
        self.roots.discard(pid)

    # ------------------------------------------------------------ orphans

    def ours(self, pid: int, token_prefix: str, sessions: set[int] | frozenset[int], everything: bool) -> bool:
        """Whether child `pid` of jobrun descends from the jobs in question: it
        carries a JOBRUN_TOKEN starting with `token_prefix`, or is still in
        one of `sessions` (a process that cleared its environment), or
        `everything` says every child counts."""
        try:
            if os.getsid(pid) in sessions:
                return True
        except OSError:
            return False
        try:
            token = psutil.Process(pid).environ().get("JOBRUN_TOKEN", "")
        except (psutil.Error, OSError):
            token = ""
        if token.startswith(token_prefix):
            return True
        try:  # a child from before the run cannot be a job's
            return everything and psutil.Process(pid).create_time() >= self.started - 0.1
        except psutil.Error:
            return False

    def orphans(self, token_prefix: str, sessions: set[int] | frozenset[int] = frozenset(),
                everything: bool = False) -> list[Any]:
        """Job descendants re-parented to jobrun (see `ours`)."""
        found = []
        for pid in _children():
            if pid not in self.roots and not _is_zombie(pid) and self.ours(pid, token_prefix, sessions, everything):
                try:
                    found.append(psutil.Process(pid))
                except psutil.Error:
                    pass
        return found

    def reap_orphans(self) -> None:
        """Collect job descendants that exited after being re-parented to
        jobrun (only those: an API caller's own children are left alone)."""
        with self.lock:
            if self.spawning:
                return
            for pid in _children():
                if pid in self.roots or not _is_zombie(pid):
                    continue
                if _session(pid) in self.sessions or (self.exclusive and self.ours(pid, "-", (), True)):
                    try:
                        os.waitpid(pid, os.WNOHANG)
                    except ChildProcessError:
                        pass

    def cleanup(self, grace: float = KILL_GRACE) -> None:
        """End every process this run started that is still alive."""
        if not _children():
            return
        mine = self.orphans(self.run_token + ":", self.sessions, everything=self.exclusive)
        for pid in _children():
            if pid in self.roots:
                try:
                    mine.append(psutil.Process(pid))
                except psutil.Error:
                    pass
        if mine:
            terminate(mine, grace)
        self.reap_orphans()


def _children() -> list[int]:
    """Pids of jobrun's children, from /proc (no psutil import needed)."""
    pids: list[int] = []
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children") as f:
                pids.extend(int(p) for p in f.read().split())
    except OSError:
        return [child.pid for child in psutil.Process().children()]
    return pids


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rpartition(")")[2].split()  # state, ppid, pgrp, session, ...


def _is_zombie(pid: int) -> bool:
    try:
        return _stat_fields(pid)[0] == "Z"
    except OSError:
        return False


def _session(pid: int) -> int | None:
    try:
        return int(_stat_fields(pid)[3])
    except (OSError, IndexError, ValueError):
        return None


# ---------------------------------------------------------------- trees


def tree_of(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _signal_all(procs: Iterable[psutil.Process], sig: int) -> None:
    for proc in procs:
        try:
            proc.send_signal(sig)
        except psutil.Error:
            pass


def _alive(procs: Iterable[psutil.Process]) -> list[psutil.Process]:
    out = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
        except psutil.Error:
            pass
    return out


def terminate(procs: list[psutil.Process], grace: float, hurry: Cancel | None = None) -> None:
    """SIGTERM (and SIGCONT) to all, wait up to `grace` (cut short when
    `hurry` turns urgent), then SIGKILL whatever is left, including
    descendants they made meanwhile."""
    everyone = {p.pid: p for p in procs}
    for proc in procs:
        for child in tree_of(proc)[1:]:
            everyone.setdefault(child.pid, child)
    log.debug("terminating pids %s (grace %.1fs)", sorted(everyone), grace)
    _signal_all(everyone.values(), signal.SIGTERM)
    _signal_all(everyone.values(), signal.SIGCONT)
    end = time.monotonic() + grace
    alive = _alive(everyone.values())
    while alive and time.monotonic() < end and not (hurry is not None and hurry.urgent):
        time.sleep(0.02)
        alive = _alive(alive)
    if alive:
        for proc in list(alive):
            for child in tree_of(proc)[1:]:
                alive.append(child)
        log.debug("killing pids %s after the grace period", sorted(p.pid for p in alive))
        _signal_all(alive, signal.SIGKILL)


# ---------------------------------------------------------------- one process


@dataclass
class _Watch:
    """What is known about one running tree: its members and their use."""

    root: psutil.Process
    token: str
    known: dict[int, psutil.Process] = field(default_factory=dict)
    peak_mb: float = 0.0
    cpu_seconds: float = 0.0
    gone_cpu: float = 0.0

    def sample(self) -> tuple[float, float]:
        """(RSS of the tree in MB, CPU seconds of the tree so far)."""
        members = tree_of(self.root)
        seen = {p.pid for p in members}
        for pid, proc in list(self.known.items()):  # members that left the tree (setsid, re-parented)
            if pid not in seen:
                try:
                    if proc.is_running():
                        members.append(proc)
                        continue
                except psutil.Error:
                    pass
                del self.known[pid]
        rss = cpu = 0.0
        for proc in members:
            self.known.setdefault(proc.pid, proc)
            try:
                with proc.oneshot():
                    rss += proc.memory_info().rss
                    times = proc.cpu_times()
                    cpu += times.user + times.system
            except psutil.Error:
                pass
        rss_mb = rss / (1024 * 1024)
        self.peak_mb = max(self.peak_mb, rss_mb)
        self.cpu_seconds = max(self.cpu_seconds, cpu)
        return rss_mb, cpu

    def cpu_percent(self, now: float, cpu: float) -> float:
        """CPU use since the previous call, in percent of one core."""
        last = getattr(self, "_last", None)
        self._last = (now, cpu)
        if last is None or now <= last[0]:
            return 0.0
        return max(0.0, (cpu - last[1]) / (now - last[0]) * 100)

    def members(self, supervisor: Supervisor) -> list[psutil.Process]:
        members = {p.pid: p for p in tree_of(self.root)}
        for pid, proc in self.known.items():
            members.setdefault(pid, proc)
        for orphan in supervisor.orphans(self.token, {self.root.pid}):
            members.setdefault(orphan.pid, orphan)
        return [p for pid, p in members.items()]


def _exit_code(status: int) -> int:
    return os.waitstatus_to_exitcode(status)


class Cancel:
    """Cancellation of one attempt. A waiting process loop notices it within
    `CANCEL_CHECK` seconds. `urgent` (a second Ctrl-C) means no grace period:
    SIGKILL straight away. `callbacks` run when it is set (an HTTP client
    closes its connection, say)."""

    __slots__ = ("flag", "urgent", "callbacks")

    def __init__(self) -> None:
        self.flag = False
        self.urgent = False
        self.callbacks: list[Any] = []

    def is_set(self) -> bool:
        return self.flag

    def set(self, urgent: bool = False) -> None:
        self.urgent = self.urgent or urgent
        self.flag = True
        for callback in list(self.callbacks):
            try:
                callback()
            except Exception:  # noqa: BLE001 - a closing client may raise anything
                pass


def supervise(
    supervisor: Supervisor,
    proc: subprocess.Popen[bytes],
    token: str,
    limits: Limits,
    cancel: Cancel,
    observe: Callable[[float, float], None] | None = None,
) -> ProcessResult:
    """Wait for `proc`, enforcing `limits`; stop its whole tree when a limit
    is broken or `cancel` is set. `observe(rss_mb, cpu_percent)` gets each
    sample of the tree."""
    pid = proc.pid
    watch: _Watch | None = None  # made at the first sample: a short job never pays for it
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    poller = select.poll()
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    start = time.monotonic()
    next_sample = start + FIRST_SAMPLE
    throttle = limits.max_cpu_percent / 100.0 if limits.max_cpu_percent else None
    paused_until: float | None = None
    stopped: str | None = None
    memory_mb = 0.0
    idle_wait = 0.001
    try:
        while True:
            now = time.monotonic()
            wakeups = [next_sample, now + CANCEL_CHECK]
            if limits.deadline is not None:
                wakeups.append(limits.deadline)
            if throttle is not None:
                wakeups.append(paused_until if paused_until is not None else now + THROTTLE_EVERY)
            timeout = max(0.0, min(wakeups) - now)
            if pidfd is None:  # no pidfd: poll the child, backing off from 1 ms
                timeout = min(timeout, idle_wait)
                idle_wait = min(idle_wait * 2, 0.05)
            poller.poll(timeout * 1000)
            finished = os.wait4(pid, os.WNOHANG)
            if finished[0] == pid:
                return _finished(supervisor, proc, watch, finished, None, 0.0)
            now = time.monotonic()
            if cancel.is_set():
                stopped = "cancelled"
            elif limits.deadline is not None and now >= limits.deadline:
                stopped = "timeout"
            elif now >= next_sample or throttle is not None:
                if watch is None:
                    try:
                        watch = _Watch(psutil.Process(pid), token)
                    except psutil.Error:
                        next_sample = now + SAMPLE_EVERY
                        continue
                memory_mb, cpu = watch.sample()
                if observe is not None:
                    observe(memory_mb, watch.cpu_percent(now, cpu))
                next_sample = now + SAMPLE_EVERY
                if limits.max_memory_mb is not None and memory_mb > limits.max_memory_mb:
                    stopped = "memory"
                elif throttle is not None:
                    paused_until = _throttle(watch, throttle, start, now, cpu, paused_until)
            if stopped:
                break
        if watch is None:
            try:
                watch = _Watch(psutil.Process(pid), token)
            except psutil.Error:
                pass
        members = watch.members(supervisor) if watch is not None else []
        terminate(members, 0.0 if cancel.urgent else KILL_GRACE, cancel)
        finished = os.wait4(pid, 0)
        return _finished(supervisor, proc, watch, finished, stopped, memory_mb)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _throttle(watch: _Watch, share: float, start: float, now: float, cpu: float, paused_until: float | None) -> float | None:
    """Duty cycle: when the tree has used more CPU than `share` cores allow
    since it started, stop it until the allowance catches up."""
    members = tree_of(watch.root)
    if paused_until is not None:
        if now < paused_until:
            return paused_until
        _signal_all(members, signal.SIGCONT)
        return None
    excess = cpu - share * (now - start)
    if excess <= 0:
        return None
    _signal_all(members, signal.SIGSTOP)
    return now + excess / share


def _finished(supervisor: Supervisor, proc: subprocess.Popen[bytes], watch: _Watch | None,
              finished: tuple[int, int, Any], stopped: str | None, memory_mb: float) -> ProcessResult:
    _, status, usage = finished
    code = _exit_code(status)
    proc.returncode = code  # reaped here: Popen must not wait for it again
    supervisor.reaped(proc.pid)
    # ru_maxrss is not used: Linux counts in it what the process had before
    # exec (jobrun's own pages, after fork), so only samples give the peak.
    peak = watch.peak_mb if watch else 0.0
    cpu = max(watch.cpu_seconds if watch else 0.0, usage.ru_utime + usage.ru_stime)
    return ProcessResult(None if stopped else code, stopped, peak, cpu, memory_mb)
