"""`jobrun analyze`: the DAG property table, execution order and critical path."""

from __future__ import annotations

from typing import Any

from runner.plan import Plan
from runner.report import table
from runner.units import fmt_number


def analysis(plan: Plan) -> dict[str, Any]:
    """The analysis as data: what `analyze -o` writes and the table shows."""
    data: dict[str, Any] = {
        "workflow": plan.workflow.name,
        "total_jobs": len(plan.jobs),
        "valid_dag": True,
        "has_cycles": False,
        "execution_levels": len(plan.levels),
        "critical_path_length": len(plan.critical_path),
        "max_parallelism": plan.max_parallelism,
        "levels": plan.level_ids(),
        "critical_path": plan.critical_path_ids,
    }
    if plan.critical_path_seconds is not None:
        data["critical_path_seconds"] = round(plan.critical_path_seconds, 3)
    return data


def render(data: dict[str, Any], encoding: str | None = "utf-8") -> str:
    yes_no = {True: "yes", False: "no"}
    rows: list[list[object]] = [
        ["Workflow Name", data["workflow"]],
        ["Total Jobs", data["total_jobs"]],
        ["Valid DAG", yes_no[data["valid_dag"]]],
        ["Has Cycles", yes_no[data["has_cycles"]]],
        ["Execution Levels", data["execution_levels"]],
        ["Critical Path", f"{data['critical_path_length']} jobs"],
        ["Max Parallelism", data["max_parallelism"]],
    ]
    if "critical_path_seconds" in data:
        rows.insert(6, ["Critical Path Time", f"{fmt_number(data['critical_path_seconds'])} s"])
    lines = [table(rows, ["Property", "Value"], encoding), "", "Execution Order:"]
    for number, level in enumerate(data["levels"]):
        lines.append(f"  Level {number}: {', '.join(level)}")
    lines.append("")
    lines.append(f"Critical Path ({data['critical_path_length']} jobs):")
    lines.append("  " + " -> ".join(data["critical_path"]) if data["critical_path"] else "  (no jobs)")
    return "\n".join(lines) + "\n"
