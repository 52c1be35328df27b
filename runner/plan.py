"""The graph pass: which jobs a run selects, their order, levels and critical
path. A `Plan` is what `analyze`, `--graph`, `--dry-run` and the scheduler read.

Indices in a Plan are positions in `plan.jobs` (the selected jobs, file order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from runner import graph
from runner.errors import UsageError
from runner.ir import Job, Workflow
from runner.suggest import did_you_mean


@dataclass(frozen=True, slots=True)
class Plan:
    workflow: Workflow
    jobs: tuple[Job, ...]
    deps: tuple[tuple[int, ...], ...]
    order: tuple[int, ...]
    levels: tuple[tuple[int, ...], ...]
    weights: tuple[float, ...]
    critical_path: tuple[int, ...]
    critical_weight: float
    durations_known: bool

    @property
    def max_parallelism(self) -> int:
        return max((len(level) for level in self.levels), default=0)

    @property
    def critical_path_ids(self) -> list[str]:
        return [self.jobs[i].id for i in self.critical_path]

    @property
    def critical_path_seconds(self) -> float | None:
        return self.critical_weight if self.durations_known else None

    def level_ids(self) -> list[list[str]]:
        return [[self.jobs[i].id for i in level] for level in self.levels]

    def edges(self) -> list[tuple[str, str]]:
        """(dependency, dependent) pairs, dependents in file order."""
        return [(self.jobs[d].id, job.id) for job, before in zip(self.jobs, self.deps) for d in before]

    def remaining_weight(self) -> list[float]:
        return graph.remaining_weight(self.deps, self.weights, self.order)


def select(
    workflow: Workflow,
    targets: Sequence[str] = (),
    tags: Iterable[str] = (),
    skip_tags: Iterable[str] = (),
) -> list[int]:
    """Indices of the selected jobs, in file order: the targets (else the
    default target, else every job) and jobs carrying any of `tags`, with
    everything they depend on; then jobs tagged with any of `skip_tags` go."""
    tags, skip_tags = list(tags), list(skip_tags)
    known_tags = {tag for job in workflow.jobs for tag in job.tags}
    for tag in (*tags, *skip_tags):
        if tag not in known_tags:
            raise UsageError(f"unknown tag '{tag}': no job has it", hint=did_you_mean(tag, known_tags))
    roots: list[int] = []
    for target in targets:
        if target not in workflow.index:
            raise UsageError(f"unknown target '{target}': no job has that id",
                             hint=did_you_mean(target, workflow.index))
        roots.append(workflow.index[target])
    if tags:
        wanted = set(tags)
        roots.extend(i for i, job in enumerate(workflow.jobs) if wanted.intersection(job.tags))
    if not targets and not tags:
        if workflow.default:
            roots = [workflow.index[t] for t in workflow.default]
        else:
            roots = list(range(len(workflow.jobs)))
    chosen = graph.closure(workflow.graph.requires, roots)
    if skip_tags:
        dropped = set(skip_tags)
        chosen = {i for i in chosen if not dropped.intersection(workflow.jobs[i].tags)}
    return sorted(chosen)


def make_plan(
    workflow: Workflow,
    selected: Sequence[int] | None = None,
    durations: Mapping[str, float] | None = None,
) -> Plan:
    """The plan for `selected` (default: every job), each job weighted by its
    estimated duration (`durations` by id; 1 for a job never timed)."""
    everything = selected is None or len(selected) == len(workflow.jobs)
    if everything:
        jobs, deps, order = workflow.jobs, workflow.graph.deps, list(workflow.graph.order)
    else:
        jobs = tuple(workflow.jobs[i] for i in selected)
        deps = graph.restrict(workflow.graph.deps, selected)
        order = graph.topological_order(deps)
    durations = durations or {}
    weights = tuple(float(durations.get(job.id, 1.0)) for job in jobs)
    path, weight = graph.critical_path(deps, weights, order)
    return Plan(
        workflow=workflow,
        jobs=jobs,
        deps=tuple(map(tuple, deps)),
        order=tuple(order),
        levels=tuple(tuple(level) for level in graph.levels(deps, order)),
        weights=weights,
        critical_path=tuple(path),
        critical_weight=weight,
        durations_known=any(job.id in durations for job in jobs),
    )


def start_order(plan: Plan) -> list[int]:
    """The order `-j 1` starts the plan's jobs: of the ready jobs, the one with
    the heaviest chain still behind it first, then file order."""
    import heapq

    rest = plan.remaining_weight()
    dependents = graph.dependents_of(plan.deps)
    waiting = [len(d) for d in plan.deps]
    ready = [(-rest[i], i) for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        _, job = heapq.heappop(ready)
        order.append(job)
        for nxt in dependents[job]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                heapq.heappush(ready, (-rest[nxt], nxt))
    return order
