"""How a job's process is started: found on the job's own PATH as execvp
would, with the signal dispositions a shell gives (not the ones Python set
for itself), and with nothing of jobrun's open in it."""

from __future__ import annotations

import os

import pytest

from runner.execute.process import executable
from tests.integration._support import jobrun_process, jobs_by_id, run_with_results, workflow

pytestmark = pytest.mark.integration


def make_tool(path, mode=0o755):
    path.write_text("#!/bin/sh\necho tool\n")
    path.chmod(mode)
    return path


def test_executable_is_found_like_execvp(tmp_path):
    first, second, third = (tmp_path / name for name in ("first", "second", "third"))
    for folder in (first, second, third):
        folder.mkdir()
    (first / "tool").mkdir()  # a directory of that name is not it
    make_tool(second / "tool", mode=0o644)  # nor a file that cannot be executed
    found = make_tool(third / "tool")
    path = os.pathsep.join(str(p) for p in (first, second, third))
    assert executable("tool", {"PATH": path}) == str(found)
    assert executable("./anything", {"PATH": path}) == "./anything"  # a slash: as written
    with pytest.raises(FileNotFoundError):
        executable("no-such-tool-here", {"PATH": path})


def test_a_job_finds_its_program_on_its_own_path(project, cli):
    (project / "bin").mkdir()
    make_tool(project / "bin" / "mytool")
    workflow(project, [{"id": "own", "command": "mytool", "environment": {"PATH": f"{project}/bin:$PATH"}},
                       {"id": "other", "command": "mytool"}])
    result, data = run_with_results(cli, "-k")
    jobs = jobs_by_id(data)
    assert jobs["own"]["status"] == "completed", result.output
    assert (project / ".jobrun" / "logs" / "own.log").read_text() == "tool\n"
    assert jobs["other"]["exit_code"] == 127  # not on jobrun's own PATH
    assert "command not found: mytool" in jobs["other"]["error"]


def run_one(project, job: dict) -> str:
    """Run a one-job workflow with a real jobrun; the job's log."""
    workflow(project, [job])
    proc = jobrun_process(["--no-live"], project)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    return (project / ".jobrun" / "logs" / f"{job['id']}.log").read_text()


def ignored_signals(log_text: str) -> int:
    line = next(x for x in log_text.splitlines() if x.startswith("SigIgn:"))
    return int(line.split()[1], 16)


@pytest.mark.parametrize("command", ["grep SigIgn /proc/self/status",  # run directly
                                     "grep SigIgn /proc/self/status | cat"])  # by the shell
def test_jobs_get_sigpipe_and_sigxfsz_back(project, command):
    """Python ignores SIGPIPE and SIGXFSZ; a job must not inherit that
    (`yes | head -1` would end in 'Broken pipe' errors)."""
    ignored = ignored_signals(run_one(project, {"id": "sig", "command": command}))
    assert not ignored & (1 << (13 - 1)), "SIGPIPE is ignored in the job"
    assert not ignored & (1 << (25 - 1)), "SIGXFSZ is ignored in the job"


def test_yes_into_head_ends_cleanly(project):
    assert run_one(project, {"id": "pipe", "command": "yes | head -n 2"}) == "y\ny\n"


@pytest.mark.parametrize("where", [".", "sub"])  # jobrun's own directory (posix_spawn), another (Popen)
def test_a_job_has_only_its_standard_streams_open(project, where):
    (project / "sub").mkdir()
    open_fds = set(run_one(project, {"id": "fds", "command": "ls /proc/self/fd", "working_directory": where}).split())
    assert open_fds <= {"0", "1", "2", "3"}, open_fds  # 3: ls's own listing of the folder


def test_stdin_is_dev_null_and_output_goes_to_the_log(project):
    assert run_one(project, {"id": "io", "command": "sh -c 'cat; echo out; echo err >&2'"}) == "out\nerr\n"


@pytest.fixture(params=["no pidfds", "no pidfd for one process"])
def fallback(request, monkeypatch):
    """The paths for kernels without pidfds: recipes run by workers through
    `kind.run`, or one process (say, out of descriptors) waited on by a worker."""
    if request.param == "no pidfds":
        monkeypatch.setattr("runner.execute.executor.DIRECT", False)
    else:
        from runner.execute import process

        real = process.Supervision.__init__

        def without_pidfd(self, *args, **kwargs):
            real(self, *args, **kwargs)
            self.close()

        monkeypatch.setattr(process.Supervision, "__init__", without_pidfd)
    return request.param


