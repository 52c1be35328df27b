"""jobrun: a declarative, Makefile-style parallel job runner.

    from runner import load_workflow
    wf = load_workflow("Jobfile")
"""

from __future__ import annotations

__version__ = "0.1.0"

from runner.errors import (
    CycleError,
    JobrunError,
    LoadError,
    LockError,
    ParseError,
    UsageError,
    ValidationError,
)
from runner.ir import Conditions, Document, GlobalConfig, Job, ResourceLimits, RetryConfig, Workflow
from runner.load import find_job_file, load_workflow
from runner.plan import Plan, make_plan, select

__all__ = [
    "Conditions",
    "CycleError",
    "Document",
    "GlobalConfig",
    "Job",
    "JobrunError",
    "LoadError",
    "LockError",
    "ParseError",
    "Plan",
    "ResourceLimits",
    "RetryConfig",
    "UsageError",
    "ValidationError",
    "Workflow",
    "__version__",
    "find_job_file",
    "load_workflow",
    "make_plan",
    "select",
]
