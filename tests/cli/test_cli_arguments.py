"""The command line's corners: `--` ends the options, optional operands are
not reported as required, `--skip-tags` agrees across --graph, --dry-run and
a run, hints that work when followed, and unsafe YAML named at the top."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write

DASH_N = """
    "-n":
        $ echo dash-n ran > dash-n.txt
    run:
        $ echo run ran > run.txt
"""


def graph_ids(result) -> list[str]:
    assert result.exit == 0, result.stderr
    return [job["id"] for job in json.loads(result.stdout)["jobs"]]


# ---------------------------------------------------------------- `--`

def test_a_job_named_like_an_option_runs_after_double_dash(project, cli):
    write(project, "Jobfile", DASH_N)
    result = cli("--no-live", "-o", "results.json", "--", "-n")
    assert result.exit == 0, result.stderr
    assert (project / "dash-n.txt").read_text() == "dash-n ran\n"  # run, not a dry run
    assert not (project / "run.txt").exists()
    assert [job["id"] for job in json.loads((project / "results.json").read_text())["jobs"]] == ["-n"]


def test_after_double_dash_options_are_targets(project, cli):
    write(project, "Jobfile", DASH_N)
    write(project, "w/Jobfile", "other:\n")
    assert graph_ids(cli("--graph=json", "--", "-n")) == ["-n"]
    result = cli("--", "-C", "w", "--list")
    assert result.exit == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: unknown target '-C': no job has that id")


def test_file_option_before_double_dash_still_applies(project, cli):
    write(project, "ci.jobs", DASH_N)
    assert graph_ids(cli("-f", "ci.jobs", "--graph=json", "--", "-n")) == ["-n"]
    result = cli("-f", "ci.jobs", "--no-live", "-q", "--", "-n")
    assert result.exit == 0, result.stderr
    assert (project / "dash-n.txt").exists() and not (project / "run.txt").exists()


def test_double_dash_run_runs_a_job_named_run(project, cli):
    write(project, "Jobfile", DASH_N)
    result = cli("--no-live", "-q", "--", "run")
    assert result.exit == 0, result.stderr
    assert (project / "run.txt").read_text() == "run ran\n" and not (project / "dash-n.txt").exists()
    assert graph_ids(cli("run", "--graph=json", "--", "-n")) == ["-n"]


def test_variables_after_double_dash_are_still_overrides(project, cli):
    write(project, "Jobfile", 'V := "a"\n"-n":\n    $ echo ${V}\n')
    result = cli("-n", "--", "V=b", "-n")
    assert result.exit == 0, result.stderr
    assert "$ echo b" in result.stdout


def test_words_after_double_dash_in_errors_read_as_written(project, cli):
    result = cli("create", "--", "-x")
    assert result.exit == 2
    assert result.stderr.splitlines()[0] == "Error: unrecognized arguments: -x"


def test_convert_takes_its_operands_after_double_dash(project, cli):
    write(project, "Jobfile", DASH_N)
    result = cli("convert", "--", "Jobfile", "-out.yaml")
    assert result.exit == 0, result.stderr
    assert "id: -n" in (project / "-out.yaml").read_text()


# ---------------------------------------------------------------- required operands

@pytest.mark.parametrize(("argv", "missing"), [
    (["convert", "a.yaml"], "OUT"),
    (["convert"], "IN, OUT"),
])
def test_convert_names_only_the_operands_that_are_required(project, cli, argv, missing):
    result = cli(*argv)
    assert result.exit == 2
    assert result.stderr.splitlines()[0] == f"Error: the following arguments are required: {missing}"


# ---------------------------------------------------------------- --skip-tags

SKIP = """
    setup:
        $ echo setup ran > setup.txt
        tags setup
    test: setup
        $ echo test ran > test.txt
