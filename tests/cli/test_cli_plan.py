"""The planning commands: analyze, --graph, --list, --dry-run, create; and
every exit-2 path of the command line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import write


@pytest.fixture
def sample(project, cli):
    """The `jobrun create` sample, written as jobrun.yaml in the project."""
    assert cli("create").exit == 0
    return project / "jobrun.yaml"


def test_analyze_sample(sample, cli, snapshot):
    result = cli("analyze")
    assert result.exit == 0 and result.stderr == ""
    assert result.stdout == snapshot


def test_analyze_json_has_the_same_values(sample, cli):
    assert cli("analyze", "-o", "analysis.json").exit == 0
    data = json.loads((sample.parent / "analysis.json").read_text())
    assert data["total_jobs"] == 14 and data["execution_levels"] == 10
    assert data["max_parallelism"] == 3 and data["critical_path_length"] == 10
    assert data["valid_dag"] is True and data["has_cycles"] is False
    assert data["levels"][2] == ["lint", "build_frontend", "build_backend"]
    assert data["critical_path"][0] == "setup" and data["critical_path"][-1] == "notify"


def test_list(sample, cli, snapshot):
    result = cli("--list")
    assert result.exit == 0 and result.stdout == snapshot


@pytest.mark.parametrize("fmt", ["text", "dot", "mermaid", "json"])
def test_graph_formats(sample, cli, snapshot, fmt):
    result = cli(f"--graph={fmt}")
    assert result.exit == 0 and result.stdout == snapshot


def test_bare_graph_is_text(sample, cli):
    assert cli("--graph").stdout == cli("--graph=text").stdout


def test_graph_of_a_target_shows_it_and_its_dependencies(sample, cli):
    data = json.loads(cli("--graph=json", "test_backend").stdout)
    assert [j["id"] for j in data["jobs"]] == ["setup", "install_deps", "build_backend", "test_backend"]
    assert data["edges"] == [["setup", "install_deps"], ["install_deps", "build_backend"],
                             ["build_backend", "test_backend"]]


def test_graph_json_has_no_machine_paths(sample, cli):
    text = cli("--graph=json").stdout
    assert str(sample.parent) not in text and "/tmp" not in text


def test_dot_is_valid_graphviz(sample, cli):
    pydot = pytest.importorskip("pydot")
    text = cli("--graph=dot").stdout
    graphs = pydot.graph_from_dot_data(text)
    assert graphs and len(graphs[0].get_edges()) == 16
    if shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=True).stdout
        assert "<svg" in svg


_MERMAID_LINE = re.compile(
    r'^(flowchart LR|    j\d+\["[^"]*"\]|    j\d+ --> j\d+|    classDef critical [a-z:#0-9,-]+|    class (j\d+,)*j\d+ critical)$')


def test_mermaid_is_a_flowchart_of_known_statements(sample, cli):
    lines = cli("--graph=mermaid").stdout.splitlines()
    assert lines[0] == "flowchart LR" and not lines[0].startswith("```")
    for line in lines:
        assert _MERMAID_LINE.match(line), line
    assert sum("-->" in line for line in lines) == 16


def test_dry_run_runs_nothing(sample, cli, project):
    result = cli("-n")
    assert result.exit == 0
    assert "14 jobs" in result.stdout.splitlines()[0]
    assert not (project / ".sample-build").exists()


def test_create_json_and_refuses_to_overwrite(project, cli):
    assert cli("create", "--name", "Mine", "--output", "w.json").exit == 0
    data = json.loads((project / "w.json").read_text())
    assert data["name"] == "Mine" and len(data["jobs"]) == 14
    again = cli("create", "--output", "w.json")
    assert again.exit == 2 and "already exists" in again.stderr


def test_create_yaml_keeps_code_as_blocks(sample):
    text = sample.read_text()
    assert "command: |" in text
    assert yaml.safe_load(text)["jobs"][3]["command"].startswith("import pathlib")


def test_run_subcommand_takes_a_file(project, cli):
    write(project, "ci/pipeline.yaml", "name: p\njobs:\n  - id: a\n  - {id: b, dependencies: [a]}\n")
    result = cli("run", "ci/pipeline.yaml", "--graph=json", "b")
    assert result.exit == 0 and json.loads(result.stdout)["workflow"] == "p"
    assert cli("analyze", "ci/pipeline.yaml").exit == 0


def test_discovery_walks_up_and_minus_C_changes_directory(project, cli):
    write(project, "jobrun.yaml", "name: top\njobs:\n  - id: a\n")
    (project / "deep" / "er").mkdir(parents=True)
    assert "top" in cli("-C", "deep/er", "--list").stdout
    write(project, "deep/Jobfile.yaml", "name: nope\njobs: []\n")  # not a discovery name
    assert "top" in cli("-C", "deep", "--list").stdout


def test_discovery_prefers_jobrun_yaml_over_yml_and_json(project, cli):
    write(project, "jobrun.json", '{"name": "json", "jobs": []}')
    write(project, "jobrun.yml", "name: yml\njobs: []\n")
    assert cli("--list").stdout.startswith("yml")
    write(project, "jobrun.yaml", "name: yaml\njobs: []\n")
    assert cli("--list").stdout.startswith("yaml")


def test_tags_select_jobs_and_their_dependencies(project, cli):
    write(project, "jobrun.yaml", """
        jobs:
          - {id: a, tags: [setup]}
          - {id: b, dependencies: [a], tags: [test]}
          - {id: c, tags: [lint]}
          - {id: d, dependencies: [b], tags: [slow, test]}
    """)
    ids = lambda r: [j["id"] for j in json.loads(r.stdout)["jobs"]]  # noqa: E731
    assert ids(cli("--graph=json", "-t", "test")) == ["a", "b", "d"]
    assert ids(cli("--graph=json", "-t", "lint,setup")) == ["a", "c"]
    assert ids(cli("--graph=json", "-t", "lint", "-t", "setup")) == ["a", "c"]
    assert ids(cli("--graph=json", "-t", "test", "--skip-tags", "slow")) == ["a", "b"]
    # a left-out job's dependencies go too, unless a kept job needs them
    assert ids(cli("--graph=json", "d", "c", "--skip-tags", "test")) == ["c"]
    assert ids(cli("--graph=json", "-t", "setup,test", "--skip-tags", "slow")) == ["a", "b"]


# ---------------------------------------------------------------- exit code 2

BAD_WORKFLOWS = {
    "syntax": ("jobs: [\n", "jobrun.yaml:2: error: invalid YAML"),
    "unknown key": ("jobs:\n  - id: a\n    comand: x\n", "jobrun.yaml:3: error: unknown key 'comand' in job 'a'"),
    "wrong type": ("jobs:\n  - id: a\n    timeout: soon\n", "jobrun.yaml:3: error: 'timeout' in job 'a' must be a duration"),
    "bad value": ("jobs:\n  - id: a\n    timeout: 0\n", "jobrun.yaml:3: error: job 'a' has timeout 0"),
    "duplicate": ("jobs:\n  - id: a\n  - id: a\n", "jobrun.yaml:3: error: duplicate job id 'a'"),
    "job type": ("jobs:\n  - id: a\n    job_type: bash\n", "jobrun.yaml:3: error: job 'a' has unknown job_type 'bash'"),
    "missing dependency": ("jobs:\n  - id: deploy\n    dependencies: [missing]\n",
                           "Error: Job 'deploy' depends on non-existent job 'missing'"),
    "cycle": ("jobs:\n  - {id: a, dependencies: [b]}\n  - {id: b, dependencies: [c]}\n  - {id: c, dependencies: [a]}\n",
              "Error: Circular dependency detected: a -> b -> c -> a"),
    "self dependency": ("jobs:\n  - {id: a, dependencies: [a]}\n", "Error: Circular dependency detected: a -> a"),
    "unsafe yaml": ("jobs: !!python/object:os.system {}\n", "jobrun.yaml:1: error: YAML tag"),
}


@pytest.mark.parametrize("name", BAD_WORKFLOWS)
@pytest.mark.parametrize("command", [["--list"], ["analyze"], ["--graph=dot"], ["-n"]])
def test_invalid_workflow_exits_2_with_one_clear_line(project, cli, name, command):
    text, first_line = BAD_WORKFLOWS[name]
    write(project, "jobrun.yaml", text)
    result = cli(*command)
    assert result.exit == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0].startswith(first_line)
    assert "Traceback" not in result.stderr


def test_cycle_error_points_at_the_dependency(project, cli, snapshot):
    write(project, "jobrun.yaml", BAD_WORKFLOWS["cycle"][0])
    assert cli("analyze").stderr == snapshot


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--graph=svg"], "Error: argument --graph: invalid choice: 'svg'"),
        (["--bogus"], "Error: unrecognized arguments: --bogus"),
        (["-t"], "Error: argument -t/--tags: expected one argument"),
        (["nope"], "Error: unknown target 'nope': no job has that id"),
        (["buidl"], "Error: unknown target 'buidl'"),
        (["-t", "nope"], "Error: unknown tag 'nope': no job has it"),
        (["--skip-tags", "nope"], "Error: unknown tag 'nope'"),
        (["X=1", "-n"], "Error: 'X=1' sets unknown variable 'X'"),
        (["=1"], "Error: '=1' is neither a job name nor a VAR=value override"),
        (["-C", "no/such/dir", "-n"], "Error: -C no/such/dir: no such directory"),
        (["-f", "missing.yaml", "-n"], "Error: cannot read 'missing.yaml': no such file"),
        (["analyze", "-o", "no/such/dir/a.json"], "Error: cannot write the analysis to 'no/such/dir/a.json'"),
        (["analyze", "build"], "Error: analyze takes one job file, not 'build'"),
        (["create", "--output", "no/such/dir/w.yaml"], "Error: cannot write the sample workflow to 'no/such/dir/w.yaml'"),
    ],
)
def test_bad_command_lines_exit_2(project, cli, argv, message):
    write(project, "jobrun.yaml", "jobs:\n  - {id: build, tags: [x]}\n")
    result = cli(*argv)
    assert result.exit == 2, result.output
    assert result.stderr.splitlines()[0].startswith(message)
    assert "Traceback" not in result.stderr


def test_unknown_target_suggests(project, cli):
    write(project, "jobrun.yaml", "jobs:\n  - id: build\n")
    assert "= hint: did you mean 'build'?" in cli("buidl").stderr


def test_no_job_file_exits_2(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    result = cli("--list")
    assert result.exit == 2
    assert result.stderr.startswith(f"Error: no job file found in {tmp_path}")


def test_version_and_help(cli, capsys):
    with pytest.raises(SystemExit) as info:
        cli("--version")
    assert info.value.code == 0 and capsys.readouterr().out.startswith("jobrun ")
    with pytest.raises(SystemExit) as info:
        cli("--help")
    assert info.value.code == 0 and "--graph" in capsys.readouterr().out


def test_double_dash_makes_a_subcommand_name_a_target(project, cli):
    write(project, "jobrun.yaml", "jobs:\n  - id: run\n  - id: other\n")
    data = json.loads(cli("--", "run", "--graph=json").stdout) if False else None
    result = cli("--graph=json", "--", "run")
    assert [j["id"] for j in json.loads(result.stdout)["jobs"]] == ["run"]
    assert data is None
