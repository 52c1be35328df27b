"""Processes: start a job's process in its own session, watch it, end it.

`Supervisor` is per run. It makes jobrun a *child subreaper* (Linux), so a
job's descendants that lose their parent (a double fork, `setsid cmd &`) are
re-parented to jobrun rather than to init: jobrun can still find, kill and
reap them. Every process a job starts carries `JOBRUN_TOKEN=<run>:<attempt>`
in its environment, which identifies such orphans.

A process is started with posix_spawn when it runs in jobrun's own working
directory (no Python code runs between the spawn and the exec), else with
Popen (posix_spawn cannot change directory). A `Supervision` watches one process and its tree: it samples the
tree's memory a few times a second, throttles its CPU (SIGSTOP/SIGCONT duty
cycle) when asked, and enforces the deadline. Two drivers share it: the run
loop, which waits for many processes at once on their pidfds, and
`supervise`, which waits for one in a worker thread (custom job types'
`ctx.run`). Ending a tree is SIGTERM to every member (and SIGCONT, in case it
is stopped), a grace period, then SIGKILL to whatever is left, descendants
found again; it blocks, so the run loop hands it to a worker.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runner import log

if TYPE_CHECKING:
    import subprocess



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
    """What a running process tree must stay within (None: no limit)."""

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
        self._found: dict[tuple[str, str | None], str] = {}  # (program, PATH) -> the file run
        self._devnull = -1  # jobs' stdin, opened once for the run

    # ------------------------------------------------------------ lifetime

    def __enter__(self) -> Supervisor:
        self.started = time.time()
        self._devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        libc = _libc()
        if libc is not None and hasattr(libc, "prctl"):
            current = ctypes.c_int(0)
            if libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(current), 0, 0, 0) == 0:
                self._previous_subreaper = current.value
                libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self._devnull)
        self.cleanup()
        if self._previous_subreaper is not None:
            _libc().prctl(_PR_SET_CHILD_SUBREAPER, self._previous_subreaper, 0, 0, 0)

    def token(self) -> str:
        self._attempts += 1
        return f"{self.run_token}:{self._attempts}"

    # ------------------------------------------------------------ starting

    def spawn(self, argv: Sequence[str], env: dict[str, str], cwd: str, output: int,
              encoded_env: Mapping[bytes, bytes] | None = None) -> Child:
        """Start `argv` in a new session, stdin from /dev/null, stdout and
        stderr to the file descriptor `output`. OSError when it cannot start.
        `encoded_env`, when given, is `env` encoded (posix_spawn takes it as is)."""
        with self.lock:  # while a spawn is in flight the orphan reaper waits: its
            self.spawning += 1  # child could exit before its pid is in `roots`
        try:
            if output > 2 and cwd == os.getcwd():  # posix_spawn cannot change directory
                actions = [(os.POSIX_SPAWN_DUP2, self._devnull, 0),
                           (os.POSIX_SPAWN_DUP2, output, 1), (os.POSIX_SPAWN_DUP2, output, 2)]
                key = (argv[0], env.get("PATH"))
                searched = key not in self._found
                while True:
                    try:
                        pid = os.posix_spawn(self.executable(argv[0], env), list(argv), encoded_env or env,
                                             setsid=True, setsigdef=_DEFAULT_SIGNALS, file_actions=actions)
                        break
                    except (FileNotFoundError, PermissionError):
                        if searched:
                            raise
                        self._found.pop(key, None)  # the file found earlier in the run is gone: search the PATH again
                        searched = True
                child = Child(pid)
            else:
                import subprocess

                proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                        cwd=cwd, env=env, start_new_session=True, close_fds=False)
                child = Child(proc.pid, proc)
            self.roots.add(child.pid)
            self.sessions.add(child.pid)  # a new session: its leader's pid is its id
        finally:
            with self.lock:
                self.spawning -= 1
        return child

    def executable(self, program: str, env: Mapping[str, str]) -> str:
        """`executable(program, env)`, remembered for the run: a thousand jobs
        running `cc` search the PATH once (`spawn` searches again when the
        file found has gone; it does not notice one that appeared earlier on
        the PATH since)."""
        key = (program, env.get("PATH"))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = executable(program, env)
        return found

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


# Signals Python ignores that a job must get with their default action.
_DEFAULT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGPIPE", "SIGXFSZ") if hasattr(signal, name))


@dataclass(slots=True, repr=False, eq=False)
class Child:
    """A started process: its pid, and the Popen object when Popen started it."""

    pid: int
    popen: subprocess.Popen[bytes] | None = None


def executable(program: str, env: Mapping[str, str]) -> str:
    """The file execvp would run for `program`: a name with a slash as it
    is, else the first executable file of that name on the job's PATH."""
    if "/" in program:
        return program
    for directory in env.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(directory or ".", program)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)


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


@dataclass(repr=False, eq=False)
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


