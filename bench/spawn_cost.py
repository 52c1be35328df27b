"""How long posix_spawn blocks its caller, and why a busy start makes it slow.

Spawns `true` N times, one or two at a time (`-j1`, `-j2`), waiting on
pidfds, and prints the median time each posix_spawn call blocked:

- `bare`: from a fresh interpreter;
- `busy`: spinning 0.2 ms of CPU after each spawn;
- `warm`: after 100 ms of CPU on this thread just before the first spawn
  (jobrun imports, reads and plans for about that long);
- `warm-thread`: the same 100 ms, but on a thread that has ended by then;
- `jobrun`: the posix_spawn calls of `jobrun -j2` on N `true` jobs (the CLI,
  in-process: its start-up runs on a thread of its own);
- `jobrun-one-thread`: the same with the start-up on the main thread.

A posix_spawn call is a vfork: the caller waits until the child has exec'd.
Linux places the child on the CPU with the least recent load (PELT, 32 ms
half-life). After a busy start the caller's CPU looks loaded, so the child is
started on the other one: its wake-up and then the caller's own (when the
child has exec'd) cross CPUs, which on the 2-core CI VM makes every call
block ~0.6 ms instead of ~0.2 ms, and the pattern then holds for the whole
run. A thread that has ended takes its load with it. To see the placement:
`perf record -e sched:sched_switch -e sched:sched_wakeup_new`, then compare
each `sched_wakeup_new`'s `target_cpu` with the CPU it was raised on.

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


def spin(seconds: float) -> None:
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


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
            spin(work)
        for fd, _ in poller.poll():
            poller.unregister(fd)
            os.close(fd)
            os.waitpid(running.pop(fd), 0)
    return statistics.median(blocked) * 1000


def in_a_run(start_up_thread: bool) -> float:
    """The posix_spawn calls of `jobrun -j2` on N independent `true` jobs."""
    import tempfile

    from runner import cli, commands

    if not start_up_thread:
        commands.on_a_thread_of_its_own = lambda work: work()  # type: ignore[assignment]
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
    with open(os.devnull, "w") as quiet:
        cli.run_cli(["-C", folder, "-j", "2", "--no-live", "-q"], stdout=quiet)
    return statistics.median(blocked) * 1000


def measure(state: str, parallel: int) -> float:
    if state.startswith("jobrun"):
        return in_a_run(start_up_thread=state == "jobrun")
    if state == "warm":
        spin(0.1)
    if state == "warm-thread":
        import threading

        thread = threading.Thread(target=spin, args=(0.1,))
        thread.start()
        thread.join()
    return spawn_loop(parallel, 0.0002 if state == "busy" else 0.0)


CASES = (("bare", 1), ("bare", 2), ("busy", 2), ("warm", 1), ("warm", 2), ("warm-thread", 2),
         ("jobrun-one-thread", 2), ("jobrun", 2))


def main() -> None:
    if len(sys.argv) > 1:
        print(f"{measure(sys.argv[1], int(sys.argv[2])):.3f}")
        return
    results: dict[tuple[str, int], list[float]] = {case: [] for case in CASES}
    for _ in range(3):  # rounds, every case once each: the VM's speed drifts
        for state, parallel in CASES:
            out = subprocess.run([sys.executable, __file__, state, str(parallel)], capture_output=True,
                                 text=True, check=True).stdout
            results[(state, parallel)].append(float(out))
    for (state, parallel), runs in results.items():
        print(f"{state:17s} -j{parallel}  posix_spawn blocks {statistics.median(runs):.3f} ms "
              f"(median of 3 x {N} spawns; {' '.join(f'{r:.3f}' for r in runs)})")


if __name__ == "__main__":
    main()