def test_fallbacks_run_recipes_with_the_same_guarantees(project, cli, fallback):
    workflow(project, [
        {"id": "lines", "command": ["echo one", "echo two", "exit 4", "echo never"]},
        {"id": "slow", "command": "sleep 97.301", "timeout": 0.5},
        {"id": "ok", "command": "echo fine"},
    ])
    result, data = run_with_results(cli, "-k")
    jobs = jobs_by_id(data)
    assert result.exit == 1, result.output
    assert (jobs["lines"]["status"], jobs["lines"]["exit_code"]) == ("failed", 4)
    assert (project / ".jobrun" / "logs" / "lines.log").read_text() == "one\ntwo\n"
    assert jobs["slow"]["error"] == "Job timed out after 0.5 seconds" and jobs["slow"]["exit_code"] is None
    assert jobs["ok"]["status"] == "completed"


def test_a_recipe_that_changes_its_environment_is_run_with_the_change(project):
    """The loop hands posix_spawn an environment encoded once per run; a job
    type whose recipe edits ctx.env must still see its edit (and the usual
    JOBRUN_ variables)."""
    from runner import Orchestrator, kinds, load_workflow
    from runner.kinds import JobKind

    class Tagged(JobKind):
        name = "it_tagged"
        fields = frozenset({"commands"})

        def recipe(self, ctx):
            ctx.env["IT_TAG"] = f"tag-{ctx.attempt}"
            return [["/bin/sh", "-c", "echo $IT_TAG $JOBRUN_JOB_ID $JOBRUN_ATTEMPT"]]

    kinds.register(Tagged())
    try:
        workflow(project, [{"id": "tagged", "job_type": "it_tagged"}, {"id": "plain", "command": "env"}])
        result = Orchestrator(load_workflow("jobrun.yaml"), max_concurrent=2).run()
    finally:
        kinds._REGISTRY.pop("it_tagged", None)
    assert result.exit_code == 0
    logs = project / ".jobrun" / "logs"
    assert (logs / "tagged.log").read_text() == "tag-1 tagged 1\n"
    plain = (logs / "plain.log").read_text().splitlines()
    assert "JOBRUN_JOB_ID=plain" in plain and "JOBRUN_ATTEMPT=1" in plain and "IT_TAG=tag-1" not in plain


def test_working_directory_may_name_the_job(project, cli):
    (project / "w-one").mkdir()
    workflow(project, [{"id": "one", "command": "pwd", "working_directory": "w-$JOBRUN_JOB_ID"}])
    result, data = run_with_results(cli)
    assert jobs_by_id(data)["one"]["status"] == "completed", result.output
    assert (project / ".jobrun" / "logs" / "one.log").read_text().strip() == str((project / "w-one").resolve())


def test_a_program_removed_during_the_run_is_searched_for_again(project, cli):
    """The PATH search is remembered for the run; when the file found is gone,
    the next job searches again (and finds the other copy)."""
    for folder in ("first", "second"):
        (project / folder).mkdir()
        make_tool(project / folder / "mytool")
    path = f"{project}/first:{project}/second:$PATH"
    workflow(project, [
        {"id": "one", "command": "mytool", "environment": {"PATH": path}},
        {"id": "remove", "command": f"rm {project}/first/mytool", "dependencies": ["one"]},
        {"id": "two", "command": "mytool", "environment": {"PATH": path}, "dependencies": ["remove"]},
        {"id": "three", "command": "mytool", "environment": {"PATH": f"{project}/first"}, "dependencies": ["two"]},
    ])
    result, data = run_with_results(cli, "-k")
    jobs = jobs_by_id(data)
    assert [jobs[j]["status"] for j in ("one", "remove", "two")] == ["completed"] * 3, result.output
    assert (project / ".jobrun" / "logs" / "two.log").read_text() == "tool\n"
    assert jobs["three"]["exit_code"] == 127 and "command not found: mytool" in jobs["three"]["error"]
