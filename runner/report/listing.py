"""`jobrun --list` and `jobrun --dry-run`."""

from __future__ import annotations

from runner.ir import Job, Workflow
from runner.plan import Plan, start_order


def summary(job: Job) -> str:
    """One line saying what the job does."""
    if job.job_type == "command":
        if not job.commands:
            return "(no command)"
        first = job.commands[0].strip().splitlines()[0] if job.commands[0].strip() else ""
        more = len(job.commands) - 1
        multi = "\n" in job.commands[0].strip()
        return f"$ {first}" + (" ..." if multi else "") + (f"  (+{more} more)" if more else "")
    if job.job_type == "script":
        return " ".join([job.script_path or "", *job.args])
    if job.job_type == "python":
        lines = (job.code or "").strip().splitlines()
        return f"python: {lines[0]}" + (" ..." if len(lines) > 1 else "") if lines else "python"
    if job.job_type == "http":
        return f"{(job.method or 'GET').upper()} {job.url}"
    return job.job_type + (f": {job.commands[0]}" if job.commands else "")


def description(job: Job) -> str:
    if job.description:
        return job.description.strip().splitlines()[0] if job.description.strip() else ""
    if job.name and job.name != job.id:
        return job.name
    return ""


def render_list(workflow: Workflow) -> str:
    jobs = workflow.jobs
    default = f"; default: {', '.join(workflow.default)}" if workflow.default else ""
    lines = [f"{workflow.name} ({len(jobs)} jobs{default})"]
    width = max((len(job.id) for job in jobs), default=0)
    described = [description(job) for job in jobs]
    dwidth = max((len(d) for d in described), default=0)
    for job, text in zip(jobs, described):
        tags = f"[{', '.join(job.tags)}]" if job.tags else ""
        lines.append(f"  {job.id:<{width}}  {text:<{dwidth}}  {tags}".rstrip())
    return "\n".join(lines) + "\n"


def render_dry_run(plan: Plan) -> str:
    order = start_order(plan)
    lines = [f"Dry run of {plan.workflow.name}: {len(order)} jobs, in the order one worker would "
             "start them; nothing runs"]
    width = max((len(job.id) for job in plan.jobs), default=0)
    digits = len(str(len(order)))
    for number, i in enumerate(order, 1):
        job = plan.jobs[i]
        after = ", ".join(plan.jobs[d].id for d in plan.deps[i])
        after = f"  (after {after})" if after else ""
        lines.append(f"  {number:>{digits}}. {job.id:<{width}}  {summary(job)}{after}")
    return "\n".join(lines) + "\n"
