"""`jobrun --graph`: the plan as text, Graphviz DOT, Mermaid or JSON.

Edges point from a dependency to the job that waits for it (the direction
work flows). The critical path is highlighted in DOT and Mermaid.
"""

from __future__ import annotations

import json
from typing import Any

from runner.plan import Plan

FORMATS = ("text", "dot", "mermaid", "json")


def render(plan: Plan, fmt: str) -> str:
    return {"text": text, "dot": dot, "mermaid": mermaid, "json": as_json}[fmt](plan)


def plan_data(plan: Plan) -> dict[str, Any]:
    """The full plan as data; the same for a Jobfile and its YAML translation,
    and free of machine paths."""
    level_of = {i: n for n, level in enumerate(plan.levels) for i in level}
    ids = [job.id for job in plan.jobs]
    selected = set(ids)
    return {
        "workflow": plan.workflow.name,
        "jobs": [
            {
                "id": job.id,
                "name": job.title,
                "type": job.job_type,
                "dependencies": [d for d in job.dependencies if d in selected],
                "level": level_of[i],
                "tags": list(job.tags),
            }
            for i, job in enumerate(plan.jobs)
        ],
        "edges": [list(edge) for edge in plan.edges()],
        "levels": plan.level_ids(),
        "critical_path": plan.critical_path_ids,
        "max_parallelism": plan.max_parallelism,
    }


def as_json(plan: Plan) -> str:
    return json.dumps(plan_data(plan), indent=2, ensure_ascii=False) + "\n"


def text(plan: Plan) -> str:
    width = max((len(job.id) for job in plan.jobs), default=0)
    lines = [f"{plan.workflow.name}: {len(plan.jobs)} jobs, {len(plan.levels)} levels, "
             f"max parallelism {plan.max_parallelism}"]
    for number, level in enumerate(plan.levels):
        lines.append(f"level {number}")
        for i in level:
            before = ", ".join(plan.jobs[d].id for d in plan.deps[i])
            arrow = f"  <- {before}" if before else ""
            lines.append(f"  {plan.jobs[i].id:<{width}}{arrow}".rstrip())
    if plan.critical_path:
        lines.append(f"critical path ({len(plan.critical_path)} jobs): " + " -> ".join(plan.critical_path_ids))
    return "\n".join(lines) + "\n"


def _dot_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(plan: Plan) -> str:
    on_path = set(plan.critical_path)
    path_edges = set(zip(plan.critical_path, plan.critical_path[1:]))
    lines = [f"digraph {_dot_quote(plan.workflow.name)} {{",
             "  rankdir=LR;",
             '  node [shape=box, style=rounded, fontname="Helvetica"];']
    for i, job in enumerate(plan.jobs):
        attrs = [f"label={_dot_quote(job.id)}"]
        if job.name and job.name != job.id:
            attrs.append(f"tooltip={_dot_quote(job.name)}")
        if i in on_path:
            attrs.append('color="#c0392b", penwidth=2')
        lines.append(f"  {_dot_quote(job.id)} [{', '.join(attrs)}];")
    for i, before in enumerate(plan.deps):
        for d in before:
            style = ' [color="#c0392b", penwidth=2]' if (d, i) in path_edges else ""
            lines.append(f"  {_dot_quote(plan.jobs[d].id)} -> {_dot_quote(plan.jobs[i].id)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_label(value: str) -> str:
    return value.replace('"', "#quot;")


def mermaid(plan: Plan) -> str:
    # Node ids are positional (j0, j1, ...): job ids such as `end` or `a.b`
    # would break Mermaid's syntax; the job id is the label.
    lines = ["flowchart LR"]
    for i, job in enumerate(plan.jobs):
        lines.append(f'    j{i}["{_mermaid_label(job.id)}"]')
    for i, before in enumerate(plan.deps):
        for d in before:
            lines.append(f"    j{d} --> j{i}")
    if plan.critical_path:
        lines.append("    classDef critical stroke:#c0392b,stroke-width:3px")
        lines.append("    class " + ",".join(f"j{i}" for i in plan.critical_path) + " critical")
    return "\n".join(lines) + "\n"
