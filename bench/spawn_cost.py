"""How long posix_spawn blocks its caller, by what the calling process holds.

Spawns `true` N times, two at a time (as `-j2` does), waiting on pidfds, from
a bare interpreter and from one holding a heap of small objects, and times
the same calls inside a real jobrun run of N `true` jobs at -j2; prints the
median time each posix_spawn call blocked.

    python bench/spawn_cost.py            # bare, jobrun, heap
"""

from __future__ import annotations

import os
import select
import statistics
import subprocess
import sys
import time

N = 600


def spawn_loop() -> float:
    env = dict(os.environ)
    out = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, out, 2)]
    program = next(p for p in ("/usr/bin/true", "/bin/true") if os.path.exists(p))
    poller, running, blocked, started = select.poll(), {}, [], 0
    while started < N or running:
        while len(running) < 2 and started < N:
            t = time.perf_counter()
            pid = os.posix_spawn(program, ["true"], env, file_actions=actions, setsid=True)
            blocked.append(time.perf_counter() - t)
            fd = os.pidfd_open(pid)
            poller.register(fd, select.POLLIN)
            running[fd] = pid
            started += 1
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
        if sys.argv[1] == "jobrun":
            print(f"{in_a_run():.3f}")
            return
        elif sys.argv[1] == "heap":
            heap = [{"n": i, "s": str(i)} for i in range(300_000)]  # noqa: F841
        print(f"{spawn_loop():.3f}")
        return
    for state in ("bare", "jobrun", "heap"):
        runs = [float(subprocess.run([sys.executable, __file__, state], capture_output=True, text=True,
                                     check=True).stdout) for _ in range(3)]
        print(f"{state:7s} posix_spawn blocks {statistics.median(runs):.3f} ms (median of 3 x {N} spawns)")


if __name__ == "__main__":
    main()
