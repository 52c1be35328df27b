"""What a run loop in Python can cost at -j2 on 2 cores: N `true` processes,
two at a time, started with posix_spawn and waited for on pidfds, as
jobrun's loop does. `spin MS` is that loop and nothing else, burning MS ms
of CPU per job to stand in for a scheduler's bookkeeping (the loop of
`spawn_cost.py`); `lean` does what a real runner must per job but no more:
a log file opened and emptied, two event objects, two status lines written
once a loop turn, a ready queue. Compare each against make side by side:

    python bench/interleave.py 10 make -C ../make -j2 all ::: python bench/loop_floor.py spin 0 \\
        ::: python bench/loop_floor.py spin 0.2 ::: python bench/loop_floor.py lean

(in `.work/peers/.work/wide/jobrun` after `bench/peers.sh`).
"""

from __future__ import annotations

import heapq
import os
import select
import sys
import tempfile
import time
from dataclasses import dataclass, field

N = 1000
PROGRAM = next(p for p in ("/usr/bin/true", "/bin/true") if os.path.exists(p))


@dataclass(frozen=True, slots=True)
class Event:
    """A stand-in for jobrun's event record."""

    type: str
    job_id: str
    timestamp: float
    data: dict[str, object] = field(default_factory=dict)


def lean() -> None:
    env = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
    logs = tempfile.mkdtemp()
    devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    ids = [f"j{i:04d}" for i in range(N)]
    queue = [(0, i) for i in range(N)]
    heapq.heapify(queue)
    events: list[Event] = []
    started = [0.0] * N
    poller, running, ended = select.poll(), {}, 0
    lines: list[str] = []  # status lines, written once a turn
    while queue or running:
        while len(running) < 2 and queue:
            _, i = heapq.heappop(queue)
            started[i] = time.time()
            job_env = dict(env)
            job_env[b"JOBRUN_JOB_ID"] = ids[i].encode()
            events.append(Event("job_started", ids[i], time.time(), {"attempt": 1}))
            lines.append(f"{'':>11} START      {ids[i]}\n")
            log = os.open(f"{logs}/{ids[i]}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            if os.lseek(log, 0, os.SEEK_END):
                os.ftruncate(log, 0)
            pid = os.posix_spawn(PROGRAM, ["true"], job_env, setsid=True, file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, log, 1), (os.POSIX_SPAWN_DUP2, log, 2)])
            os.close(log)
            fd = os.pidfd_open(pid)
            poller.register(fd, select.POLLIN)
            running[fd] = (pid, i)
        for fd, _ in poller.poll():
            poller.unregister(fd)
            os.close(fd)
            pid, i = running.pop(fd)
            os.wait4(pid, 0)
            ended += 1
            duration = round(time.time() - started[i], 3)
            events.append(Event("job_completed", ids[i], time.time(), {"attempt": 1, "duration": duration}))
            lines.append(f"[{ended:>4}/{N}] OK         {ids[i]}  {duration:.2f}s\n")
        sys.stdout.write("".join(lines))
        sys.stdout.flush()
        lines.clear()


if __name__ == "__main__":
    if sys.argv[1] == "spin":
        from spawn_cost import spawn_loop  # beside this file

        spawn_loop(2, float(sys.argv[2]) / 1000, n=N)
    else:
        lean()