"""


def test_skip_tags_agrees_across_graph_and_dry_run(project, cli):
    write(project, "Jobfile", SKIP)
    data = json.loads(cli("--graph=json", "--skip-tags", "setup").stdout)
    assert [job["id"] for job in data["jobs"]] == ["test"]
    assert data["jobs"][0]["dependencies"] == [] and data["edges"] == []
    assert data["levels"] == [["test"]] and data["critical_path"] == ["test"]
    dry = cli("-n", "--skip-tags", "setup")
    assert dry.exit == 0 and "setup" not in dry.stdout and "1. test" in dry.stdout
    assert "setup" not in cli("--graph=mermaid", "--skip-tags", "setup").stdout


def test_skip_tags_runs_the_kept_job_without_its_removed_dependency(project, cli):
    write(project, "Jobfile", SKIP)
    result = cli("--no-live", "-o", "results.json", "--skip-tags", "setup")
    assert result.exit == 0, result.stderr
    data = json.loads((project / "results.json").read_text())
    assert [(job["id"], job["status"]) for job in data["jobs"]] == [("test", "completed")]
    assert (project / "test.txt").exists() and not (project / "setup.txt").exists()


# ---------------------------------------------------------------- hints that work

def test_following_the_undefined_variable_hint_works(project, cli, monkeypatch):
    write(project, "Jobfile", "build:\n    $ docker push ${REGISTRY}/app\n")
    monkeypatch.delenv("REGISTRY", raising=False)
    result = cli("--list")
    assert result.exit == 2 and "command line" not in result.stderr
    monkeypatch.setenv("REGISTRY", "env.example")  # "set it in the environment"
    assert cli("--list").exit == 0
    monkeypatch.delenv("REGISTRY")
    write(project, "Jobfile", 'REGISTRY := "..."\nbuild:\n    $ docker push ${REGISTRY}/app\n')  # "define it"
    result = cli("-n", "REGISTRY=x")  # and then the command line may override it
    assert result.exit == 0 and "docker push x/app" in result.stdout


# ---------------------------------------------------------------- unsafe YAML

@pytest.mark.parametrize("text", [
    '!!python/object/apply:os.system ["echo hacked"]\n',
    '--- !!python/object/apply:os.system ["echo hacked"]\n',
])
def test_a_tag_on_the_whole_document_is_named(project, cli, text):
    write(project, "jobrun.yaml", text)
    result = cli("--list")
    assert result.exit == 2 and result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first == "jobrun.yaml:1: error: YAML tag '!!python/object/apply:os.system' is not allowed"
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- threads

def test_start_up_runs_on_a_thread_of_its_own_and_hands_back_what_it_gives():
    import threading

    from runner.commands import on_a_thread_of_its_own

    here = threading.get_ident()
    assert on_a_thread_of_its_own(threading.get_ident) != here
    error = ValueError("from the start-up thread")

    def fail():
        raise error

    with pytest.raises(ValueError) as caught:
        on_a_thread_of_its_own(fail)
    assert caught.value is error


def test_a_run_loads_on_another_thread_and_runs_its_loop_on_the_callers(project, cli, monkeypatch):
    """The loop needs the calling (main) thread: only it can install the
    signal handlers; loading happens on the start-up thread, which has ended."""
    import threading

    from runner.execute import executor
    from runner.syntax import data

    seen: dict[str, int] = {}
    real_run, real_parse = executor.Executor.run, data.parse

    def run(self):
        seen["loop"] = threading.get_ident()
        return real_run(self)

    def parse(source):
        seen["load"] = threading.get_ident()
        return real_parse(source)

    monkeypatch.setattr(executor.Executor, "run", run)
    monkeypatch.setattr(data, "parse", parse)
    write(project, "jobrun.yaml", 'jobs:\n  - id: a\n    command: "true"\n')
    result = cli("--no-live")
    assert result.exit == 0, result.stderr
    assert seen["loop"] == threading.get_ident()
    assert seen["load"] != threading.get_ident()


def test_ctrl_c_during_a_runs_start_up_is_interrupted_with_130(project, cli, monkeypatch):
    """A KeyboardInterrupt on the start-up thread reaches the waiting one."""
    from runner.syntax import data

    def interrupted(source):
        raise KeyboardInterrupt

    monkeypatch.setattr(data, "parse", interrupted)
    write(project, "jobrun.yaml", 'jobs:\n  - id: a\n    command: "true"\n')
    result = cli("--no-live")
    assert (result.exit, result.stderr) == (130, "Interrupted\n")


def test_a_job_file_that_is_a_symlink_loop_is_one_clear_error(project, cli):
    (project / "loop.yaml").symlink_to(project / "loop.yaml")
    for argv in (("-f", "loop.yaml", "--no-live"), ("-f", "loop.yaml", "--list")):
        result = cli(*argv)
        assert result.exit == 2, result.stderr
        assert result.stderr.startswith("Error: cannot read 'loop.yaml'"), result.stderr
        assert "Traceback" not in result.stderr
