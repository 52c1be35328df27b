"""The workflow model: the one representation every stage after loading reads.

Both loaders (`syntax.data` for YAML/JSON, `syntax.dsl` for Jobfiles) build a
`Document` per file. `load` follows imports and `resolve` validates the lot
into a `Workflow`. Fields hold what the user wrote, converted to Python values
(durations in seconds, sizes in MB); defaults that depend on the workflow
(retries, timeouts) are applied by the stages that use them.

Positions are kept outside equality (`spans`), so a Jobfile and its YAML
translation compare equal when they say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import Any

from runner.source import Source, Span

JOB_TYPES = ("command", "script", "python", "http")
RUN_IF = ("success", "failure", "always")


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """How a job retries. `max_attempts` None means the workflow's default."""

    max_attempts: int | None = None
    initial_delay: float = 1.0
    max_delay: float = 60.0
    backoff_factor: float = 2.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1, 2, ...)."""
        return min(self.initial_delay * self.backoff_factor ** (retry - 1), self.max_delay)


@dataclass(frozen=True, slots=True)
class ResourceLimits:
    """A job's limits: memory (MB), CPU (percent of one core), run time (seconds)."""

    max_memory_mb: float | None = None
    max_cpu_percent: float | None = None
    max_execution_time: float | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    """When a job runs: skipped if one of `skip_if_failed` failed, only on a
    branch matching `only_if_branch`, and by `run_if` on its dependencies' outcome."""

    skip_if_failed: tuple[str, ...] = ()
    only_if_branch: str | None = None
    run_if: str = "success"


@dataclass(frozen=True, slots=True)
class Job:
    """One job as defined. `dependencies` are names here; a `Workflow` guarantees
    that each one names a job, and its `graph` holds the edges as indices."""

    id: str
    name: str | None = None
    description: str | None = None
    job_type: str = "command"
    commands: tuple[str, ...] = ()
    code: str | None = None
    url: str | None = None
    script_path: str | None = None
    args: tuple[str, ...] = ()
    working_directory: str | None = None
    dependencies: tuple[str, ...] = ()
    timeout: float | None = None
    retry: RetryConfig | None = None
    limits: ResourceLimits = ResourceLimits()
    environment: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    conditions: Conditions = Conditions()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    method: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    expected_status: tuple[int, ...] | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    spans: Mapping[str, Span] = field(default_factory=dict, compare=False, repr=False)

    @property
    def title(self) -> str:
        return self.name or self.id

    @property
    def base_dir(self) -> Path:
        """The directory relative paths in this job are relative to."""
        return self.source.directory if self.source else Path.cwd()

    def span(self, key: str) -> Span | None:
        """Where `key` (e.g. "timeout", "dependencies.1") was written, if known."""
        spans = self.spans
        while key:
            if key in spans:
                return spans[key]
            key = key.rpartition(".")[0]
        return spans.get("id")

    def __reduce__(self) -> tuple[type[Job], tuple[Any, ...]]:
        """Pickled (by the parse cache) as its fields, given back to __init__:
        a thousand jobs load in a third of the time dataclasses' generic state
        for slotted classes takes."""
        return Job, _job_fields(self)


_job_fields = attrgetter(*(f.name for f in fields(Job)))


@dataclass(frozen=True, slots=True)
class GlobalConfig:
    """`global_config`: defaults and limits for the whole workflow."""

    max_retries: int | None = None
    timeout: float | None = None
    max_concurrent_jobs: int | None = None
    memory_budget_mb: float | None = None


@dataclass(frozen=True, slots=True)
class Import:
    """One `imports:` entry: a path relative to the importing file."""

    path: str
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Document:
    """One file, parsed: what it says, before its imports are followed."""

    source: Source = field(compare=False, repr=False)
    name: str | None = None
    version: str | None = None
    description: str | None = None
    config: GlobalConfig = GlobalConfig()
    environment: Mapping[str, str] = field(default_factory=dict)
    imports: tuple[Import, ...] = ()
    default: tuple[str, ...] = ()
    jobs: tuple[Job, ...] = ()
    variables: tuple[str, ...] = field(default=(), compare=False)
    spans: Mapping[str, Span] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Graph:
    """The job graph by index (file order). `requires[i]` are job i's
    dependencies; `deps[i]` are all the jobs it waits for: its dependencies,
    then its `skip_if_failed` jobs (which order it without being pulled in).
    `order` is a topological order of `deps`."""

    requires: tuple[tuple[int, ...], ...]
    deps: tuple[tuple[int, ...], ...]
    order: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Workflow:
    """A validated workflow: every name resolves and the graph is acyclic."""

    path: Path
    name: str
    version: str | None
    description: str | None
    config: GlobalConfig
    environment: Mapping[str, str]
    default: tuple[str, ...]
    jobs: tuple[Job, ...]
    index: Mapping[str, int]
    graph: Graph
    documents: tuple[Document, ...] = field(default=(), compare=False, repr=False)

    @property
    def state_dir(self) -> Path:
        return state_dir_of(self.path)

    def job(self, job_id: str) -> Job:
        return self.jobs[self.index[job_id]]


def state_dir_of(job_file: Path) -> Path:
    """Where jobrun keeps a workflow's logs, history and caches: `.jobrun/`
    beside its top-level job file."""
    return job_file.resolve().parent / ".jobrun"
