"""A job type published under the `jobrun.job_types` entry-point group."""

from __future__ import annotations

import sys
import textwrap

import pytest

from runner import Orchestrator, kinds, load_workflow

pytestmark = pytest.mark.integration


def test_a_job_type_from_an_installed_distribution(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "shout_jobs-1.0.dist-info").mkdir(parents=True)
    (site / "shout_jobs-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-jobs\nVersion: 1.0\n")
    (site / "shout_jobs-1.0.dist-info" / "entry_points.txt").write_text("[jobrun.job_types]\nshout = shout_jobs:shout\n")
    (site / "shout_jobs.py").write_text(textwrap.dedent("""
        def shout(ctx):
            text = " ".join(ctx.job.commands).upper()
            return ctx.outcome(ctx.run(["sh", "-c", f"echo {text}"]))
    """))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(kinds, "_ENTRY_POINTS_LOADED", False)
    (tmp_path / "Jobfile").write_text("greet:\n    type shout\n    $ hello there\n")
    workflow = load_workflow(tmp_path / "Jobfile")
    result = Orchestrator(workflow).run()
    assert result.status == "completed"
    assert (tmp_path / ".jobrun" / "logs" / "greet.log").read_text() == "HELLO THERE\n"
    kinds._REGISTRY.pop("shout", None)
    sys.modules.pop("shout_jobs", None)