class Supervision:
    """One job process and its tree, watched. The caller waits for the
    process to end (on `pidfd` when there is one) or for `due()`, then calls
    `reaped()`; while it runs, `check(now)` samples and enforces the limits
    and says when the tree must be stopped, which `stop` does (blocking)."""

    def __init__(self, supervisor: Supervisor, child: Child, token: str, limits: Limits, cancel: Cancel,
                 observe: Callable[[float, float], None] | None = None) -> None:
        self.supervisor = supervisor
        self.child = child
        self.token = token
        self.limits = limits
        self.cancel = cancel
        self.observe = observe  # gets each sample: (tree RSS in MB, CPU percent)
        self.watch: _Watch | None = None  # see _watch()
        self.started = time.monotonic()
        self.next_sample = self.started + FIRST_SAMPLE
        self.share = limits.max_cpu_percent / 100.0 if limits.max_cpu_percent else None
        self.paused_until: float | None = None
        self.memory_mb = 0.0  # the latest sample
        try:
            self.pidfd: int | None = os.pidfd_open(child.pid)
        except (AttributeError, OSError):
            self.pidfd = None

    def due(self) -> float:
        """The next time (monotonic) `check` has something to do."""
        if self.limits.deadline is not None:
            return min(self.next_sample, self.limits.deadline)
        return self.next_sample

    def reaped(self) -> ProcessResult | None:
        """How the process ended, if it has (it is then reaped)."""
        pid, status, usage = os.wait4(self.child.pid, os.WNOHANG)
        return self._ended(status, usage, None) if pid == self.child.pid else None

    def check(self, now: float) -> str | None:
        """Sample the tree when due; why it must be stopped ("cancelled",
        "timeout", "memory"), or None."""
        if self.cancel.is_set():
            return "cancelled"
        if self.limits.deadline is not None and now >= self.limits.deadline:
            return "timeout"
        if now < self.next_sample:
            return None
        watch = self._watch()
        if watch is None:  # gone already: reaped() will say how it ended
            self.next_sample = now + SAMPLE_EVERY
            return None
        self.memory_mb, cpu = watch.sample()
        if self.observe is not None:
            self.observe(self.memory_mb, watch.cpu_percent(now, cpu))
        if self.limits.max_memory_mb is not None and self.memory_mb > self.limits.max_memory_mb:
            return "memory"
        if self.share is None:
            self.next_sample = now + SAMPLE_EVERY
        else:  # a throttled tree is checked often, and woken when its pause is over
            self.paused_until = _throttle(watch, self.share, self.started, now, cpu, self.paused_until)
            self.next_sample = self.paused_until if self.paused_until is not None else now + THROTTLE_EVERY
        return None

    def stop(self, reason: str) -> ProcessResult:
        """End the whole tree (SIGTERM, grace, SIGKILL; no grace after an
        urgent cancel) and reap the process. Blocks for up to the grace period."""
        watch = self._watch()
        members = watch.members(self.supervisor) if watch is not None else []
        terminate(members, 0.0 if self.cancel.urgent else KILL_GRACE, self.cancel)
        _, status, usage = os.wait4(self.child.pid, 0)
        return self._ended(status, usage, reason)

    def _watch(self) -> _Watch | None:
        """The tree's watch, made on first use (a short job never needs one)."""
        if self.watch is None:
            try:
                self.watch = _Watch(psutil.Process(self.child.pid), self.token)
            except psutil.Error:
                return None
        return self.watch

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None

    def _ended(self, status: int, usage: Any, stopped: str | None) -> ProcessResult:
        code = os.waitstatus_to_exitcode(status)
        if self.child.popen is not None:
            self.child.popen.returncode = code  # reaped here: Popen must not wait for it again
        self.supervisor.roots.discard(self.child.pid)
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        # ru_maxrss is not used: Linux counts in it what the process had before
        # exec (jobrun's own pages, after fork), so only samples give the peak.
        watch = self.watch
        peak = watch.peak_mb if watch else 0.0
        cpu = max(watch.cpu_seconds if watch else 0.0, usage.ru_utime + usage.ru_stime)
        return ProcessResult(None if stopped else code, stopped, peak, cpu, self.memory_mb if stopped else 0.0)


def supervise(supervision: Supervision) -> ProcessResult:
    """Wait in this thread for the process to end, enforcing its limits
    (noticing a cancel within CANCEL_CHECK seconds); stop its tree when one
    is broken."""
    poller = select.poll()
    if supervision.pidfd is not None:
        poller.register(supervision.pidfd, select.POLLIN)
    idle_wait = 0.001
    try:
        while True:
            now = time.monotonic()
            timeout = max(0.0, min(supervision.due(), now + CANCEL_CHECK) - now)
            if supervision.pidfd is None:  # no pidfd: poll the child, backing off from 1 ms
                timeout = min(timeout, idle_wait)
                idle_wait = min(idle_wait * 2, 0.05)
            poller.poll(timeout * 1000)
            result = supervision.reaped()
            if result is not None:
                return result
            reason = supervision.check(time.monotonic())
            if reason is not None:
                return supervision.stop(reason)
    finally:
        supervision.close()


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
