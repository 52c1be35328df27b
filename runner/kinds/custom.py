"""Custom job types from plain functions.

    import runner

    @runner.job_type("docker")
    def docker(ctx):
        image = ctx.job.commands[0]
        return ctx.outcome(ctx.run(["docker", "run", "--rm", image]))

A function gets the attempt's `AttemptContext` and returns an `Outcome`, or
an exit status (0 is success), or True/False, or None (success). Processes it
starts with `ctx.run` get the same timeouts, limits and clean-up as built-in
jobs; retries and events come from the executor for every type. The same
functions can be published under the `jobrun.job_types` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from runner.execute.context import AttemptContext, Outcome
from runner.kinds.base import JobKind

DEFAULT_FIELDS = frozenset({"commands", "args"})


class FunctionKind(JobKind):
    """A job type whose attempts call `func(ctx)`. Its deadline and cancel
    are kept by the executor: the attempt ends on time even while the
    function is still working (it should watch `ctx.cancelled`)."""

    enforces_limits = False

    def __init__(self, name: str, func: Callable[[AttemptContext], Any], fields: Iterable[str] = DEFAULT_FIELDS) -> None:
        self.name = name  # type: ignore[misc]
        self.fields = frozenset(fields)  # type: ignore[misc]
        self.func = func

    def run(self, ctx: AttemptContext) -> Outcome:
        result = self.func(ctx)
        if isinstance(result, Outcome):
            return result
        if result is None or result is True:
            return Outcome(True)
        if result is False:
            return ctx.fail(f"Job '{ctx.job.id}' failed")
        if isinstance(result, int):
            if result == 0:
                return Outcome(True, exit_code=0)
            return Outcome(False, f"Job '{ctx.job.id}' failed with exit code {result}", exit_code=result)
        raise TypeError(f"job type '{self.name}' returned {result!r}; return an Outcome, an exit status or a bool")


def job_type(name: str, fields: Iterable[str] = DEFAULT_FIELDS) -> Callable[[Callable[[AttemptContext], Any]], Callable[[AttemptContext], Any]]:
    """Register the decorated function as job type `name`. `fields` are the
    type-specific job fields it accepts (default: command lines and args)."""
    from runner import kinds

    def register(func: Callable[[AttemptContext], Any]) -> Callable[[AttemptContext], Any]:
        kinds.register(FunctionKind(name, func, fields))
        return func

    return register
