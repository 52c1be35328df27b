"""What happens during a run, as data: events, and the `Reporter` interface
that every consumer (status stream, results file, user callbacks) implements.

Events are created on the scheduler's thread only, in the order things
happen, and every one is kept in the run's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

EVENT_TYPES = (
    "job_started", "job_completed", "job_failed", "job_cancelled",
    "job_retrying", "job_skipped", "job_up_to_date",
)

# Final job statuses, as results files and reports name them.
COMPLETED, FAILED, SKIPPED, CANCELLED, UP_TO_DATE = "completed", "failed", "skipped", "cancelled", "up_to_date"
OK_STATUSES = (COMPLETED, SKIPPED, UP_TO_DATE)


def iso(timestamp: float) -> str:
    """ISO 8601 UTC with milliseconds: 2026-11-25T10:00:00.123Z."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened to a job. `data` holds what applies: attempt,
    delay, error, exit_code, duration, reason."""

    type: str
    job_id: str
    timestamp: float
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "job_id": self.job_id, "timestamp": iso(self.timestamp), **self.data}


class Reporter(Protocol):
    """Receives the run as it starts, every event as it happens, a tick now
    and then (to redraw or flush), then the finished run. All on the
    scheduler's thread."""

    def start(self, run: Any) -> None: ...

    def event(self, event: Event) -> None: ...

    def tick(self) -> None: ...

    def finish(self, result: Any) -> None: ...


class QuietReporter:
    """A Reporter that ignores everything: subclass it and override what you need."""

    def start(self, run: Any) -> None:
        pass

    def event(self, event: Event) -> None:
        pass

    def tick(self) -> None:
        pass

    def finish(self, result: Any) -> None:
        pass
