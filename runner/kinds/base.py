"""The `JobKind` interface every job type implements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from runner.ir import Job

if TYPE_CHECKING:
    from runner.execute.context import AttemptContext, Outcome

# (key, message): the key names the offending field, for the error's line.
Problem = tuple[str, str]

# Fields any job may set, whatever its type.
COMMON_FIELDS = frozenset({
    "id", "name", "description", "job_type", "working_directory", "dependencies", "timeout",
    "retry", "limits", "environment", "tags", "conditions", "inputs", "outputs",
})

# IR field -> the key users write for it (for messages and spans).
FIELD_KEYS = {
    "commands": "command", "code": "command", "url": "url", "script_path": "script_path",
    "args": "args", "method": "method", "headers": "headers", "body": "body",
    "expected_status": "expected_status",
}


class JobKind:
    """A job type. Subclasses set `name` and `fields` (the type-specific IR
    fields they accept), may add checks in `validate`, and run one attempt of a
    job in `run` (called in a worker thread; the executor adds timeouts,
    retries, events and limits around it)."""

    name: ClassVar[str] = ""
    fields: ClassVar[frozenset[str]] = frozenset()
    # True when `run` keeps the attempt's deadline and cancel itself (the
    # built-ins do, through ctx.run); otherwise the executor keeps them.
    enforces_limits: ClassVar[bool] = True

    def validate(self, job: Job) -> Iterator[Problem]:
        """Problems with `job`'s type-specific fields."""
        return iter(())

    def recipe(self, ctx: AttemptContext) -> list[list[str]] | Outcome | None:
        """For a job type that is only processes: the command lines of one
        attempt, run in order until one fails (as a make recipe). The run
        loop then starts and watches them itself, with no worker thread. An
        `Outcome` when the attempt fails before any process starts; None
        (the default) when `run` does the work instead."""
        return None

    def run(self, ctx: AttemptContext) -> Outcome:
        """One attempt, in a worker thread. By default: the recipe's command
        lines, one after another, through `ctx.run`."""
        from runner.execute.context import Outcome

        steps = self.recipe(ctx)
        if steps is None:
            raise NotImplementedError(f"job type '{self.name}' cannot run jobs")
        if isinstance(steps, Outcome):
            return steps
        if not steps:
            return Outcome(True)
        for argv in steps:
            result = ctx.run(argv)
            if result.exit_code != 0:
                break
        return ctx.outcome(result)
