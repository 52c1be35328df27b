"""Every example loads and plans; each Jobfile says what its YAML twin says."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner import load_workflow, make_plan
from runner.report.graph import as_json

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())


def test_there_are_three_examples_at_least():
    assert {"c-build", "python-ci", "data-pipeline"} <= {p.name for p in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("name", ["jobrun.yaml", "Jobfile"])
def test_example_loads_and_plans(example, name):
    workflow = load_workflow(example / name)
    plan = make_plan(workflow)
    assert plan.jobs and plan.critical_path and plan.max_parallelism >= 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_jobfile_and_yaml_are_the_same_workflow(example):
    jobfile = load_workflow(example / "Jobfile")
    yaml = load_workflow(example / "jobrun.yaml")
    assert jobfile.jobs == yaml.jobs
    assert (jobfile.name, jobfile.config, jobfile.default) == (yaml.name, yaml.config, yaml.default)
    assert dict(jobfile.environment) == dict(yaml.environment)
    assert as_json(make_plan(jobfile)) == as_json(make_plan(yaml))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("source, target", [("jobrun.yaml", "Converted"), ("Jobfile", "converted.yaml"),
                                             ("Jobfile", "converted.json")])
def test_convert_round_trips_give_the_same_graph(example, source, target, cli, tmp_path):
    import shutil

    work = tmp_path / example.name
    shutil.copytree(example, work)
    assert cli("convert", str(work / source), str(work / target)).exit == 0
    back = "back.yaml" if target == "Converted" else "Back"
    assert cli("convert", str(work / target), str(work / back)).exit == 0
    graphs = {cli("--graph=json", "-f", str(work / name)).stdout for name in (source, target, back)}
    assert len(graphs) == 1
    assert load_workflow(work / back).jobs == load_workflow(work / source).jobs


@pytest.mark.integration
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_to_completion(example, cli, tmp_path):
    import json
    import shutil

    work = tmp_path / example.name
    shutil.copytree(example, work, ignore=shutil.ignore_patterns(".jobrun", "build", "dist", "out"))
    result = cli("-C", str(work), "--no-live", "-q", "-o", "results.json")
    assert result.exit == 0, result.output
    statuses = {j["id"]: j["status"] for j in json.loads((work / "results.json").read_text())["jobs"]}
    assert set(statuses.values()) <= {"completed", "skipped"} and "completed" in statuses.values()


@pytest.mark.integration
def test_the_created_sample_runs_to_completion(project, cli):
    assert cli("create", "--output", "Jobfile").exit == 0
    result = cli("--no-live", "-q")
    assert result.exit == 0, result.output
    assert "13 completed, 1 skipped" in result.stdout  # deploy_production: not on main
