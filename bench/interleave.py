"""Time commands in interleaved rounds against the first one (a reference,
such as make): on a VM whose speed drifts by minutes, only a comparison made
round by round means much.

    python bench/interleave.py 15 make -C ../make -j2 all ::: jobrun -f jobs.yaml -j 2 --no-live

prints, per command, its median wall time, its minimum, and the median and
minimum of its ratio to the reference over the rounds.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def main() -> None:
    rounds = int(sys.argv[1])
    commands: list[list[str]] = [[]]
    for word in sys.argv[2:]:
        if word == ":::":
            commands.append([])
        else:
            commands[-1].append(word)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(rounds):
        for command, taken in zip(commands, times):
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            taken.append(time.perf_counter() - started)
    reference = times[0]
    for command, taken in zip(commands, times):
        ratios = [t / r for t, r in zip(taken, reference)]
        print(f"{' '.join(command)[:60]:60s} median {statistics.median(taken):.3f} s  min {min(taken):.3f} s  "
              f"ratio median {statistics.median(ratios):.2f}  min/min {min(taken) / min(reference):.2f}")


if __name__ == "__main__":
    main()
