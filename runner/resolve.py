"""Documents -> a validated `Workflow`: the one validator for every format.

Checks, in this order, stopping at the first problem: job ids (form and
duplicates across files), values (ranges, job types and their fields), that
every dependency and skip_if_failed name resolves, that the graph is acyclic,
and that the default targets exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from runner import graph, kinds
from runner.errors import CycleError, GraphError, ValidationError
from runner.ir import RUN_IF, Document, GlobalConfig, Graph, Job, Workflow
from runner.kinds import FIELD_KEYS
from runner.source import Span
from runner.suggest import did_you_mean

JOB_ID_RE = re.compile(r"[A-Za-z0-9_.-]+")
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TAG_RE = re.compile(r"[^\s,]+")
_BLANK = Job(id="")
_TYPED_FIELDS = tuple(FIELD_KEYS)
_FOREIGN: dict[str, tuple[Any, ...]] = {}  # by kind name: see _foreign_fields


def resolve(documents: Sequence[Document]) -> Workflow:
    """Validate `documents` (the top-level file first, then its imports in load
    order) into a Workflow. Only the top-level file's name (default: its
    directory's), settings and default apply; every file contributes its jobs
    and environment."""
    top = documents[0]
    jobs = tuple(job for doc in documents for job in doc.jobs)
    check_config(top)
    index = check_ids(jobs)
    for job in jobs:
        check_job(job)
    requires, deps = build_deps(jobs, index)
    try:
        order = graph.topological_order(deps)
    except ValueError:
        cycle = graph.find_cycle(deps) or []
        first, second = jobs[cycle[0]], jobs[cycle[1]]
        raise CycleError([jobs[i].id for i in cycle], _dependency_span(first, second.id)) from None
    for i, target in enumerate(top.default):
        if target not in index:
            raise ValidationError(f"default target '{target}' is not a job", top.spans.get(f"default.{i}"),
                                  hint=did_you_mean(target, index))
    environment: dict[str, str] = {}
    for doc in reversed(documents):  # the importing file wins
        environment.update(doc.environment)
    for doc in documents:
        for name in doc.environment:
            if not ENV_NAME_RE.fullmatch(name):
                raise ValidationError(f"'{name}' is not a valid environment variable name",
                                      doc.spans.get("environment"))
    return Workflow(
        path=top.source.path,
        name=top.name or top.source.directory.name,
        version=top.version,
        description=top.description,
        config=top.config,
        environment=environment,
        default=top.default,
        jobs=jobs,
        index=index,
        graph=Graph(tuple(map(tuple, requires)), tuple(map(tuple, deps)), tuple(order)),
        documents=tuple(documents),
    )


def check_config(doc: Document) -> None:
    config: GlobalConfig = doc.config

    def fail(key: str, message: str) -> ValidationError:
        return ValidationError(f"global_config.{key} {message}", doc.spans.get(f"global_config.{key}"))

    if config.max_retries is not None and config.max_retries < 0:
        raise fail("max_retries", "must be 0 or more")
    if config.timeout is not None and config.timeout <= 0:
        raise fail("timeout", "must be more than 0 seconds")
    if config.max_concurrent_jobs is not None and config.max_concurrent_jobs < 0:
        raise fail("max_concurrent_jobs", "must be 0 (no limit) or more")
    if config.memory_budget_mb is not None and config.memory_budget_mb <= 0:
        raise fail("memory_budget_mb", "must be more than 0")


def check_ids(jobs: Sequence[Job]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, job in enumerate(jobs):
        if not JOB_ID_RE.fullmatch(job.id):
            what = "an empty id" if not job.id else f"id '{job.id}'"
            raise ValidationError(f"job has {what}: ids use letters, digits, '_', '.' and '-'",
                                  job.span("id"))
        if job.id in index:
            first = jobs[index[job.id]].span("id")
            where = _place(first, job.span("id"))
            raise ValidationError(f"duplicate job id '{job.id}' (first defined {where})", job.span("id"))
        index[job.id] = i
    return index


def _place(first: Span | None, second: Span | None) -> str:
    if first is None:
        return "earlier"
    if second is not None and first.source is second.source:
        return f"at line {first.line}"
    return f"at {first.location}"


def _foreign_fields(kind: kinds.JobKind) -> tuple[tuple[str, ...], Callable[[Job], Any], Any]:
    """The type-specific fields that do not apply to `kind`, a getter of a
    job's values of them (as one tuple), and a blank job's values."""
    found = _FOREIGN.get(kind.name)
    if found is None or found[0] is not kind:  # (a kind registered again under its name is worked out again)
        names = tuple(f for f in _TYPED_FIELDS if f not in kind.fields)
        getter: Callable[[Job], Any] = attrgetter(*names) if names else (lambda job: ())
        found = _FOREIGN[kind.name] = (kind, names, getter, getter(_BLANK))
    return found[1], found[2], found[3]


def check_job(job: Job) -> None:
    def fail(key: str, message: str) -> ValidationError:
        return ValidationError(message, job.span(key))

    kind = kinds.get(job.job_type)
    if kind is None:
        raise ValidationError(f"job '{job.id}' has unknown job_type '{job.job_type}'", job.span("job_type"),
                              hint=did_you_mean(job.job_type, kinds.known()))
    foreign, values_of, blanks = _foreign_fields(kind)
    if values_of(job) != blanks:  # one C call for the common case: none is set
        for field in foreign:
            if getattr(job, field) != getattr(_BLANK, field):
                key = FIELD_KEYS[field]
                raise fail(key, f"'{key}' does not apply to {job.job_type} job '{job.id}'")
    for key, message in kind.validate(job):
        raise fail(key, message)

    if job.timeout is not None and job.timeout <= 0:
        raise fail("timeout", f"job '{job.id}' has timeout {job.timeout:g}: it must be more than 0 seconds")
    if job.retry is not None:
        retry = job.retry
        if retry.max_attempts is not None and retry.max_attempts < 1:
            raise fail("retry_config.max_attempts", f"job '{job.id}' has max_attempts {retry.max_attempts}: it must be 1 or more")
        if retry.initial_delay < 0:
            raise fail("retry_config.initial_delay", f"job '{job.id}' has a negative initial_delay")
        if retry.max_delay < 0:
            raise fail("retry_config.max_delay", f"job '{job.id}' has a negative max_delay")
        if retry.backoff_factor < 1:
            raise fail("retry_config.backoff_factor", f"job '{job.id}' has backoff_factor {retry.backoff_factor:g}: it must be 1 or more")
    limits = job.limits
    for key in ("max_memory_mb", "max_cpu_percent", "max_execution_time"):
        value = getattr(limits, key)
        if value is not None and value <= 0:
            raise fail(f"resource_limits.{key}", f"job '{job.id}' has {key} {value:g}: it must be more than 0")
    if job.conditions.run_if not in RUN_IF:
        raise fail("conditions.run_if", f"job '{job.id}' has run_if '{job.conditions.run_if}': "
                   f"it must be one of {', '.join(RUN_IF)}")
    if job.conditions.only_if_branch is not None and not job.conditions.only_if_branch.strip():
        raise fail("conditions.only_if_branch", f"job '{job.id}' has an empty only_if_branch")
    for name in job.environment:
        if not ENV_NAME_RE.fullmatch(name):
            raise fail("environment", f"job '{job.id}' sets '{name}', which is not a valid environment variable name")
    for i, tag in enumerate(job.tags):
        if not TAG_RE.fullmatch(tag):
            raise fail(f"tags.{i}", f"job '{job.id}' has tag '{tag}': tags have no spaces or commas")
    if job.job_type != "http" and job.working_directory is not None and not job.working_directory.strip():
        raise fail("working_directory", f"job '{job.id}' has an empty working_directory")


def build_deps(jobs: Sequence[Job], index: dict[str, int]) -> tuple[list[list[int]], list[list[int]]]:
    """Edges by index: (requires, deps). `requires[i]` are job i's dependencies;
    `deps[i]` adds its skip_if_failed jobs, which order it without pulling in."""
    requires: list[list[int]] = []
    deps: list[list[int]] = []
    for job in jobs:
        try:
            before = [index[name] for name in job.dependencies]
        except KeyError:
            i, name = next((i, n) for i, n in enumerate(job.dependencies) if n not in index)
            raise GraphError(f"Job '{job.id}' depends on non-existent job '{name}'",
                             job.span(f"dependencies.{i}"), hint=did_you_mean(name, index)) from None
        if len(before) > 1 and len(set(before)) < len(before):
            before = list(dict.fromkeys(before))
        requires.append(before)
        ordering = job.conditions.skip_if_failed
        if ordering:
            before = list(before)
            for i, name in enumerate(ordering):
                if name not in index:
                    raise GraphError(f"Job '{job.id}' has skip_if_failed on non-existent job '{name}'",
                                     job.span(f"conditions.skip_if_failed.{i}"), hint=did_you_mean(name, index))
                if index[name] not in before:
                    before.append(index[name])
        deps.append(before)
    return requires, deps


def _dependency_span(job: Job, dep: str) -> Span | None:
    for i, name in enumerate(job.dependencies):
        if name == dep:
            return job.span(f"dependencies.{i}")
    for i, name in enumerate(job.conditions.skip_if_failed):
        if name == dep:
            return job.span(f"conditions.skip_if_failed.{i}")
    return job.span("id")
