"""The built-in job types: command, script, python, http."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from runner.ir import Job
from runner.kinds.base import JobKind, Problem

if TYPE_CHECKING:
    from runner.execute.context import AttemptContext, Outcome

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class CommandKind(JobKind):
    """Shell command lines, run in order; the first failing line fails the job.
    A command job with no command does nothing (a make-style group target)."""

    name = "command"
    fields = frozenset({"commands"})

    def validate(self, job: Job) -> Iterator[Problem]:
        for i, line in enumerate(job.commands):
            if not line.strip():
                yield f"commands.{i}", f"job '{job.id}' has an empty command"


class ScriptKind(JobKind):
    """A script file: run directly when executable, else by its interpreter."""

    name = "script"
    fields = frozenset({"script_path", "args"})

    def validate(self, job: Job) -> Iterator[Problem]:
        if not job.script_path:
            yield "id", f"script job '{job.id}' has no 'script_path'"


class PythonKind(JobKind):
    """Python code, run by a fresh interpreter (never inside jobrun)."""

    name = "python"
    fields = frozenset({"code", "args"})

    def validate(self, job: Job) -> Iterator[Problem]:
        if job.code is None:
            yield "id", f"python job '{job.id}' has no code ('command')"
            return
        try:
            compile(job.code, f"<job {job.id}>", "exec")
        except SyntaxError as exc:
            yield "command", f"python job '{job.id}' has invalid code: {exc.msg} (line {exc.lineno} of the code)"
        except ValueError as exc:  # e.g. a NUL character
            yield "command", f"python job '{job.id}' has invalid code: {exc}"


class HttpKind(JobKind):
    """An HTTP request; succeeds on `expected_status` (default: any 2xx)."""

    name = "http"
    fields = frozenset({"url", "method", "headers", "body", "expected_status"})

    def validate(self, job: Job) -> Iterator[Problem]:
        if not job.url:
            yield "id", f"http job '{job.id}' has no URL ('url' or 'command')"
        elif not job.url.startswith(("http://", "https://")):
            yield "url", f"http job '{job.id}' has URL '{job.url}', which is not http:// or https://"
        if job.method is not None and job.method.upper() not in HTTP_METHODS:
            yield "method", f"http job '{job.id}' has unknown method '{job.method}' (one of {', '.join(HTTP_METHODS)})"
        for code in job.expected_status or ():
            if not 100 <= code <= 599:
                yield "expected_status", f"http job '{job.id}' expects status {code}, which is not 100-599"


BUILTIN_KINDS: tuple[JobKind, ...] = (CommandKind(), ScriptKind(), PythonKind(), HttpKind())
