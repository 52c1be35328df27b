"""YAML/JSON loading: the IR it builds, and one test per error family."""

from __future__ import annotations

import json
import textwrap
import warnings
from pathlib import Path

import pytest

from runner import load_workflow
from runner.diagnostics import render
from runner.errors import CycleError, GraphError, JobrunError, LoadError, ParseError, ValidationError
from runner.ir import Conditions, ResourceLimits, RetryConfig


def load(tmp_path: Path, text: str, name: str = "jobs.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return load_workflow(path)


def error(tmp_path: Path, text: str, name: str = "jobs.yaml") -> JobrunError:
    with pytest.raises(JobrunError) as info:
        load(tmp_path, text, name)
    return info.value


def test_full_job_schema(tmp_path):
    wf = load(tmp_path, """
        name: CI
        version: "1.0"
        description: pipeline
        global_config: {max_retries: 2, timeout: 5m, max_concurrent_jobs: 3, memory_budget_mb: 2GB}
        environment: {NODE_ENV: production, DEBUG: false, PORT: 8080}
        default: build
        jobs:
          - id: build
            name: Build it
            description: Builds.
            command: make build
            working_directory: src
            timeout: 1h30m
            retry_config: {max_attempts: 3, initial_delay: 0.5, max_delay: 10, backoff_factor: 3}
            resource_limits: {max_memory_mb: 1GB, max_cpu_percent: 50, max_execution_time: 600}
            environment: {PATH: "/usr/local/bin:$PATH"}
            tags: [build, compile]
            inputs: ["src/**/*.c"]
            outputs: [build/app]
          - id: test
            job_type: script
            script_path: ./test.sh
            args: [--fast]
            dependencies: build
            conditions: {skip_if_failed: [build], only_if_branch: "release/*", run_if: always}
          - id: health
            job_type: http
            command: https://example.com/health
            method: POST
            headers: {Authorization: Bearer x}
            body: "{}"
            expected_status: [200, 204]
          - id: py
            job_type: python
            command: |
              print("hi")
    """)
    assert wf.name == "CI" and wf.version == "1.0" and wf.default == ("build",)
    assert wf.config.timeout == 300 and wf.config.memory_budget_mb == 2048
    assert wf.environment == {"NODE_ENV": "production", "DEBUG": "false", "PORT": "8080"}
    build, test, health, py = wf.jobs
    assert build.commands == ("make build",) and build.timeout == 5400
    assert build.retry == RetryConfig(3, 0.5, 10.0, 3.0)
    assert build.limits == ResourceLimits(1024.0, 50.0, 600.0)
    assert build.tags == ("build", "compile") and build.inputs == ("src/**/*.c",)
    assert test.job_type == "script" and test.args == ("--fast",) and test.dependencies == ("build",)
    assert test.conditions == Conditions(("build",), "release/*", "always")
    assert health.url == "https://example.com/health" and health.expected_status == (200, 204)
    assert health.headers == {"Authorization": "Bearer x"}
    assert py.code == 'print("hi")\n'


def test_json_loads_to_the_same_ir_as_yaml(tmp_path):
    doc = {"name": "w", "jobs": [{"id": "a", "command": ["echo 1", "echo 2"], "timeout": 1e3},
                                 {"id": "b", "dependencies": ["a"], "tags": ["x"]}]}
    from_json = load(tmp_path, json.dumps(doc, indent=1), "w.json")
    from_yaml = load(tmp_path, """
        name: w
        jobs:
          - {id: a, command: [echo 1, echo 2], timeout: 1000}
          - {id: b, dependencies: [a], tags: [x]}
    """, "w.yaml")
    assert from_json.jobs == from_yaml.jobs
    assert from_json.jobs[0].timeout == 1000.0


def test_job_type_is_inferred_from_its_fields(tmp_path):
    wf = load(tmp_path, """
        jobs:
          - {id: s, script_path: run.sh}
          - {id: h, url: "http://localhost/"}
          - {id: c}
    """)
    assert [j.job_type for j in wf.jobs] == ["script", "http", "command"]


def test_merge_keys_and_anchors(tmp_path):
    wf = load(tmp_path, """
        jobs:
          - &base {id: a, timeout: 10, tags: [x]}
          - <<: *base
            id: b
    """)
    assert wf.jobs[1].timeout == 10 and wf.jobs[1].tags == ("x",) and wf.jobs[1].id == "b"


@pytest.mark.parametrize(
    "text, cls, message, line",
    [
        # syntax
        ("jobs:\n  - id: a\n   command: x\n", ParseError, "invalid YAML: did not find expected '-' indicator", 3),
        ("jobs: [\n", ParseError, "invalid YAML", 2),
        # unknown keys, with did-you-mean and misplaced-key hints
        ("jobs:\n  - id: a\n    timout: 3\n", ValidationError, "unknown key 'timout' in job 'a'", 3),
        ("job:\n  - id: a\n", ValidationError, "unknown key 'job' in the workflow", 1),
        ("jobs:\n  - id: a\n    resource_limits: {max_concurrent_jobs: 2}\n", ValidationError,
         "unknown key 'max_concurrent_jobs' in resource_limits of job 'a'", 3),
        # wrong types
        ("jobs:\n  - id: a\n    timeout: [1]\n", ValidationError, "'timeout' in job 'a' must be a duration", 3),
        ("jobs:\n  - id: a\n    tags: {x: 1}\n", ValidationError, "must be a list of strings, not a mapping", 3),
        ("jobs:\n  - id: a\n    retry_config: {max_attempts: two}\n", ValidationError,
         "retry_config.max_attempts in job 'a' must be a whole number, not 'two'", 3),
        ("jobs: {a: {command: x}}\n", ValidationError, "'jobs' must be a list, not a mapping", 1),
        ("jobs:\n  - 5\n", ValidationError, "job #1 must be a mapping", 2),
        ("jobs:\n  - command: x\n", ValidationError, "job #1 has no 'id'", 2),
        # bad values
        ("jobs:\n  - id: a\n    timeout: -5\n", ValidationError, "job 'a' has timeout -5: it must be more than 0", 3),
        ("jobs:\n  - id: a\n    retry_config:\n      backoff_factor: 0.5\n", ValidationError,
         "backoff_factor 0.5: it must be 1 or more", 4),
        ("jobs:\n  - id: ''\n", ValidationError, "job has an empty id", 2),
        ("jobs:\n  - id: 'a b'\n", ValidationError, "job has id 'a b'", 2),
        ("jobs:\n  - id: a\n    conditions: {run_if: sometimes}\n", ValidationError, "run_if 'sometimes'", 3),
        ("global_config: {max_retries: -1}\njobs: []\n", ValidationError, "global_config.max_retries must be 0 or more", 1),
        ("jobs:\n  - id: a\n    job_type: http\n    url: ftp://x\n", ValidationError, "is not http:// or https://", 4),
        ("jobs:\n  - id: a\n    args: [x]\n", ValidationError, "'args' does not apply to command job 'a'", 3),
        ("jobs:\n  - id: a\n    job_type: python\n    command: 'def ('\n", ValidationError, "invalid code", 4),
        # duplicates
        ("jobs:\n  - id: a\n  - id: b\n  - id: a\n", ValidationError, "duplicate job id 'a' (first defined at line 2)", 4),
        ("jobs:\n  - id: a\n    id: b\n", ValidationError, "duplicate key 'id'", 3),
        # unknown job types
        ("jobs:\n  - id: a\n    job_type: shell\n", ValidationError, "unknown job_type 'shell'", 3),
        # unsafe YAML
        ("jobs:\n  - id: a\n    command: !!python/object/apply:os.system [echo]\n", ValidationError,
         "YAML tag '!!python/object/apply:os.system' is not allowed", 3),
        # ... on the whole document, a job, or a merge key: named, not mistaken for a shape error
        ('!!python/object/apply:os.system ["ls"]\n', ValidationError,
         "YAML tag '!!python/object/apply:os.system' is not allowed", 1),
        ('--- !!python/object/apply:os.system ["ls"]\n', ValidationError,
         "YAML tag '!!python/object/apply:os.system' is not allowed", 1),
        ("!!python/object:x.Workflow {jobs: []}\n", ValidationError, "YAML tag '!!python/object:x.Workflow'", 1),
        ("!!python/name:os.system\n", ValidationError, "YAML tag '!!python/name:os.system' is not allowed", 1),
        ("jobs:\n  - !!python/object:x.Job {id: a}\n", ValidationError, "YAML tag '!!python/object:x.Job'", 2),
        ("jobs:\n  - id: a\n    <<: !!python/object:x.Base {command: ls}\n", ValidationError,
         "YAML tag '!!python/object:x.Base'", 3),
        ("jobs:\n  - id: a\n    <<: [!!python/object:x.Base {command: ls}]\n", ValidationError,
         "YAML tag '!!python/object:x.Base'", 3),
        # graph
        ("jobs:\n  - id: deploy\n    dependencies: [missing]\n", GraphError,
         "Job 'deploy' depends on non-existent job 'missing'", 3),
        ("jobs:\n  - {id: a, dependencies: [b]}\n  - {id: b, dependencies: [a]}\n", CycleError,
         "Circular dependency detected: a -> b -> a", 2),
        ("default: [nope]\njobs:\n  - id: a\n", ValidationError, "default target 'nope' is not a job", 1),
    ],
)
def test_errors_name_the_line(tmp_path, text, cls, message, line):
    exc = error(tmp_path, text)
    assert isinstance(exc, cls)
    assert message in exc.message
    assert exc.diagnostic.span is not None and exc.diagnostic.span.line == line


def test_plain_tags_on_the_document_are_fine(tmp_path):
    assert [job.id for job in load(tmp_path, "!!map {jobs: [!!map {id: a}]}\n").jobs] == ["a"]


def test_did_you_mean_hints(tmp_path):
    assert error(tmp_path, "jobs:\n  - id: a\n    timout: 3\n").diagnostic.hint == "did you mean 'timeout'?"
    assert error(tmp_path, "jobs:\n  - id: a\n    job_type: comand\n").diagnostic.hint == "did you mean 'command'?"
    hint = error(tmp_path, "jobs:\n  - {id: build}\n  - {id: t, dependencies: [biuld]}\n").diagnostic.hint
    assert hint == "did you mean 'build'?"
    hint = error(tmp_path, "jobs:\n  - id: a\n    max_memory_mb: 5\n").diagnostic.hint
    assert hint == "'max_memory_mb' belongs in resource_limits"


def test_json_syntax_error_names_line_and_column(tmp_path):
    exc = error(tmp_path, '{"jobs": [\n  {"id": "a",}\n]}', "w.json")
    assert isinstance(exc, ParseError) and exc.message.startswith("invalid JSON")
    assert (exc.diagnostic.span.line, exc.diagnostic.span.col) == (2, 14)


def test_json_types_are_strict(tmp_path):
    exc = error(tmp_path, '{"jobs": [{"id": "a", "name": true}]}', "w.json")
    assert "must be a string, not true" in exc.message


def test_unsafe_yaml_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    text = f"jobs:\n  - id: !!python/object/apply:os.system ['touch {marker}']\n"
    assert "not allowed" in error(tmp_path, text).message
    assert not marker.exists()


def test_rendered_error_quotes_the_line(project):
    exc = error(project, "jobs:\n  - id: build\n    timout: 30\n")
    assert render(exc.diagnostic) == textwrap.dedent("""\
        jobs.yaml:3: error: unknown key 'timout' in job 'build'
          |
        3 |     timout: 30
          |     ^^^^^^
          = hint: did you mean 'timeout'?""")


def test_duplicate_across_files_names_both(project):
    (project / "other.yaml").write_text("jobs:\n  - id: a\n")
    exc = error(project, "imports: [other.yaml]\njobs:\n  - id: a\n")
    assert exc.message == "duplicate job id 'a' (first defined at jobs.yaml:3)"
    assert exc.diagnostic.span.source.path.name == "other.yaml"


def test_imports_join_the_graph_and_cycles_are_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deploy.yaml").write_text(
        "environment: {REGION: eu}\nimports: [../shared.json]\njobs:\n  - {id: deploy, dependencies: [build]}\n")
    (tmp_path / "shared.json").write_text('{"jobs": [{"id": "lint"}]}')
    wf = load(tmp_path, "imports: [sub/deploy.yaml, shared.json]\nenvironment: {REGION: us}\njobs:\n  - id: build\n")
    assert [j.id for j in wf.jobs] == ["build", "deploy", "lint"]
    assert wf.environment == {"REGION": "us"}
    assert wf.jobs[1].base_dir == (tmp_path / "sub").resolve()

    (tmp_path / "a.yaml").write_text("imports: [b.yaml]\n")
    (tmp_path / "b.yaml").write_text("imports: [a.yaml]\n")
    with pytest.raises(LoadError, match=r"import cycle: a.yaml -> b.yaml -> a.yaml"):
        load_workflow(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("imports: [nope.yaml]\n")
    with pytest.raises(LoadError, match=r"cannot import 'nope.yaml': no such file"):
        load_workflow(tmp_path / "c.yaml")


def test_empty_file_is_an_empty_workflow(tmp_path):
    assert load(tmp_path, "").jobs == ()


def test_validating_python_code_prints_no_warnings(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wf = load(tmp_path, """
            jobs:
              - id: check
                job_type: python
                command: print("a" is "a")
        """)
    assert wf.jobs[0].code == 'print("a" is "a")'
    assert [str(w.message) for w in caught] == []
