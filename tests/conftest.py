"""Shared test helpers: write a project into a tmp dir, run the CLI in-process."""

from __future__ import annotations

import io
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.cli import run_cli


@dataclass
class Result:
    exit: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def normalise(text: str, *paths: Path) -> str:
    """Replace machine paths with placeholders, so snapshots are portable."""
    for i, path in enumerate(paths):
        text = text.replace(str(path.resolve()), f"<dir{i}>" if i else "<dir>")
    return text


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project directory, made the current directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


@pytest.fixture
def cli():
    """Run `jobrun ARGS...` in-process; returns exit status, stdout and stderr."""

    def run(*argv: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        try:
            code = run_cli(list(argv), stdout=out, stderr=err)
        finally:
            os.chdir(cwd)  # `-C DIR` changes directory; keep tests apart
        return Result(code, out.getvalue(), err.getvalue())

    return run
