"""The generated standalone parser matches the shipped grammar and Lark."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from runner.source import Source
from runner.syntax import build_parser, dsl

ROOT = Path(__file__).resolve().parents[2]


def test_generated_module_is_from_the_current_grammar():
    assert build_parser.recorded_grammar() == dsl.grammar_text()
    assert build_parser.main(["--check"]) == 0


def test_the_standalone_module_is_what_parses():
    from runner.syntax import _jobfile_parser

    dsl.parse_tree(Source(Path("Jobfile"), "a:\n"))
    assert dsl._PARSER["module"] is _jobfile_parser


def _corpus() -> list[Path]:
    return sorted(ROOT.glob("examples/*/Jobfile"))


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.parent.name)
def test_standalone_and_lark_build_the_same_tree(path):
    lark = pytest.importorskip("lark")
    text = path.read_text()
    ours = dsl.parse_tree(Source(path, text))
    reference = lark.Lark(dsl.grammar_text(), parser="lalr", lexer="contextual",
                          postlex=dsl.Indenter(Source(path, text)), maybe_placeholders=False).parse(text)
    assert ours.pretty() == reference.pretty()


def test_an_installed_wheel_carries_the_grammar_and_parses(tmp_path):
    """Build the wheel, unpack it alone, and parse a Jobfile with it."""
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {result.stderr.strip()[-200:]}")
    (wheel,) = tmp_path.glob("jobrun-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "runner/grammar/jobfile.lark" in names and "runner/syntax/_jobfile_parser.py" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    (tmp_path / "Jobfile").write_text('name = "w"\nbuild:\n    $ make\n')
    code = ("import runner, runner.syntax.dsl as d; from runner import load_workflow; "
            "wf = load_workflow('Jobfile'); "
            "assert runner.__file__.startswith(%r), runner.__file__; "
            "assert d.grammar_text() == open(%r).read(); "
            "print(wf.name, [j.id for j in wf.jobs], d._PARSER['module'].__name__)"
            % (str(site), str(site / "runner/grammar/jobfile.lark")))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "w ['build'] runner.syntax._jobfile_parser"
