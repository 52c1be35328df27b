"""Acceptance 5: conditions. only_if_branch against CI variables and real
git repositories, skip_if_failed, run_if (SPEC §11), and dependents of
skipped jobs."""

from __future__ import annotations

import subprocess

import pytest

from tests.integration._support import (
    end_event_time,
    events,
    first_event_time,
    jobs_by_id,
    run_with_results,
    workflow,
)

pytestmark = pytest.mark.integration

CI_VARIABLES = ("GITHUB_REF_NAME", "CI_COMMIT_BRANCH", "BRANCH_NAME")


@pytest.fixture
def no_ci(project, monkeypatch):
    """No CI branch variable, and git never looks above the project."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    return project


def git(project, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=it", "-c", "user.email=it@example.com", "-c", "init.defaultBranch=main",
                    *args], cwd=project, check=True, capture_output=True)


BRANCH_JOBS = [
    {"id": "on_main", "command": "echo main > on_main.txt", "conditions": {"only_if_branch": "main"}},
    {"id": "on_release", "command": "echo rel > on_release.txt", "conditions": {"only_if_branch": "release/*"}},
    {"id": "after_main", "command": "true", "dependencies": ["on_main"]},
    {"id": "unconditional", "command": "true"},
]


def test_only_if_branch_uses_the_ci_variable_first(no_ci, cli, monkeypatch):
    project = no_ci
    git(project, "init", "-q")
    git(project, "checkout", "-q", "-b", "main")  # git says main ...
    monkeypatch.setenv("GITHUB_REF_NAME", "release/2.0")  # ... the CI variable wins
    workflow(project, BRANCH_JOBS)

    result, data = run_with_results(cli)

    assert result.exit == 0, result.output  # skipped by a condition is not a failure
    jobs = jobs_by_id(data)
    assert jobs["on_release"]["status"] == "completed"
    assert (project / "on_release.txt").exists()
    assert jobs["on_main"]["status"] == "skipped"
    assert "release/2.0" in jobs["on_main"]["reason"] and "main" in jobs["on_main"]["reason"]
    assert not (project / "on_main.txt").exists()
    # dependents of a skipped job are skipped, naming it
    assert jobs["after_main"]["status"] == "skipped"
    assert "on_main" in jobs["after_main"]["reason"]
    assert jobs["unconditional"]["status"] == "completed"


@pytest.mark.parametrize("variable", ["CI_COMMIT_BRANCH", "BRANCH_NAME"])
def test_other_ci_variables(no_ci, cli, monkeypatch, variable):
    monkeypatch.setenv(variable, "main")
    workflow(no_ci, BRANCH_JOBS)
    result, data = run_with_results(cli)
    assert result.exit == 0, result.output
    jobs = jobs_by_id(data)
    assert (jobs["on_main"]["status"], jobs["on_release"]["status"]) == ("completed", "skipped")


def test_only_if_branch_reads_the_git_branch_with_a_glob(no_ci, cli):
    project = no_ci
    git(project, "init", "-q")
    git(project, "checkout", "-q", "-b", "release/1.4")
    workflow(project, BRANCH_JOBS)

    result, data = run_with_results(cli)

    assert result.exit == 0, result.output
    jobs = jobs_by_id(data)
    assert jobs["on_release"]["status"] == "completed"
    assert jobs["on_main"]["status"] == "skipped"
    assert "'release/1.4'" in jobs["on_main"]["reason"]
    assert jobs["after_main"]["status"] == "skipped"


def test_git_branch_of_the_job_files_directory_not_the_cwd(no_ci, cli):
    """The branch is the job file's repository's, found from its directory."""
    project = no_ci
    repo = project / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "checkout", "-q", "-b", "main")
    workflow(repo, BRANCH_JOBS)
    result, data = run_with_results(cli, "-f", "repo/jobrun.yaml")
    assert result.exit == 0, result.output
    jobs = jobs_by_id(data)
    assert (jobs["on_main"]["status"], jobs["on_release"]["status"]) == ("completed", "skipped")


def test_not_a_repository_means_the_branch_is_unknown(no_ci, cli):
    workflow(no_ci, BRANCH_JOBS)
    result, data = run_with_results(cli)
    assert result.exit == 0, result.output
    jobs = jobs_by_id(data)
    for job in ("on_main", "on_release"):
        assert jobs[job]["status"] == "skipped"
        assert "branch is unknown" in jobs[job]["reason"]
    assert jobs["unconditional"]["status"] == "completed"


def test_detached_head_means_the_branch_is_unknown(no_ci, cli):
    project = no_ci
    git(project, "init", "-q")
    git(project, "checkout", "-q", "-b", "main")
    git(project, "commit", "-q", "--allow-empty", "-m", "first")
    git(project, "checkout", "-q", "--detach")
    workflow(project, BRANCH_JOBS)
    result, data = run_with_results(cli)
    assert result.exit == 0, result.output
    jobs = jobs_by_id(data)
    assert jobs["on_main"]["status"] == "skipped"
    assert "branch is unknown" in jobs["on_main"]["reason"]


# ---------------------------------------------------------------- skip_if_failed


def test_skip_if_failed_orders_after_and_skips_when_it_failed(project, cli):
    workflow(project, [
        {"id": "lint", "command": "sleep 0.3; exit 1"},
        {"id": "tests", "command": "sleep 0.3"},
        {"id": "deploy", "command": "echo deployed > deploy.txt", "conditions": {"skip_if_failed": ["lint"]}},
        {"id": "docs", "command": "echo docs > docs.txt", "conditions": {"skip_if_failed": ["tests"]}},
    ])

    result, data = run_with_results(cli, "-k", "-j", "4")

    assert result.exit == 1
    jobs = jobs_by_id(data)
    assert jobs["deploy"]["status"] == "skipped"
    assert "'lint' failed" in jobs["deploy"]["reason"]
    assert not (project / "deploy.txt").exists()
    # ordered after `tests` (not a dependency, yet it waits), then runs
    assert jobs["docs"]["status"] == "completed"
    assert end_event_time(data, "tests") <= first_event_time(data, "job_started", "docs")


def test_skip_if_failed_job_skipped_or_not_selected_does_not_skip(project, cli, monkeypatch):
    monkeypatch.delenv("GITHUB_REF_NAME", raising=False)
    monkeypatch.setenv("BRANCH_NAME", "feature")
    workflow(project, [
        {"id": "gate", "command": "true", "conditions": {"only_if_branch": "main"}},  # skipped
        {"id": "broken", "command": "exit 1"},
        {"id": "after_gate", "command": "true", "conditions": {"skip_if_failed": ["gate"]}},
        {"id": "careful", "command": "echo ran > careful.txt", "conditions": {"skip_if_failed": ["broken"]}},
    ])

    result, data = run_with_results(cli, "-k")
    assert result.exit == 1
    jobs = jobs_by_id(data)
    assert jobs["gate"]["status"] == "skipped"
    assert jobs["after_gate"]["status"] == "completed"  # gate was skipped, not failed
    assert first_event_time(data, "job_started", "after_gate") >= end_event_time(data, "gate")
    assert jobs["careful"]["status"] == "skipped"

    # `broken` is not selected: no ordering, no skip
    result, data = run_with_results(cli, "careful")
    assert result.exit == 0, result.output
    assert [j["id"] for j in data["jobs"]] == ["careful"]
    assert jobs_by_id(data)["careful"]["status"] == "completed"


# ---------------------------------------------------------------- run_if

RUN_IF_JOBS = [
    {"id": "ok", "command": "true"},
    {"id": "bad", "command": "exit 1", "dependencies": ["ok"]},
    {"id": "build", "command": "echo built", "dependencies": ["bad"]},  # skipped: bad failed
    {"id": "package", "command": "true", "dependencies": ["build"]},  # skipped: build skipped
    # direct failure
    {"id": "notify_direct", "command": "echo ran > notify_direct.txt", "dependencies": ["bad"],
     "conditions": {"run_if": "failure"}},
    # transitive failure (bad -> build -> package)
    {"id": "notify_transitive", "command": "echo ran > notify_transitive.txt", "dependencies": ["package"],
     "conditions": {"run_if": "failure"}},
    # nothing upstream failed
    {"id": "notify_not", "command": "echo ran > notify_not.txt", "dependencies": ["ok"],
     "conditions": {"run_if": "failure"}},
    {"id": "cleanup", "command": "echo ran > cleanup.txt", "dependencies": ["bad", "package"],
     "conditions": {"run_if": "always"}},
    {"id": "report", "command": "true", "dependencies": ["bad"], "conditions": {"run_if": "success"}},
]


@pytest.mark.parametrize("keep_going", [False, True], ids=["fail-fast", "keep-going"])
def test_run_if(project, cli, keep_going):
    workflow(project, RUN_IF_JOBS)

    result, data = run_with_results(cli, *(["-k"] if keep_going else []))

    assert result.exit == 1
    jobs = jobs_by_id(data)
    status = {job: j["status"] for job, j in jobs.items()}
    assert status == {
        "ok": "completed", "bad": "failed", "build": "skipped", "package": "skipped",
        "notify_direct": "completed", "notify_transitive": "completed", "notify_not": "skipped",
        "cleanup": "completed", "report": "skipped",
    }
    assert (project / "notify_transitive.txt").exists() and (project / "cleanup.txt").exists()
    assert not (project / "notify_not.txt").exists()
    assert "run_if" in jobs["notify_not"]["reason"]
    assert jobs["report"]["reason"] == "dependency 'bad' failed"
    assert jobs["package"]["reason"] == "dependency 'build' was skipped ('bad' failed)"
    # `always` waited for every dependency to end, whatever the outcome
    assert first_event_time(data, "job_started", "cleanup") >= max(
        end_event_time(data, "bad"), end_event_time(data, "package"))


def test_run_if_always_and_failure_when_everything_succeeds(project, cli):
    workflow(project, [
        {"id": "a", "command": "sleep 0.2"},
        {"id": "always", "command": "true", "dependencies": ["a"], "conditions": {"run_if": "always"}},
        {"id": "on_failure", "command": "true", "dependencies": ["a"], "conditions": {"run_if": "failure"}},
        {"id": "after_always", "command": "true", "dependencies": ["always"]},
    ])
    result, data = run_with_results(cli)
    assert result.exit == 0, result.output
    jobs = jobs_by_id(data)
    assert [jobs[j]["status"] for j in ("a", "always", "on_failure", "after_always")] == [
        "completed", "completed", "skipped", "completed"]
    assert first_event_time(data, "job_started", "always") >= end_event_time(data, "a")


def test_run_if_always_after_a_skipped_dependency(project, cli, monkeypatch):
    monkeypatch.setenv("GITHUB_REF_NAME", "dev")
    workflow(project, [
        {"id": "gate", "command": "true", "conditions": {"only_if_branch": "main"}},
        {"id": "always", "command": "echo ran > always.txt", "dependencies": ["gate"],
         "conditions": {"run_if": "always"}},
        {"id": "normal", "command": "true", "dependencies": ["gate"]},
    ])
    result, data = run_with_results(cli)
    assert result.exit == 0, result.output
    jobs = jobs_by_id(data)
    assert [jobs[j]["status"] for j in ("gate", "always", "normal")] == ["skipped", "completed", "skipped"]
    assert len(events(data, "job_skipped", "normal")) == 1
