"""The Python API for running a workflow, and what the CLI runs through.

    from runner import load_workflow, Orchestrator
    wf = load_workflow("Jobfile")
    orch = Orchestrator(wf, max_concurrent=4)
    orch.add_status_callback(lambda event_type, data: print(event_type, data["job_id"]))
    result = orch.run(targets=["deploy"])
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from runner.errors import ResourceError
from runner.events import COMPLETED, Event, QuietReporter, iso
from runner.execute.executor import Executor, RunOptions, RunResult
from runner.ir import Workflow
from runner.plan import Plan, make_plan, select
from runner.state import RunLock, StateStore
from runner.units import fmt_number

StatusCallback = Callable[[str, dict[str, Any]], Any]


class _Callbacks(QuietReporter):
    """Calls user callbacks with (event_type, data). A callback that raises
    is reported once on stderr and otherwise ignored: the run goes on."""

    def __init__(self, callbacks: list[StatusCallback], err: TextIO) -> None:
        self.callbacks = callbacks
        self.err = err
        self.failed: set[int] = set()

    def event(self, event: Event) -> None:
        if not self.callbacks:
            return
        data = {"job_id": event.job_id, "timestamp": iso(event.timestamp), **event.data}
        for callback in self.callbacks:
            try:
                callback(event.type, dict(data))
            except Exception as exc:  # noqa: BLE001 - user code
                if id(callback) not in self.failed:
                    self.failed.add(id(callback))
                    name = getattr(callback, "__qualname__", repr(callback))
                    self.err.write(f"warning: status callback {name} raised {type(exc).__name__}: {exc} "
                                   f"(on {event.type} of '{event.job_id}'); the run goes on\n")


class _Durations(QuietReporter):
    """Records how long successful jobs took, for future estimates."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def finish(self, result: RunResult) -> None:
        self.store.record((r.job.id, r.duration) for r in result.records
                          if r.status == COMPLETED and r.duration is not None)


def memory_budget(workflow: Workflow) -> float:
    """global_config.memory_budget_mb, else 90% of physical memory."""
    if workflow.config.memory_budget_mb is not None:
        return workflow.config.memory_budget_mb
    import psutil

    return psutil.virtual_memory().total / (1024 * 1024) * 0.9


def check_resources(workflow: Workflow, plan: Plan) -> float | None:
    """The memory budget, after checking that every job's limit fits in it
    alone (None: no job sets a limit, so the budget never binds)."""
    needs = [job for job in plan.jobs if job.limits.max_memory_mb is not None]
    if not needs:
        return None
    budget = memory_budget(workflow)
    for job in needs:
        need = job.limits.max_memory_mb or 0.0
        if need > budget:
            raise ResourceError(f"Insufficient resources to start job '{job.id}': needs {fmt_number(round(need))} MB, "
                                f"budget is {fmt_number(round(budget))} MB", job.span("resource_limits.max_memory_mb"),
                                hint="lower its max_memory_mb or raise global_config.memory_budget_mb")
    return budget


class Orchestrator:
    """Runs a loaded workflow: selection, plan, lock, execution, events."""

    def __init__(
        self,
        workflow: Workflow,
        max_concurrent: int | None = None,
        keep_going: bool = False,
        reporters: Sequence[Any] = (),
        environ: dict[str, str] | None = None,
        err: TextIO | None = None,
        exclusive: bool = False,
    ) -> None:
        self.workflow = workflow
        config = workflow.config.max_concurrent_jobs
        self.max_concurrent = max_concurrent if max_concurrent is not None else (config if config is not None else 4)
        self.keep_going = keep_going
        self.reporters = list(reporters)
        self.environ = environ
        self.callbacks: list[StatusCallback] = []
        self.err = err or sys.stderr
        self.exclusive = exclusive  # the caller has no child processes of its own (the CLI)
        self.state = StateStore(workflow.state_dir)

    def add_status_callback(self, callback: StatusCallback) -> None:
        """Call `callback(event_type, data)` for every event of every run."""
        self.callbacks.append(callback)

    def plan(self, targets: Sequence[str] = (), tags: Sequence[str] = (), skip_tags: Sequence[str] = ()) -> Plan:
        selected = select(self.workflow, targets, tags, skip_tags)
        durations = self.state.estimates(self.workflow.jobs[i].id for i in selected)
        return make_plan(self.workflow, selected, durations)


    def run(self, targets: Sequence[str] = (), tags: Sequence[str] = (), skip_tags: Sequence[str] = (),
            plan: Plan | None = None) -> RunResult:
        """Run the targets (default: the default target, else every job) and
        what they depend on. Raises JobrunError before anything runs when the
        selection or resources are invalid, or another run holds the lock."""
        plan = plan or self.plan(targets, tags, skip_tags)
        budget = check_resources(self.workflow, plan)
        options = RunOptions(jobs=self.max_concurrent, keep_going=self.keep_going, memory_budget_mb=budget,
                             exclusive=self.exclusive,
                             tick=min((getattr(r, "tick_interval", 0.5) for r in self.reporters), default=0.5))
        reporters = [*self.reporters, _Callbacks(self.callbacks, self.err), _Durations(self.state)]
        with RunLock(self.workflow.state_dir):
            return Executor(self.workflow, plan, options, reporters, environ=self.environ).run()

