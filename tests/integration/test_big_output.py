"""Acceptance 9: a job printing 200 MB costs jobrun no memory: its output
goes straight to the log file, and whatever jobrun shows of it (a failed
job's tail, `-v`'s whole output) is read from the log a piece at a time.
jobrun runs as a real subprocess whose RSS psutil samples every 50 ms."""

from __future__ import annotations

import sys
import time

import psutil
import pytest

from tests.integration._support import jobrun_process, run_sampled, workflow

pytestmark = pytest.mark.integration

MB = 1024 * 1024
PRINT_200_MB = (f"{sys.executable} -c \"import sys; b=b'x'*1048575+b'\\n'; "
                "[sys.stdout.buffer.write(b) for _ in range(200)]\"")


def test_200_mb_of_output_keeps_jobrun_small(project):
    workflow(project, [{"id": "loud", "command": PRINT_200_MB}])
    log = project / ".jobrun" / "logs" / "loud.log"
    try:
        proc = jobrun_process(["--no-live"], project)
        me = psutil.Process(proc.pid)
        peak = 0
        samples = 0
        while proc.poll() is None:
            try:
                peak = max(peak, me.memory_info().rss)
                samples += 1
            except psutil.Error:
                break
            time.sleep(0.05)
        out, err = proc.communicate(timeout=60)

        assert proc.returncode == 0, out + err
        assert samples >= 2, "jobrun ended before it could be sampled"
        print(f"peak {peak / MB:.1f} MB over {samples} samples")
        assert peak < 150 * MB, f"jobrun's RSS reached {peak / MB:.0f} MB"
        assert log.stat().st_size == 200 * MB
        assert "loud" in out
    finally:
        log.unlink(missing_ok=True)


def test_200_mb_of_output_of_a_failing_job_prints_only_a_tail(project):
    """The failure report reads only the end of a huge log."""
    workflow(project, [{"id": "loud", "command": PRINT_200_MB + "; echo last words; exit 2"}])
    log = project / ".jobrun" / "logs" / "loud.log"
    try:
        proc, out, err, peak = run_sampled(["--no-live"], project)

        assert proc.returncode == 1, out + err
        assert peak < 150 * MB, f"jobrun's RSS reached {peak / MB:.0f} MB"
        assert err.splitlines()[0] == "Error: Job 'loud' failed with exit code 2"
        assert "  | last words" in err
        assert len(err) < 200_000
    finally:
        log.unlink(missing_ok=True)


def test_verbose_shows_200_mb_of_output_without_holding_it(project):
    """-v prints the whole output, streamed from the log, not read at once."""
    workflow(project, [{"id": "loud", "command": PRINT_200_MB + "; echo last words"}])
    log = project / ".jobrun" / "logs" / "loud.log"
    try:
        proc, out, err, peak = run_sampled(["--no-live", "-v"], project)

        assert proc.returncode == 0, out + err
        assert peak < 150 * MB, f"jobrun's RSS reached {peak / MB:.0f} MB"
        assert "  --- loud: output ---" in out
        assert out.count("  | " + "x" * 1000) == 200 * 16  # 200 lines of 1 MB, each in 16 pieces of 64 KiB
        assert "  | last words" in out
    finally:
        log.unlink(missing_ok=True)
