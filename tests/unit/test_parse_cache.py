"""The parse cache (`.jobrun/cache/`): a YAML or JSON file whose text has not
changed is not parsed again, and what comes back means exactly what a fresh
parse would."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import runner
from runner import ValidationError, load_workflow
from runner.syntax import cache, data

WORKFLOW = textwrap.dedent("""\
    jobs:
      - id: build
        command: make
        timeout: 30
      - id: test
        command: make test
        dependencies: [build]
    """)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jobrun.yaml").write_text(WORKFLOW)
    (tmp_path / ".jobrun").mkdir()
    return tmp_path


def parses(monkeypatch) -> list[str]:
    """Record every real parse from now on."""
    seen: list[str] = []
    real = data.parse

    def counting(source):
        seen.append(source.path.name)
        return real(source)

    monkeypatch.setattr(data, "parse", counting)
    return seen


def test_an_unchanged_file_is_read_from_the_cache(project, monkeypatch):
    first = load_workflow("jobrun.yaml")
    assert list((project / ".jobrun" / "cache").glob("jobrun.yaml-*.pickle"))
    seen = parses(monkeypatch)
    second = load_workflow("jobrun.yaml")
    assert seen == []
    assert second.jobs == first.jobs
    assert second.job("build").timeout == 30
    assert second.job("test").dependencies == ("build",)


def test_an_edited_file_is_parsed_again(project, monkeypatch):
    load_workflow("jobrun.yaml")
    (project / "jobrun.yaml").write_text(WORKFLOW.replace("timeout: 30", "timeout: 45"))
    seen = parses(monkeypatch)
    assert load_workflow("jobrun.yaml").job("build").timeout == 45
    assert seen == ["jobrun.yaml"]
    assert load_workflow("jobrun.yaml").job("build").timeout == 45  # and the new parse is cached
    assert seen == ["jobrun.yaml"]


def test_nothing_is_written_without_a_state_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jobrun.yaml").write_text(WORKFLOW)
    load_workflow("jobrun.yaml")
    assert not (tmp_path / ".jobrun").exists()


def test_a_damaged_entry_is_ignored_and_replaced(project, monkeypatch):
    load_workflow("jobrun.yaml")
    [entry] = (project / ".jobrun" / "cache").glob("*.pickle")
    entry.write_bytes(b"\x80\x05 not a pickle at all")
    seen = parses(monkeypatch)
    assert load_workflow("jobrun.yaml").job("test").commands == ("make test",)
    assert seen == ["jobrun.yaml"]
    load_workflow("jobrun.yaml")
    assert seen == ["jobrun.yaml"]  # the entry was written again, whole


def test_an_entry_made_by_other_code_is_not_used(project, monkeypatch):
    load_workflow("jobrun.yaml")
    monkeypatch.setattr(cache, "_code", lambda: ("another jobrun",))
    seen = parses(monkeypatch)
    load_workflow("jobrun.yaml")
    assert seen == ["jobrun.yaml"]


def test_errors_in_a_cached_file_still_name_their_line(project, monkeypatch):
    (project / "jobrun.yaml").write_text(WORKFLOW.replace("dependencies: [build]", "dependencies: [biuld]"))
    with pytest.raises(ValidationError) as fresh:
        load_workflow("jobrun.yaml")
    assert list((project / ".jobrun" / "cache").glob("*.pickle"))  # parsed fine: cached before resolving
    seen = parses(monkeypatch)
    with pytest.raises(ValidationError) as cached:
        load_workflow("jobrun.yaml")
    assert seen == []  # the spans came from the cached document
    assert cached.value.diagnostic.message == fresh.value.diagnostic.message
    assert cached.value.diagnostic.span is not None
    assert cached.value.diagnostic.span.line == fresh.value.diagnostic.span.line == 7
    assert cached.value.diagnostic.span.source.text == (project / "jobrun.yaml").read_text()


def test_json_and_imported_files_are_cached_too(project, monkeypatch):
    (project / "more.json").write_text('{"jobs": [{"id": "lint", "command": "ruff"}]}')
    (project / "jobrun.yaml").write_text("imports: [more.json]\n" + WORKFLOW)
    load_workflow("jobrun.yaml")
    assert len(list((project / ".jobrun" / "cache").glob("*.pickle"))) == 2
    seen = parses(monkeypatch)
    assert [job.id for job in load_workflow("jobrun.yaml").jobs] == ["build", "test", "lint"]
    assert seen == []


def test_jobfiles_are_not_cached(project):
    (project / "Jobfile").write_text("build:\n    $ make\n")
    load_workflow("Jobfile")
    assert not (project / ".jobrun" / "cache").exists()


def test_a_cached_load_does_not_import_yaml(project):
    load_workflow("jobrun.yaml")
    code = "import sys, runner; runner.load_workflow('jobrun.yaml'); print('yaml' in sys.modules)"
    here = str(Path(runner.__file__).parent.parent)  # the same jobrun as this process (the cache is per code)
    env = {**os.environ, "PYTHONPATH": here + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_a_planted_entry_cannot_run_code(project, monkeypatch):
    """An entry committed to a repository (or written by anyone) is read with
    only the IR's classes allowed: one naming anything else is a miss."""
    load_workflow("jobrun.yaml")
    [entry] = (project / ".jobrun" / "cache").glob("*.pickle")
    witness = project / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {witness}",))

    entry.write_bytes(pickle.dumps(Payload()) + entry.read_bytes())
    seen = parses(monkeypatch)
    assert load_workflow("jobrun.yaml").job("build").timeout == 30
    assert not witness.exists()
    assert seen == ["jobrun.yaml"]


def test_a_moved_file_is_parsed_again(project, monkeypatch):
    load_workflow("jobrun.yaml")
    (project / "sub").mkdir()
    (project / "jobrun.yaml").rename(project / "sub" / "jobrun.yaml")
    (project / "sub" / ".jobrun").mkdir()
    seen = parses(monkeypatch)
    assert load_workflow("sub/jobrun.yaml").job("test").dependencies == ("build",)
    assert seen == ["jobrun.yaml"]


@pytest.mark.parametrize("example", sorted(p.name for p in Path(__file__).parents[2].joinpath("examples").iterdir()
                                           if (p / "jobrun.yaml").exists()))
def test_every_example_loads_the_same_from_the_cache(example, tmp_path, monkeypatch):
    """The examples use every key: their cached documents hold nothing the
    loader refuses, and mean exactly what a fresh parse means."""
    folder = tmp_path / example
    shutil.copytree(Path(__file__).parents[2] / "examples" / example, folder)
    (folder / ".jobrun").mkdir(exist_ok=True)
    monkeypatch.chdir(folder)
    fresh = load_workflow("jobrun.yaml")
    seen = parses(monkeypatch)
    cached = load_workflow("jobrun.yaml")
    assert seen == []
    assert cached.jobs == fresh.jobs and cached.documents == fresh.documents
    assert [job.span("id").line for job in cached.jobs] == [job.span("id").line for job in fresh.jobs]
