"""How long posix_spawn blocks its caller, alone and beside a running job.

Spawns `true` N times, one or two at a time (`-j1`, `-j2`), waiting on
pidfds, from a bare interpreter, from one that also spins 0.2 ms of CPU per
job, from one holding a large heap of small objects, and inside a real
jobrun run of N `true` jobs at -j2; prints the median time each posix_spawn
call blocked.

A posix_spawn call is a vfork: the caller waits until the child has exec'd.
Observed on the 2-core CI VM: at -j1 the call is short whatever the caller
holds; at -j2 a caller with a large heap (jobrun, or the heap case) blocks
about three times as long, and a scheduler trace (`perf sched`) shows the
new child queued on the core that runs the other job while the caller's
core idles. CPU use alone (the busy case) does not do it.

    python bench/spawn_cost.py
"""

from __future__ import annotations

import os
import select
import statistics
import subprocess
import sys
import time

N = 600


def spawn_loop(parallel: int, work: float, n: int = N) -> float:
    """Spawn `true` n times, `parallel` at a time, spending `work` seconds of
    CPU after each spawn; the median time a posix_spawn call blocked (ms)."""
    env = dict(os.environ)
    out = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, out, 2)]
    program = next(p for p in ("/usr/bin/true", "/bin/true") if os.path.exists(p))
    poller, running, blocked, started = select.poll(), {}, [], 0
    while started < n or running:
        while len(running) < parallel and started < n:
            t = time.perf_counter()
            pid = os.posix_spawn(program, ["true"], env, file_actions=actions, setsid=True)
            blocked.append(time.perf_counter() - t)
            fd = os.pidfd_open(pid)
            poller.register(fd, select.POLLIN)
            running[fd] = pid
            started += 1
            busy_until = time.thread_time() + work
            while time.thread_time() < busy_until:
                pass
        for fd, _ in poller.poll():
            poller.unregister(fd)
            os.close(fd)
            os.waitpid(running.pop(fd), 0)
    return statistics.median(blocked) * 1000


def in_a_run() -> float:
    """The posix_spawn calls of a jobrun run of N independent `true` jobs."""
    import tempfile

    from runner import Orchestrator, load_workflow

    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "jobrun.yaml"), "w") as f:
        f.write("jobs:\n" + "".join(f"  - id: j{i}\n    command: \"true\"\n" for i in range(N)))
    blocked = []
    real = os.posix_spawn

    def timed(*args: object, **kwargs: object) -> int:
        t = time.perf_counter()
        pid = real(*args, **kwargs)  # type: ignore[arg-type]
        blocked.append(time.perf_counter() - t)
        return pid

    os.posix_spawn = timed  # type: ignore[assignment]
    os.chdir(folder)
    Orchestrator(load_workflow(os.path.join(folder, "jobrun.yaml")), max_concurrent=2).run()
    return statistics.median(blocked) * 1000


def main() -> None:
    if len(sys.argv) > 1:
        state, parallel = sys.argv[1], int(sys.argv[2])
        heap = [{"n": i, "s": str(i)} for i in range(300_000)] if state == "heap" else []  # noqa: F841
        ms = in_a_run() if state == "jobrun" else spawn_loop(parallel, 0.0002 if state == "busy" else 0.0)
        print(f"{ms:.3f}")
        return
    for state, parallel in (("bare", 1), ("bare", 2), ("busy", 2), ("heap", 1), ("heap", 2), ("jobrun", 2)):
        runs = [float(subprocess.run([sys.executable, __file__, state, str(parallel)], capture_output=True,
                                     text=True, check=True).stdout) for _ in range(3)]
        print(f"{state:7s} -j{parallel}  posix_spawn blocks {statistics.median(runs):.3f} ms (median of 3 x {N} spawns)")


if __name__ == "__main__":
    main()
