"""Details of runs: env expansion order, exit-2 runs writing nothing, the
resource check in dry runs, durations in analyze, custom-type deadlines."""

from __future__ import annotations

import json
import time

import pytest

import runner
from runner import Orchestrator, load_workflow
from tests.conftest import write

pytestmark = pytest.mark.integration


def test_env_values_expand_against_the_layer_below_not_their_siblings(project, cli, monkeypatch):
    monkeypatch.setenv("OUTER", "o")
    write(project, "jobrun.yaml", """
        environment: {B1: "[$A]", A: "a", B2: "[$A$OUTER]"}
        jobs:
          - id: show
            environment: {C1: "<$D|$A>", D: "d"}
            command: echo "$B1 $B2 $C1"
    """)
    assert cli("--no-live", "-q").exit == 0
    assert (project / ".jobrun/logs/show.log").read_text() == "[] [o] <|a>\n"


def test_a_run_that_exits_2_writes_no_results_file(project, cli):
    write(project, "jobrun.yaml", "global_config: {memory_budget_mb: 100}\njobs:\n  - id: big\n"
                                  "    resource_limits: {max_memory_mb: 200}\n")
    result = cli("--no-live", "-o", "results.json")
    assert result.exit == 2
    assert result.stderr.startswith("Error: Insufficient resources to start job 'big': needs 200 MB, budget is 100 MB")
    assert not (project / "results.json").exists()
    dry = cli("-n")
    assert dry.exit == 2 and dry.stderr.startswith("Error: Insufficient resources")


def test_analyze_weights_the_critical_path_with_past_durations(project, cli):
    write(project, "Jobfile", "a:\n    $ sleep 0.05\nb: a\n    $ sleep 0.05\nslow:\n    $ sleep 0.6\n")
    assert cli("--no-live", "-q").exit == 0
    cli("analyze", "-o", "a.json")
    data = json.loads((project / "a.json").read_text())
    assert data["critical_path"] == ["slow"] and data["critical_path_seconds"] >= 0.5
    assert "Critical Path Time" in cli("analyze").stdout


def test_the_default_name_is_the_same_for_a_jobfile_and_its_yaml(project, cli):
    write(project, "Jobfile", "a:\n    $ true\n")
    assert cli("convert", "Jobfile", "jobrun.yaml").exit == 0
    assert cli("--graph=json", "-f", "Jobfile").stdout == cli("--graph=json", "-f", "jobrun.yaml").stdout
    assert json.loads(cli("--graph=json").stdout)["workflow"] == project.name


def test_a_custom_type_working_in_process_still_times_out_on_time(project):
    calls = []

    @runner.job_type("napper_it")
    def nap(ctx):
        calls.append(ctx.job.id)
        while not ctx.cancelled:
            time.sleep(0.02)

    write(project, "Jobfile", "n:\n    type napper_it\n    timeout 0.3\n")
    started = time.monotonic()
    result = Orchestrator(load_workflow(project / "Jobfile")).run()
    assert result.records[0].status == "failed"
    assert result.records[0].error == "Job timed out after 0.3 seconds"
    assert calls == ["n"] and time.monotonic() - started < 10
