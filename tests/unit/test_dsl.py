"""The Jobfile language: each construct, inline source -> IR."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import pytest

from runner import load_workflow
from runner.errors import JobrunError, LoadError, ParseError, ValidationError
from runner.ir import Conditions, ResourceLimits, RetryConfig
from runner.source import Source
from runner.syntax import dsl


def parse(text: str, **variables: str):
    return dsl.parse(Source(Path("Jobfile"), textwrap.dedent(text).lstrip("\n")), variables)


def job(text: str, **variables: str):
    (only,) = parse(text, **variables).jobs
    return only


def test_settings_env_default_and_comments():
    doc = parse("""
        # a comment
        name = "CI/CD Pipeline"   # trailing comment
        version = '1.0'
        description = plain-word
        max_retries = 2
        timeout = 1h30m
        max_concurrent_jobs = 8
        memory_budget = 2GB
        env NODE_ENV = "production"
        env PATH = "/usr/local/bin:$PATH"
        default: test lint
    """)
    assert (doc.name, doc.version, doc.description) == ("CI/CD Pipeline", "1.0", "plain-word")
    assert doc.config.max_retries == 2 and doc.config.timeout == 5400
    assert doc.config.max_concurrent_jobs == 8 and doc.config.memory_budget_mb == 2048
    assert doc.environment == {"NODE_ENV": "production", "PATH": "/usr/local/bin:$PATH"}
    assert doc.default == ("test", "lint")


def test_header_dependencies_and_doc_comment():
    doc = parse("""
        ## Build the application
        ## in two lines
        build: fetch configure
            $ make

        ## not attached: a blank line separates it

        test: build
    """)
    build, test = doc.jobs
    assert build.dependencies == ("fetch", "configure")
    assert build.description == "Build the application\nin two lines"
    assert test.description is None and test.commands == () and test.job_type == "command"


def test_command_lines_run_in_order_and_blocks_keep_newlines():
    j = job('''
        deploy:
            $ echo one   # the shell sees this comment
            $   echo two
            $ """
                for f in a b; do
                  echo "$f"
                done
                """
            command "  spaced\\tout  "
    ''')
    assert j.commands == ("echo one   # the shell sees this comment", "echo two",
                          'for f in a b; do\n  echo "$f"\ndone\n', "  spaced\tout  ")


def test_script_python_and_http_jobs():
    doc = parse('''
        s:
            script ./scripts/test.sh --fast "two words"
        p:
            python """
                import sys
                print(sys.argv[1:])
                """
            args a b
        h:
            http POST "https://api.example.com/x" expect 200 201
            header Authorization = "Bearer t"
            body """
                {"a": 1}
                """
        g:
            http "http://localhost:8080/health"
    ''')
    s, p, h, g = doc.jobs
    assert (s.job_type, s.script_path, s.args) == ("script", "./scripts/test.sh", ("--fast", "two words"))
    assert (p.job_type, p.code, p.args) == ("python", "import sys\nprint(sys.argv[1:])\n", ("a", "b"))
    assert (h.job_type, h.method, h.url, h.expected_status) == ("http", "POST", "https://api.example.com/x", (200, 201))
    assert h.headers == {"Authorization": "Bearer t"} and h.body == '{"a": 1}\n'
    assert (g.method, g.url, g.expected_status) == (None, "http://localhost:8080/health", None)


def test_durations_sizes_limits_retry_and_conditions():
    j = job("""
        build: lint
            timeout 90
            time_limit 2m
            retry 3 delay 500ms backoff 1.5 max 1m
            memory 1.5GB
            cpu 150%
            tags build, compile
            tags extra
            inputs "src/**/*.c" include/*.h
            outputs build/app
            workdir src
            env CC = gcc
            only_if_branch "release/*"
            skip_if_failed lint
            run_if always
            name "Build it"
            type command
    """)
    assert j.timeout == 90 and j.working_directory == "src" and j.name == "Build it"
    assert j.retry == RetryConfig(max_attempts=4, initial_delay=0.5, max_delay=60.0, backoff_factor=1.5)
    assert j.limits == ResourceLimits(max_memory_mb=1536.0, max_cpu_percent=150.0, max_execution_time=120.0)
    assert j.tags == ("build", "compile", "extra")
    assert j.inputs == ("src/**/*.c", "include/*.h") and j.outputs == ("build/app",)
    assert j.environment == {"CC": "gcc"}
    assert j.conditions == Conditions(("lint",), "release/*", "always")


def test_bare_retry_means_the_default_policy():
    assert job("a:\n    retry\n").retry == RetryConfig()
    assert job("a:\n    retry 0\n").retry == RetryConfig(max_attempts=1)


def test_variables_interpolate_everywhere_in_any_order(monkeypatch):
    monkeypatch.setenv("JOBRUN_TEST_HOME", "/home/me")
    doc = parse("""
        IMAGE := "${REGISTRY}/app:${TAG}"
        REGISTRY := ghcr.io/acme
        TAG := latest
        name = "deploy ${TAG}"
        env IMAGE = "${IMAGE}"
        push:
            $ docker push ${IMAGE} && echo $${NOT_A_VARIABLE} $HOME
            outputs "${JOBRUN_TEST_HOME}/out"
    """)
    assert doc.name == "deploy latest"
    assert doc.environment == {"IMAGE": "ghcr.io/acme/app:latest"}
    assert doc.jobs[0].commands == ("docker push ghcr.io/acme/app:latest && echo ${NOT_A_VARIABLE} $HOME",)
    assert doc.jobs[0].outputs == ("/home/me/out",)
    assert doc.variables == ("IMAGE", "REGISTRY", "TAG")


def test_command_line_overrides_win_over_definitions():
    doc = parse("TAG := latest\nbuild:\n    $ echo ${TAG}\n", TAG="v2")
    assert doc.jobs[0].commands == ("echo v2",)


def test_text_block_rules():
    # the closing quotes' indentation is removed; a one-line block is taken as written
    assert dsl.text_block('"""\n    a\n      b\n\n    """') == "a\n  b\n\n"
    assert dsl.text_block('"""x"""') == "x"
    assert dsl.text_block("'''\n  has \"\"\" inside\n  '''") == 'has """ inside\n'
    assert dsl.text_block('"""\n  a\nb\n  """') == "\n  a\nb\n  "  # a line left of the margin: as written


@pytest.mark.parametrize(
    "text, cls, message, line, col",
    [
        ("build\n    $ make\n", ParseError, "expected ':', ':=' or '=', found the end of the line", 1, 6),
        ("build:\n$ make\n", ParseError, "found a command line", 2, 1),
        ('name = "CI\n', ParseError, "unterminated string", 1, 8),
        ('a:\n    python """\n        x = 1\n', ParseError, "unterminated text block", 2, 12),
        ("a:\n    $ x\n\t$ y\n", ParseError, "indented with tabs, but line 2 is indented with spaces", 3, 1),
        ("a:\n    $ x\n  $ y\n", ParseError, "unindent does not match any outer indentation level", 3, 1),
        ("a:\n    timeout: 5m\n", ValidationError, "unexpected ':' after 'timeout'", 2, 12),
        ("a:\n    timout 5m\n", ValidationError, "unknown key 'timout' in job 'a'", 2, 5),
        ("buld = 3\n", ValidationError, "unknown setting 'buld'", 1, 1),
        ("a:\n    $ echo ${NOPE_NOT_SET}\n", ValidationError, "undefined variable 'NOPE_NOT_SET'", 2, 12),
        ("x := ${y}\ny := ${x}\n", ValidationError, "variable 'x' refers to itself: x -> y -> x", 2, 6),
        ("a:\n    timeout soon\n", ValidationError, "timeout must be a duration", 2, 13),
        ("a:\n    memory lots\n", ValidationError, "memory must be a size", 2, 12),
        ('a:\n    python "x"\n    $ make\n', ValidationError, "python job 'a' also has command lines", 3, 5),
        ("a:\n    retry 3 delai 1s\n", ValidationError, "unexpected 'delai' in the retry line", 2, 13),
        ("default:\n    $ x\n", ValidationError, "'default' names the default targets and has no body", 1, 1),
        ("a:\n    timeout 1\n    timeout 2\n", ValidationError, "'timeout' is given twice in job 'a' (first at line 2)", 3, 5),
        ("    name = 'x'\nb:\n", ParseError, "unexpected indentation", 1, 1),
        ("a:\n    http GET https://x?a=1\n", ValidationError, "unexpected '='", 2, 25),
        ('a:\n    $ echo "\\q"\n    name "bad \\q"\n', ValidationError, "invalid escape", 3, 10),
    ],
)
def test_errors_name_line_and_column(text, cls, message, line, col):
    with pytest.raises(JobrunError) as info:
        parse(text)
    exc = info.value
    assert isinstance(exc, cls), exc
    assert message in exc.message
    span = exc.diagnostic.span
    assert (span.line, span.col) == (line, col)
    assert span.source.columns


def test_semantic_checks_are_the_shared_validator(tmp_path):
    (tmp_path / "Jobfile").write_text("deploy: biuld\nbuild:\n    timeout -1\n")
    with pytest.raises(JobrunError, match="has timeout -1: it must be more than 0"):
        load_workflow(tmp_path / "Jobfile")
    (tmp_path / "Jobfile").write_text("deploy: biuld\nbuild:\n")
    with pytest.raises(JobrunError, match="Job 'deploy' depends on non-existent job 'biuld'") as info:
        load_workflow(tmp_path / "Jobfile")
    assert (info.value.diagnostic.span.line, info.value.diagnostic.span.col) == (1, 9)
    assert info.value.diagnostic.hint == "did you mean 'build'?"


def test_imports_of_yaml_json_and_jobfiles(tmp_path):
    (tmp_path / "ci").mkdir()
    (tmp_path / "Jobfile").write_text('import "ci/deploy.yaml"\nimport "lint.json"\nbuild:\n    $ make\n')
    (tmp_path / "ci" / "deploy.yaml").write_text("imports: [more.jobs]\njobs:\n  - {id: deploy, dependencies: [build]}\n")
    (tmp_path / "ci" / "more.jobs").write_text("smoke: deploy\n")
    (tmp_path / "lint.json").write_text('{"jobs": [{"id": "lint"}]}')
    wf = load_workflow(tmp_path / "Jobfile")
    assert [j.id for j in wf.jobs] == ["build", "deploy", "smoke", "lint"]


def test_import_cycle_names_the_chain(tmp_path):
    (tmp_path / "Jobfile").write_text('import "b.jobs"\na:\n')
    (tmp_path / "b.jobs").write_text('import "Jobfile"\nb:\n')
    with pytest.raises(LoadError, match=r"import cycle: Jobfile -> b.jobs -> Jobfile") as info:
        load_workflow(tmp_path / "Jobfile")
    assert info.value.diagnostic.span.line == 1


def test_job_defined_in_two_files_names_both(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Jobfile").write_text('import "other.yaml"\nbuild:\n')
    (tmp_path / "other.yaml").write_text("jobs:\n  - id: build\n")
    with pytest.raises(ValidationError, match=r"duplicate job id 'build' \(first defined at Jobfile:2\)") as info:
        load_workflow(tmp_path / "Jobfile")
    assert info.value.diagnostic.span.source.path.name == "other.yaml"


def test_reserved_words_name_jobs_only_in_quotes():
    with pytest.raises(ParseError):
        parse("env:\n    $ x\n")
    doc = parse('"env":\n    $ x\n"default": "env"\ndefault: "default"\n')
    assert [(j.id, j.dependencies) for j in doc.jobs] == [("env", ()), ("default", ("env",))]
    assert doc.default == ("default",)


def test_environment_references_in_commands_env_and_workdir_wait_for_the_run(monkeypatch):
    monkeypatch.setenv("JOBRUN_TEST_ROOT", "/srv")
    doc = parse("""
        env BASE = "/opt/app"
        V := v1
        a:
            env BIN = "${BASE}/bin"
            workdir "${JOBRUN_TEST_ROOT}/work"
            $ echo ${BASE} ${BIN} ${JOBRUN_TEST_ROOT} ${V}
            outputs "${JOBRUN_TEST_ROOT}/out/${V}"
    """)
    job = doc.jobs[0]
    # kept for the job's own environment, as the YAML form would be
    assert job.commands == ("echo ${BASE} ${BIN} ${JOBRUN_TEST_ROOT} v1",)
    assert job.environment == {"BIN": "${BASE}/bin"}
    assert job.working_directory == "${JOBRUN_TEST_ROOT}/work"
    # other values are settled when the file loads
    assert job.outputs == ("/srv/out/v1",)


def test_an_env_only_name_outside_a_command_is_an_error_with_a_hint():
    with pytest.raises(ValidationError, match="undefined variable 'BASE'") as info:
        parse('env BASE = "/opt"\na:\n    outputs "${BASE}/x"\n')
    assert "define a variable" in info.value.diagnostic.hint


def test_an_undefined_variable_hint_suggests_only_what_works():
    with pytest.raises(ValidationError, match="undefined variable 'REGISTRY'") as info:
        parse("build:\n    $ docker push ${REGISTRY}/app\n")
    hint = info.value.diagnostic.hint
    assert hint == 'define it in the file, e.g. `REGISTRY := "..."`, or set it in the environment'
    # an override on the command line only sets a variable the file defines
    assert "command line" not in hint


def test_validating_python_code_prints_no_warnings(tmp_path):
    (tmp_path / "Jobfile").write_text('check:\n    python "print(\\"a\\" is \\"a\\")"\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wf = load_workflow(tmp_path / "Jobfile")
    assert wf.jobs[0].code == 'print("a" is "a")'
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("text", ["import:\n", "import:\n    $ make\n", "import: build\nbuild:\n", "import :\n"])
def test_import_as_a_job_header_is_a_syntax_error_with_a_hint(text):
    with pytest.raises(ParseError, match="expected the file to import, found ':'") as info:
        parse(text)
    assert info.value.diagnostic.span.line == 1
    assert info.value.diagnostic.hint.endswith('quote it: "import":')
    assert job('"import":\n    $ make\n').id == "import"


@pytest.mark.parametrize("text", ["env:\n    $ printenv\n", "env = 1\n", "env\n"])
def test_env_as_a_job_header_hint_shows_only_the_env_syntax(text):
    with pytest.raises(ParseError) as info:
        parse(text)
    hint = info.value.diagnostic.hint
    assert "`env NAME = value`" in hint and "import \"" not in hint
    assert hint.endswith('quote it: "env":')
