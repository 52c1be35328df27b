"""The built-in job types: command, script, python, http."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from runner.ir import Job
from runner.kinds.base import JobKind, Problem

if TYPE_CHECKING:
    from runner.execute.context import AttemptContext, Outcome

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

# A command with any of these, or starting with a shell keyword or builtin,
# goes through /bin/sh -c; any other is split on spaces and run directly, as
# make does.
SHELL_CHARS = frozenset("#;\"*?[]&|<>(){}$`'~!\\\n\t^")
SHELL_WORDS = frozenset({
    ".", ":", "alias", "bg", "break", "case", "cd", "command", "continue", "do", "done", "elif",
    "else", "esac", "eval", "exec", "exit", "export", "fc", "fg", "fi", "for", "function", "getopts",
    "hash", "if", "jobs", "let", "local", "read", "readonly", "return", "select", "set", "shift",
    "source", "test", "then", "time", "trap", "type", "typeset", "ulimit", "umask", "unalias",
    "unset", "until", "wait", "while", "[", "[[", "{", "}", "!",
})
INTERPRETERS = {
    ".sh": ["sh"], ".bash": ["bash"], ".zsh": ["zsh"], ".py": [sys.executable], ".rb": ["ruby"],
    ".pl": ["perl"], ".js": ["node"], ".mjs": ["node"], ".php": ["php"], ".lua": ["lua"],
    ".r": ["Rscript"], ".ps1": ["pwsh", "-File"], ".tcl": ["tclsh"],
}


def command_argv(command: str) -> list[str]:
    """How to run one command line: directly when it is plain words, else by the shell."""
    words = command.split()
    if not words or not SHELL_CHARS.isdisjoint(command) or words[0] in SHELL_WORDS or "=" in words[0]:
        return ["/bin/sh", "-c", command]
    return words


def script_argv(path: Path) -> list[str] | None:
    """How to run a script file: directly when executable, else by its #! line,
    else by its extension's interpreter; None when none applies."""
    from runner.execute.context import is_executable

    if is_executable(path):
        return [str(path)]
    try:
        with open(path, "rb") as f:
            first = f.readline(256)
    except OSError:
        first = b""
    if first.startswith(b"#!"):
        interpreter = first[2:].decode("utf-8", "replace").split()
        if interpreter:
            return [*interpreter, str(path)]
    interpreter = INTERPRETERS.get(path.suffix.lower())
    return [*interpreter, str(path)] if interpreter else None


class CommandKind(JobKind):
    """Shell command lines, run in order; the first failing line fails the job.
    A command job with no command does nothing (a make-style group target)."""

    name = "command"
    fields = frozenset({"commands"})

    def validate(self, job: Job) -> Iterator[Problem]:
        for i, line in enumerate(job.commands):
            if not line.strip():
                yield f"commands.{i}", f"job '{job.id}' has an empty command"

    def recipe(self, ctx: AttemptContext) -> list[list[str]]:
        return [command_argv(line) for line in ctx.job.commands]


class ScriptKind(JobKind):
    """A script file: run directly when executable, else by its interpreter."""

    name = "script"
    fields = frozenset({"script_path", "args"})

    def validate(self, job: Job) -> Iterator[Problem]:
        if not job.script_path:
            yield "id", f"script job '{job.id}' has no 'script_path'"

    def recipe(self, ctx: AttemptContext) -> list[list[str]] | Outcome:
        path = ctx.job.base_dir / (ctx.job.script_path or "")
        if not path.is_file():
            return ctx.fail(f"Job '{ctx.job.id}' failed: script not found: {path}")
        argv = script_argv(path)
        if argv is None:
            return ctx.fail(f"Job '{ctx.job.id}' failed: {path} is not executable, has no #! line, "
                            f"and '{path.suffix}' has no known interpreter")
        return [[*argv, *ctx.job.args]]


class PythonKind(JobKind):
    """Python code, run by a fresh interpreter (never inside jobrun)."""

    name = "python"
    fields = frozenset({"code", "args"})

    def validate(self, job: Job) -> Iterator[Problem]:
        if job.code is None:
            yield "id", f"python job '{job.id}' has no code ('command')"
            return
        import warnings

        try:
            with warnings.catch_warnings():  # the code's own warnings are its business, when it runs
                warnings.simplefilter("ignore")
                compile(job.code, f"<job {job.id}>", "exec")
        except SyntaxError as exc:
            yield "command", f"python job '{job.id}' has invalid code: {exc.msg} (line {exc.lineno} of the code)"
        except ValueError as exc:  # e.g. a NUL character
            yield "command", f"python job '{job.id}' has invalid code: {exc}"

    def recipe(self, ctx: AttemptContext) -> list[list[str]]:
        from runner.execute.context import python_argv

        return [python_argv(ctx.job.code or "", ctx.job.args, ctx.log_path.with_suffix(".py"))]


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

    def run(self, ctx: AttemptContext) -> Outcome:
        from runner.kinds.http import request

        return request(ctx)


BUILTIN_KINDS: tuple[JobKind, ...] = (CommandKind(), ScriptKind(), PythonKind(), HttpKind())
