"""Acceptance 7: a job's environment (inherited + workflow + job, values
expanded) and working directory, seen by real job processes."""

from __future__ import annotations

import json
import os
import sys

import pytest

from tests.integration._support import jobs_by_id, run_with_results, workflow

pytestmark = pytest.mark.integration

DUMP = (f"{sys.executable} -c \"import json, os; json.dump({{'env': dict(os.environ), 'cwd': os.getcwd()}}, "
        f"open(os.environ['DUMP_TO'], 'w'))\"")


def dump(job_id: str, target, **extra):
    job = {"id": job_id, "command": DUMP, **extra}
    job.setdefault("environment", {})["DUMP_TO"] = str(target / f"{job_id}.json")
    return job


def load_dump(directory, job_id: str) -> dict:
    return json.loads((directory / f"{job_id}.json").read_text())


def test_workflow_and_job_env_expand_against_what_came_before(project, cli, monkeypatch):
    monkeypatch.setenv("IT_BASE", "base-value")
    monkeypatch.setenv("IT_OVERRIDDEN", "inherited")
    inherited_path = os.environ["PATH"]
    workflow(project, [
        dump("job", project, environment={
            "FULL": "${GREETING} world",            # a workflow variable
            "FROM_BOTH": "$IT_BASE+$WF_ONLY",       # inherited and workflow
            "PRICE": "costs $$5",                   # $$ is a literal $
            "UNSET": "[$IT_NOT_SET_ANYWHERE]",      # unset expands to nothing
            "IT_OVERRIDDEN": "job:$IT_OVERRIDDEN",  # sees the workflow's value
        }),
        dump("plain", project),
    ], environment={
        "PATH": "/opt/jobrun-it/bin:$PATH",
        "GREETING": "hello ${IT_BASE}",
        "WF_ONLY": "wf",
        "IT_OVERRIDDEN": "workflow",
        "LITERAL": "$${NOT_EXPANDED}",
    })

    result, _ = run_with_results(cli)

    assert result.exit == 0, result.output
    env = load_dump(project, "job")["env"]
    assert env["PATH"] == f"/opt/jobrun-it/bin:{inherited_path}"
    assert env["GREETING"] == "hello base-value"
    assert env["FULL"] == "hello base-value world"
    assert env["FROM_BOTH"] == "base-value+wf"
    assert env["PRICE"] == "costs $5"
    assert env["UNSET"] == "[]"
    assert env["IT_OVERRIDDEN"] == "job:workflow"
    assert env["LITERAL"] == "${NOT_EXPANDED}"
    assert env["IT_BASE"] == "base-value"  # inherited
    assert (env["JOBRUN_JOB_ID"], env["JOBRUN_ATTEMPT"]) == ("job", "1")
    plain = load_dump(project, "plain")["env"]
    assert plain["IT_OVERRIDDEN"] == "workflow" and "FULL" not in plain


def test_workflow_env_expands_against_the_inherited_env_only(project, cli, monkeypatch):
    """Workflow values see the inherited environment, not job values."""
    monkeypatch.delenv("IT_JOB_ONLY", raising=False)
    workflow(project, [dump("j", project, environment={"IT_JOB_ONLY": "job"})],
             environment={"SEES_JOB": "<$IT_JOB_ONLY>"})
    result, _ = run_with_results(cli)
    assert result.exit == 0, result.output
    assert load_dump(project, "j")["env"]["SEES_JOB"] == "<>"


def test_path_prepend_finds_a_tool(project, cli):
    tools = project / "tools"
    tools.mkdir()
    tool = tools / "it-tool"
    tool.write_text("#!/bin/sh\necho tool ran > \"$OUT\"\n")
    tool.chmod(0o755)
    workflow(project, [{"id": "use", "command": "it-tool", "environment": {"OUT": str(project / "tool.txt")}}],
             environment={"PATH": f"{tools}:$PATH"})
    result, _ = run_with_results(cli)
    assert result.exit == 0, result.output
    assert (project / "tool.txt").read_text() == "tool ran\n"


def test_working_directory_is_relative_to_the_job_files_directory(project, cli, monkeypatch):
    wf_dir = project / "wf"
    (wf_dir / "work" / "deep").mkdir(parents=True)
    monkeypatch.setenv("IT_SUB", "deep")
    workflow(wf_dir, [
        dump("default_cwd", project),
        dump("relative", project, working_directory="work"),
        dump("expanded", project, working_directory="work/$IT_SUB"),
        dump("absolute", project, working_directory=str(project)),
        {"id": "script", "job_type": "script", "script_path": "run.sh", "working_directory": "work"},
    ])
    (wf_dir / "run.sh").write_text("pwd > where.txt\n")
    other = project / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)  # the cwd does not matter, the file's directory does

    result, data = run_with_results(cli, "-f", "../wf/jobrun.yaml")

    assert result.exit == 0, result.output
    assert load_dump(project, "default_cwd")["cwd"] == str(wf_dir.resolve())
    assert load_dump(project, "relative")["cwd"] == str((wf_dir / "work").resolve())
    assert load_dump(project, "expanded")["cwd"] == str((wf_dir / "work" / "deep").resolve())
    assert load_dump(project, "absolute")["cwd"] == str(project.resolve())
    assert (wf_dir / "work" / "where.txt").read_text().strip() == str((wf_dir / "work").resolve())
    # state and logs live beside the job file
    assert jobs_by_id(data)["relative"]["log_path"] == str(wf_dir.resolve() / ".jobrun" / "logs" / "relative.log")


def test_missing_working_directory_fails_the_job(project, cli):
    workflow(project, [{"id": "lost", "command": "true", "working_directory": "does/not/exist"}])
    result, data = run_with_results(cli)
    assert result.exit == 1
    error = jobs_by_id(data)["lost"]["error"]
    assert error.startswith("Job 'lost' failed") and "does/not/exist" in error


def test_jobfile_env_statements(project, cli, monkeypatch):
    monkeypatch.setenv("IT_HOME", "/home/it")
    (project / "Jobfile").write_text(
        'name = "envs"\n'
        'env TOOLS = "$IT_HOME/tools"\n'
        '\n'
        'show:\n'
        '    env WHERE = "$TOOLS/bin"\n'  # ${...} would be a Jobfile variable
        '    $ echo "$WHERE" > where.txt\n', encoding="utf-8")
    result, _ = run_with_results(cli)
    assert result.exit == 0, result.output
    assert (project / "where.txt").read_text() == "/home/it/tools/bin\n"
