"""A job's environment, working directory and the current git branch."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from runner.ir import Job

_VAR_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
BRANCH_VARIABLES = ("GITHUB_REF_NAME", "CI_COMMIT_BRANCH", "BRANCH_NAME")


def expand(value: str, env: Mapping[str, str]) -> str:
    """`$VAR` and `${VAR}` from `env` (unset: empty, as in the shell); `$$` is `$`."""
    if "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1) or match.group(2), "")

    return _VAR_RE.sub(replace, value)


def job_environment(job: Job, workflow_env: Mapping[str, str], inherited: Mapping[str, str]) -> dict[str, str]:
    """inherited + workflow env (expanded against inherited) + job env
    (expanded against inherited and workflow env)."""
    env = dict(inherited)
    env.update({name: expand(value, inherited) for name, value in workflow_env.items()})
    base = dict(env)
    env.update({name: expand(value, base) for name, value in job.environment.items()})
    return env


def working_directory(job: Job, env: Mapping[str, str]) -> Path:
    """The job's cwd: its working_directory (expanded, relative to its file's
    directory), else that directory."""
    if job.working_directory is None:
        return job.base_dir
    return job.base_dir / expand(job.working_directory, env)


def current_branch(directory: Path, env: Mapping[str, str]) -> str | None:
    """The CI's branch variable if set, else git's current branch; None when
    unknown (no CI variable, not a repository, or a detached HEAD)."""
    for name in BRANCH_VARIABLES:
        if env.get(name):
            return env[name]
    import subprocess

    try:
        result = subprocess.run(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], cwd=directory,
                                capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    branch = result.stdout.strip()
    return branch if result.returncode == 0 and branch else None


def inherited_environment() -> dict[str, str]:
    return dict(os.environ)
