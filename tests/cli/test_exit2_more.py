"""Exit-code-2 paths of SPEC §5/§11 that test_cli_plan.py and
test_dsl_errors.py do not reach through the command line: import cycles, a
job defined in two files, a missing import, bad flag values, the YAML
did-you-mean and duplicate-id wording, and the same errors from a real
`python -m runner` process (exit status, nothing on stdout, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [["--list"], ["analyze"], ["--graph=json"], ["-n"]]


def assert_exit_2(result, first_line: str) -> list[str]:
    assert result.exit == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == first_line
    return lines


@pytest.mark.parametrize("command", COMMANDS)
def test_import_cycle_through_three_files_names_the_chain(project, cli, command):
    write(project, "Jobfile", 'import "b.jobs"\na:\n    $ echo a\n')
    write(project, "b.jobs", 'import "c.yaml"\nb:\n')
    write(project, "c.yaml", "imports: [Jobfile]\njobs: []\n")
    lines = assert_exit_2(cli(*command), "Error: import cycle: Jobfile -> b.jobs -> c.yaml -> Jobfile")
    assert lines[1] == " --> c.yaml:1:11"


def test_yaml_import_cycle_named_with_f(project, cli):
    write(project, "a.yaml", "imports: [b.yaml]\njobs: [{id: a}]\n")
    write(project, "b.yaml", "imports: [a.yaml]\njobs: [{id: b}]\n")
    assert_exit_2(cli("-f", "a.yaml", "--list"), "Error: import cycle: a.yaml -> b.yaml -> a.yaml")


def test_a_file_importing_itself_is_a_cycle(project, cli):
    write(project, "Jobfile", 'import "Jobfile"\nbuild:\n')
    assert_exit_2(cli("--list"), "Error: import cycle: Jobfile -> Jobfile")


@pytest.mark.parametrize("command", COMMANDS)
def test_job_defined_in_two_files_names_both_places(project, cli, command):
    write(project, "Jobfile", 'import "other.yaml"\nbuild:\n    $ make\n')
    write(project, "other.yaml", "jobs:\n  - id: x\n  - id: build\n")
    lines = assert_exit_2(cli(*command), "other.yaml:3: error: duplicate job id 'build' (first defined at Jobfile:2)")
    assert lines[2] == "3 |   - id: build"


def test_missing_import_is_an_error(project, cli):
    write(project, "Jobfile", 'import "nope.yaml"\nbuild:\n')
    lines = assert_exit_2(cli("--list"), "Error: cannot import 'nope.yaml': no such file")
    assert lines[1] == " --> Jobfile:1:8"


@pytest.mark.parametrize(
    "argv, first_line",
    [
        (["-j", "abc", "-n"], "Error: argument -j/--jobs/-c/--max-concurrent: 'abc' is not a whole number"),
        (["-j", "-1", "-n"], "Error: argument -j/--jobs/-c/--max-concurrent: '-1' is negative (0 means no limit)"),
        (["--jobs=1.5", "-n"], "Error: argument -j/--jobs/-c/--max-concurrent: '1.5' is not a whole number"),
        (["-c", "x", "-n"], "Error: argument -j/--jobs/-c/--max-concurrent: 'x' is not a whole number"),
        (["--color=pink", "-n"],
         "Error: argument --color: invalid choice: 'pink' (choose from 'auto', 'always', 'never')"),
        (["--graph=", "-n"], "Error: argument --graph: invalid choice: '' (choose from 'text', 'dot', 'mermaid', 'json')"),
        (["analyze", "-o"], "Error: argument -o/--output: expected one argument"),
        (["create", "--name"], "Error: argument --name: expected one argument"),
    ],
)
def test_bad_flag_values_exit_2(project, cli, argv, first_line):
    write(project, "jobrun.yaml", "jobs:\n  - {id: build, tags: [x]}\n")
    lines = assert_exit_2(cli(*argv), first_line)
    assert lines[1:] in ([], ["  = hint: see 'jobrun --help'"], ["  = hint: see 'jobrun analyze --help'"],
                         ["  = hint: see 'jobrun create --help'"], ["  = hint: see 'jobrun convert --help'"])


def test_convert_without_out_exits_2(project, cli):
    write(project, "jobrun.yaml", "jobs:\n  - {id: build}\n")
    result = cli("convert", "jobrun.yaml")
    assert result.exit == 2 and result.stdout == "" and "Traceback" not in result.stderr
    # (today the message also calls the optional VAR=value "required"; not pinned here)
    assert result.stderr.startswith("Error: the following arguments are required: OUT")


def test_yaml_unknown_key_says_did_you_mean_on_the_command_line(project, cli):
    write(project, "jobrun.yaml", "jobs:\n  - id: a\n    comand: x\n")
    lines = assert_exit_2(cli("--list"), "jobrun.yaml:3: error: unknown key 'comand' in job 'a'")
    assert lines[-1] == "  = hint: did you mean 'command'?"


def test_yaml_duplicate_id_points_at_the_second_and_names_the_first(project, cli):
    write(project, "jobrun.yaml", "jobs:\n  - id: a\n  - id: b\n  - id: a\n")
    lines = assert_exit_2(cli("analyze"), "jobrun.yaml:4: error: duplicate job id 'a' (first defined at line 2)")
    assert lines[2] == "4 |   - id: a"


def test_python_yaml_tag_is_refused_and_never_runs(project, cli):
    marker = project / "pwned"
    write(project, "jobrun.yaml", f"jobs:\n  - id: a\n    command: !!python/object/apply:os.system ['touch {marker}']\n")
    assert_exit_2(cli("-n"), "jobrun.yaml:3: error: YAML tag '!!python/object/apply:os.system' is not allowed")
    assert not marker.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_undefined_variable_exits_2_from_every_planning_command(project, cli, command, monkeypatch):
    monkeypatch.delenv("REGISTRY_AUDIT_UNSET", raising=False)
    write(project, "Jobfile", "build:\n    $ docker push ${REGISTRY_AUDIT_UNSET}/app\n")
    assert_exit_2(cli(*command), "Jobfile:2:19: error: undefined variable 'REGISTRY_AUDIT_UNSET'")


def test_convert_of_an_invalid_file_exits_2_and_writes_nothing(project, cli):
    write(project, "jobrun.yaml", "jobs:\n  - id: a\n    dependencies: [missing]\n")
    assert_exit_2(cli("convert", "jobrun.yaml", "Jobfile"), "Error: Job 'a' depends on non-existent job 'missing'")
    assert not (project / "Jobfile").exists()


# ------------------------------------------------ a real process, as a user runs it

CASES = {
    "no job file": ({}, ["--list"], "Error: no job file found in "),
    "bad flag": ({"jobrun.yaml": "jobs: [{id: a}]\n"}, ["-j", "x"], "Error: argument -j/--jobs/-c/--max-concurrent"),
    "unknown target": ({"jobrun.yaml": "jobs: [{id: build}]\n"}, ["buidl"], "Error: unknown target 'buidl'"),
    "unknown tag": ({"jobrun.yaml": "jobs: [{id: build}]\n"}, ["-t", "nope"], "Error: unknown tag 'nope'"),
    "cycle": ({"jobrun.yaml": "jobs: [{id: a, dependencies: [a]}]\n"}, ["analyze"],
              "Error: Circular dependency detected: a -> a"),
    "jobfile syntax": ({"Jobfile": "build\n    $ make\n"}, ["--list"], "Jobfile:1:6: error: expected ':'"),
    "import cycle": ({"Jobfile": 'import "Jobfile"\na:\n'}, ["--list"], "Error: import cycle: Jobfile -> Jobfile"),
    "undefined variable": ({"Jobfile": "a:\n    $ echo ${UNSET_AUDIT_VAR}\n"}, ["-n"],
                           "Jobfile:2:12: error: undefined variable 'UNSET_AUDIT_VAR'"),
}


@pytest.mark.parametrize("name", CASES)
def test_python_m_runner_exits_2_with_one_clear_line(tmp_path, name):
    files, argv, first = CASES[name]
    for file, text in files.items():
        (tmp_path / file).write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "UNSET_AUDIT_VAR")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    proc = subprocess.run([sys.executable, "-m", "runner", *argv], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0].startswith(first), proc.stderr
