"""The graph pass: which jobs a run selects, their order, levels and critical
path. A `Plan` is what `analyze`, `--graph`, `--dry-run` and the scheduler read.

Indices in a Plan are positions in `plan.jobs` (the selected jobs, file order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from runner import graph
from runner.errors import UsageError
from runner.ir import Job, Workflow
from runner.suggest import did_you_mean


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run will do: the selected jobs (file order), their dependencies
    by index, a topological order and levels, weights and the critical path."""

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
    everything they depend on; jobs tagged with any of `skip_tags` are left
    out, and so are their dependencies unless a job kept needs them too. A
    kept job's dependency left out this way counts as satisfied: the plan
    drops the edge (see `make_plan`), so the job does not wait for it."""
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
    dropped = set(skip_tags)
    if dropped:  # the closure stops at left-out jobs: neither they nor what only they need come in
        left_out = {i for i, job in enumerate(workflow.jobs) if dropped.intersection(job.tags)}
        requires = [[d for d in before if d not in left_out] for before in workflow.graph.requires]
        return sorted(graph.closure(requires, [i for i in roots if i not in left_out]))
    return sorted(graph.closure(workflow.graph.requires, roots))


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


class Schedule:
    """The run-time side of a plan: which job may start next, and what a job's
    end means for the jobs after it. Pure bookkeeping, driven by one thread.

    A job becomes *ready* when everything it waits for has ended. It is then
    either queued to start (by priority: the heaviest chain still behind it,
    then file order) or decided at once: skipped (a dependency failed or was
    skipped, a skip_if_failed job failed, its run_if says so) or cancelled
    (interrupted). Every such decision is appended to `decisions`, which the
    caller drains to report them.
    """

    def __init__(self, plan: Plan, keep_going: bool = False) -> None:
        import heapq

        self._heapq = heapq
        self.plan = plan
        self.keep_going = keep_going
        n = len(plan.jobs)
        self.status: list[str | None] = [None] * n  # None: not ended yet
        self.unfinished = n
        self.running: set[int] = set()
        self.waiting = [len(d) for d in plan.deps]
        self.dependents = graph.dependents_of(plan.deps)
        self.requires = self._local_requires()
        self.priority = plan.remaining_weight()
        self.failed_upstream = [False] * n
        self.cause: list[str | None] = [None] * n  # the failed job behind a skip, for its reason
        self.halted_by: str | None = None  # the failed job that stopped new starts (fail-fast)
        self.interrupted = 0  # 1 after the first interrupt, 2 after the second
        self.decisions: list[tuple[int, str, str]] = []  # (job, status, reason)
        # A queued job was decided when it became ready; only a failure or an
        # interrupt since (each adds one to `_epoch`) can change that verdict.
        self._epoch = 0
        self._ready_epoch = [0] * n
        self._queue: list[tuple[float, int]] = []
        for i, count in enumerate(self.waiting):
            if count == 0:
                self._became_ready(i)

    def _local_requires(self) -> list[set[int]]:
        index = {job.id: i for i, job in enumerate(self.plan.jobs)}
        return [{index[d] for d in job.dependencies if d in index} for job in self.plan.jobs]

    # ---------------------------------------------------------------- queries

    @property
    def done(self) -> bool:
        return self.unfinished == 0

    def queued(self) -> list[int]:
        return [i for _, i in sorted(self._queue)]

    # ---------------------------------------------------------------- decisions

    def _decide(self, i: int) -> tuple[str, str] | None:
        """Why ready job `i` must not run (status, reason), or None to run it."""
        job = self.plan.jobs[i]
        jobs = self.plan.jobs
        run_if = job.conditions.run_if
        if self.interrupted and (self.interrupted > 1 or run_if != "always"):
            return "cancelled", "interrupted"
        if job.conditions.skip_if_failed:
            index = {jobs[d].id: d for d in self.plan.deps[i]}
            for name in job.conditions.skip_if_failed:
                if name in index and self.status[index[name]] == "failed":
                    return "skipped", f"'{name}' failed (skip_if_failed)"
        if run_if == "always":
            return None
        if run_if == "failure":
            return None if self.failed_upstream[i] else ("skipped", "no dependency failed (run_if: failure)")
        for d in sorted(self.requires[i]):
            if self.status[d] == "failed":
                self.cause[i] = jobs[d].id
                return "skipped", f"dependency '{jobs[d].id}' failed"
            if self.status[d] in ("skipped", "cancelled"):
                self.cause[i] = self.cause[d]
                why = f" ('{self.cause[d]}' failed)" if self.cause[d] else ""
                return "skipped", f"dependency '{jobs[d].id}' was {self.status[d]}{why}"
        if self.halted_by is not None:
            return "skipped", f"not started after '{self.halted_by}' failed (use -k to keep going)"
        return None

    def _became_ready(self, i: int) -> None:
        verdict = self._decide(i)
        if verdict is None:
            self._ready_epoch[i] = self._epoch
            self._heapq.heappush(self._queue, (-self.priority[i], i))
        else:
            self._end(i, *verdict)

    def _end(self, i: int, status: str, reason: str = "") -> None:
        """Record that job i ended; decide the jobs that were waiting for it."""
        if self.status[i] is None:
            self.unfinished -= 1
        self.status[i] = status
        self.running.discard(i)
        if reason or status in ("skipped", "cancelled"):
            self.decisions.append((i, status, reason))
        if status == "failed":
            self._epoch += 1
        failed = status == "failed" or self.failed_upstream[i]
        if status == "failed" and not self.keep_going and self.halted_by is None:
            self.halted_by = self.plan.jobs[i].id
        for nxt in self.dependents[i]:
            if failed and i in self.requires[nxt]:
                self.failed_upstream[nxt] = True
            self.waiting[nxt] -= 1
            if self.waiting[nxt] == 0:
                self._became_ready(nxt)

    # ---------------------------------------------------------------- driving

    def pop(self, fits: Callable[[int], bool] | None = None) -> int | None:
        """The next job to start: the first queued job, by priority, that `fits`
        (the caller's resource check, if any); jobs that may no longer start
        are decided on the way (fail-fast, interrupt). None when nothing can."""
        held: list[tuple[float, int]] = []
        chosen = None
        while self._queue:
            entry = self._heapq.heappop(self._queue)
            i = entry[1]
            verdict = self._decide(i) if self._ready_epoch[i] != self._epoch else None
            if verdict is not None:
                self._end(i, *verdict)
                continue
            if fits is None or fits(i):
                chosen = i
                break
            held.append(entry)
        for entry in held:
            self._heapq.heappush(self._queue, entry)
        if chosen is not None:
            self.running.add(chosen)
        return chosen

    def finish(self, i: int, status: str, reason: str = "") -> None:
        """Job i (started by `pop`) ended with `status`."""
        self._end(i, status, reason)

    def skip(self, i: int, reason: str) -> None:
        """Job i (just popped) is not run after all, e.g. its branch does not match."""
        self._end(i, "skipped", reason)

    def interrupt(self) -> None:
        """First call: queued jobs are cancelled, except `run_if: always` ones.
        Second call: those too. Running jobs are the caller's to cancel."""
        self.interrupted = min(self.interrupted + 1, 2)
        self._epoch += 1
        for _, i in sorted(self._queue):
            if self._decide(i) is not None:
                self._queue.remove((-self.priority[i], i))
                self._end(i, "cancelled", "interrupted")
        self._heapq.heapify(self._queue)
