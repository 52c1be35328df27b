#!/usr/bin/env python3
"""Write a large layered workflow for load/analyze benchmarks.

    python3 bench/gen_workflow.py N OUT [--width W] [--fanin F] [--seed S]

Jobs come in layers of W; each job after the first layer depends on F jobs
of the layer before (seeded, so every run writes the same file). OUT's
extension picks the format: .yaml/.yml, .json, or anything else for a Jobfile.
"""

from __future__ import annotations

import argparse
import json
import random


def layered(n: int, width: int, fanin: int, seed: int) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    jobs = []
    for i in range(n):
        layer = i // width
        deps = []
        if layer:
            first = (layer - 1) * width
            deps = [f"j{first + k}" for k in sorted(rng.sample(range(width), min(fanin, width)))]
        jobs.append((f"j{i}", deps))
    return jobs


def as_yaml(jobs: list[tuple[str, list[str]]]) -> str:
    lines = ["name: layered", "jobs:"]
    for job_id, deps in jobs:
        lines.append(f"  - id: {job_id}")
        lines.append("    command: \"true\"")
        if deps:
            lines.append(f"    dependencies: [{', '.join(deps)}]")
    return "\n".join(lines) + "\n"


def as_json(jobs: list[tuple[str, list[str]]]) -> str:
    data = {"name": "layered", "jobs": [{"id": j, "command": "true", "dependencies": d} for j, d in jobs]}
    return json.dumps(data, indent=1) + "\n"


def as_jobfile(jobs: list[tuple[str, list[str]]]) -> str:
    lines = ['name = "layered"', ""]
    for job_id, deps in jobs:
        lines.append(f"{job_id}: {' '.join(deps)}".rstrip())
        lines.append("    $ true")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int)
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--fanin", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    jobs = layered(args.n, args.width, args.fanin, args.seed)
    if args.out.endswith((".yaml", ".yml")):
        text = as_yaml(jobs)
    elif args.out.endswith(".json"):
        text = as_json(jobs)
    else:
        text = as_jobfile(jobs)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
