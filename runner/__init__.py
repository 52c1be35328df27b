"""jobrun: a declarative, Makefile-style parallel job runner.

    from runner import load_workflow
    wf = load_workflow("Jobfile")
"""

from __future__ import annotations

__version__ = "0.1.0"

import gc as _gc

# Importing the package defines some thirty dataclasses (their methods are
# compiled as it goes) and frees nearly nothing: cyclic GC passes during it
# find no garbage and cost ~10% of the import, so they wait until it is done.
_gc_was_enabled = _gc.isenabled()
_gc.disable()
try:
    from runner.errors import (
        CycleError,
        JobrunError,
        LoadError,
        LockError,
        ParseError,
        ResourceError,
        UsageError,
        ValidationError,
    )
    from runner.ir import Conditions, Document, GlobalConfig, Job, ResourceLimits, RetryConfig, Workflow
    from runner.load import find_job_file, load_workflow
    from runner.plan import Plan, make_plan, select
finally:
    if _gc_was_enabled:
        _gc.enable()
    del _gc, _gc_was_enabled


def __getattr__(name: str) -> object:
    """The run-time API loads on first use, so that loading and planning a
    workflow never import the process and HTTP machinery."""
    if name in ("Orchestrator",):
        from runner.orchestrator import Orchestrator

        return Orchestrator
    if name in ("RunResult", "JobRecord"):
        from runner.execute import executor

        return getattr(executor, name)
    if name in ("AttemptContext", "Outcome"):
        from runner.execute import context

        return getattr(context, name)
    if name == "job_type":
        from runner.kinds.custom import job_type

        return job_type
    raise AttributeError(f"module 'runner' has no attribute {name!r}")

__all__ = [
    "AttemptContext",
    "Conditions",
    "CycleError",
    "Document",
    "GlobalConfig",
    "Job",
    "JobRecord",
    "JobrunError",
    "LoadError",
    "LockError",
    "Orchestrator",
    "Outcome",
    "ParseError",
    "Plan",
    "ResourceError",
    "ResourceLimits",
    "RetryConfig",
    "RunResult",
    "UsageError",
    "ValidationError",
    "Workflow",
    "__version__",
    "find_job_file",
    "job_type",
    "load_workflow",
    "make_plan",
    "select",
]
