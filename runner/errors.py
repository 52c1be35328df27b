"""The errors a user can cause, and the data that describes them.

Every one of them stops jobrun before a job runs; the CLI renders it (the only
place that does) and exits with status 2::

    JobrunError            anything the user can fix; carries a Diagnostic
     +-- LoadError         no job file found, an unreadable file, an import cycle
     +-- ParseError        not valid YAML, JSON or Jobfile syntax
     +-- ValidationError   well-formed, but wrong: unknown key, bad value,
     |    |                duplicate id, unknown job, job type, target or tag
     |    +-- CycleError   a dependency cycle; carries the path
     +-- UsageError        a bad command line: flag, value, variable override
     +-- ResourceError     a job needs more memory than the whole budget
     +-- LockError         another jobrun run holds the state directory

Job outcomes (failed, timed out, skipped) are data, not exceptions: see
`runner.events`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runner.source import Span

Headline = Literal["located", "plain"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """What went wrong and where.

    `headline` picks the first line's form: "located" gives the compiler-style
    `FILE:LINE: error: MESSAGE` used for syntax and schema errors; "plain" gives
    `Error: MESSAGE` (the fixed forms of SPEC section 5), followed by the
    location on the next line. Jobfile locations name the column too
    (`FILE:LINE:COL`), as their syntax is finer than YAML's.
    """

    message: str
    span: Span | None = None
    hint: str | None = None
    notes: tuple[str, ...] = ()
    headline: Headline = "located"


class JobrunError(Exception):
    """Base of every user-facing error; `diagnostic` says how to show it."""

    headline: Headline = "located"

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        *,
        hint: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(message, span, hint, notes, self.headline)

    @property
    def message(self) -> str:
        return self.diagnostic.message


class LoadError(JobrunError):
    headline = "plain"


class ParseError(JobrunError):
    pass


class ValidationError(JobrunError):
    pass


class GraphError(ValidationError):
    """A graph-level problem whose first line is a fixed form (SPEC section 5)."""

    headline = "plain"


class CycleError(GraphError):
    def __init__(self, path: list[str], span: Span | None = None) -> None:
        self.path = path
        super().__init__("Circular dependency detected: " + " -> ".join(path), span)


class UsageError(JobrunError):
    headline = "plain"


class ResourceError(JobrunError):
    headline = "plain"


class LockError(JobrunError):
    headline = "plain"
