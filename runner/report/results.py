"""`-o FILE`: the run as JSON, for machines (`jq '.jobs[] | select(.status ==
"failed")'`). Times are ISO 8601 UTC with milliseconds, durations seconds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runner.events import QuietReporter, iso


def results(result: Any) -> dict[str, Any]:
    jobs = []
    for record in result.records:
        entry: dict[str, Any] = {
            "id": record.job.id,
            "name": record.job.title,
            "status": record.status or "cancelled",
            "attempts": record.attempts,
            "exit_code": record.exit_code,
            "started_at": iso(record.started_at) if record.started_at else None,
            "finished_at": iso(record.finished_at) if record.finished_at else None,
            "duration": round(record.duration, 3) if record.duration is not None and record.attempts else None,
            "error": record.error if record.status in ("failed", "cancelled") else None,
            "peak_memory_mb": round(record.peak_memory_mb),
            "cpu_seconds": round(record.cpu_seconds, 3),
            "log_path": str(record.log_path),
        }
        if record.reason:
            entry["reason"] = record.reason
        if record.job.job_type == "http":
            entry["http_status"] = record.http_status
        jobs.append(entry)
    return {
        "workflow": result.workflow.name,
        "status": result.status,
        "started_at": iso(result.started_at),
        "finished_at": iso(result.finished_at),
        "duration": round(result.duration, 3),
        "jobs": jobs,
        "events": [event.as_dict() for event in result.events],
        "critical_path": result.plan.critical_path_ids,
    }


class ResultsFile(QuietReporter):
    """Writes the results JSON when the run ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def finish(self, result: Any) -> None:
        self.path.write_text(json.dumps(results(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
