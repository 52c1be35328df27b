"""Job types: a registry of `JobKind` objects by name.

The built-in kinds are registered below; a project adds its own with the
`runner.job_type` decorator or through the `jobrun.job_types` entry-point
group. `resolve` looks a job's `job_type` up here (so an unknown type gets a
"did you mean"), then lets the kind check the job's type-specific fields.
Running is the kind's `run`, imported lazily so loading a workflow stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.kinds.base import COMMON_FIELDS, FIELD_KEYS, JobKind, Problem
from runner.kinds.builtin import BUILTIN_KINDS

__all__ = ["COMMON_FIELDS", "FIELD_KEYS", "JobKind", "Problem", "get", "known", "register"]

_REGISTRY: dict[str, JobKind] = {kind.name: kind for kind in BUILTIN_KINDS}
_ENTRY_POINTS_LOADED = False
ENTRY_POINT_GROUP = "jobrun.job_types"


def register(kind: JobKind) -> JobKind:
    """Make `kind` available as `job_type: <kind.name>`."""
    _REGISTRY[kind.name] = kind
    return kind


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    from importlib import metadata  # slow to import: only for names not built in

    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in _REGISTRY:
            continue
        loaded = entry.load()
        register(loaded if isinstance(loaded, JobKind) else _adopt(entry.name, loaded))


def _adopt(name: str, func: object) -> JobKind:
    from runner.kinds.custom import FunctionKind

    return FunctionKind(name, func)  # type: ignore[arg-type]


def get(name: str) -> JobKind | None:
    """The kind called `name`; entry points are consulted only for names that
    are not registered already, so built-in workflows never pay for them."""
    if name not in _REGISTRY:
        _load_entry_points()
    return _REGISTRY.get(name)


def known() -> Iterator[str]:
    _load_entry_points()
    return iter(sorted(_REGISTRY))
