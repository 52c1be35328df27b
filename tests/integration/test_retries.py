"""Acceptance 3: retries are counted, wait min(initial_delay * backoff^(k-1),
max_delay) before retry k, and global max_retries applies to jobs without a
retry_config. A counter file makes a job fail a chosen number of times."""

from __future__ import annotations

import pytest

from tests.integration._support import (
    events,
    jobs_by_id,
    run_with_results,
    ts,
    workflow,
)

pytestmark = pytest.mark.integration

# Appends a line per attempt, fails while there are fewer than $NEED lines.
FLAKY = 'echo attempt >> count.txt; echo "try $(wc -l < count.txt)"; [ "$(wc -l < count.txt)" -ge "$NEED" ]'


def expected_delay(k: int, initial: float, backoff: float, maximum: float) -> float:
    return min(initial * backoff ** (k - 1), maximum)


def assert_gaps_respect_delays(data, job: str) -> None:
    """Each job_retrying event is followed by the next attempt's job_started
    no earlier than `delay` later (timestamps are ms-truncated: 2 ms slack)."""
    timeline = [e for e in data["events"] if e["job_id"] == job]
    for i, event in enumerate(timeline):
        if event["type"] != "job_retrying":
            continue
        following = timeline[i + 1]
        assert following["type"] == "job_started" and following["attempt"] == event["attempt"] + 1, timeline
        assert ts(following["timestamp"]) - ts(event["timestamp"]) >= event["delay"] - 0.002, (event, following)


def test_fails_twice_then_succeeds(project, cli, monkeypatch):
    monkeypatch.setenv("NEED", "3")
    retry = {"max_attempts": 5, "initial_delay": 0.2, "backoff_factor": 2, "max_delay": 0.3}
    workflow(project, [{"id": "flaky", "command": FLAKY, "retry_config": retry}])

    result, data = run_with_results(cli)

    assert result.exit == 0, result.output
    job = jobs_by_id(data)["flaky"]
    assert (job["status"], job["attempts"], job["exit_code"], job["error"]) == ("completed", 3, 0, None)
    assert (project / "count.txt").read_text().count("attempt") == 3
    retrying = events(data, "job_retrying", "flaky")
    assert [e["attempt"] for e in retrying] == [1, 2]
    assert [e["delay"] for e in retrying] == pytest.approx([expected_delay(k, 0.2, 2, 0.3) for k in (1, 2)])
    assert [e["delay"] for e in retrying] == [0.2, 0.3]
    assert all(e["error"] == "Job 'flaky' failed with exit code 1" for e in retrying)
    assert [e["attempt"] for e in events(data, "job_started", "flaky")] == [1, 2, 3]
    completed = events(data, "job_completed", "flaky")
    assert len(completed) == 1 and completed[0]["attempts"] == 3
    assert_gaps_respect_delays(data, "flaky")
    log = (project / ".jobrun" / "logs" / "flaky.log").read_text()
    assert "--- attempt 2 ---" in log and "--- attempt 3 ---" in log and "try 3" in log
    assert "RETRY" in result.stdout and "retrying in 0.2s" in result.stdout


def test_always_failing_job_uses_every_attempt_with_exponential_backoff(project, cli):
    retry = {"max_attempts": 4, "initial_delay": 0.1, "backoff_factor": 3, "max_delay": 0.5}
    workflow(project, [{"id": "broken", "command": "echo nope; exit 3", "retry_config": retry}])

    result, data = run_with_results(cli)

    assert result.exit == 1
    job = jobs_by_id(data)["broken"]
    assert (job["status"], job["attempts"], job["exit_code"]) == ("failed", 4, 3)
    assert job["error"] == "Job 'broken' failed with exit code 3"
    retrying = events(data, "job_retrying", "broken")
    assert [e["attempt"] for e in retrying] == [1, 2, 3]
    # 0.1, 0.3, then 0.9 capped at 0.5
    assert [e["delay"] for e in retrying] == pytest.approx([expected_delay(k, 0.1, 3, 0.5) for k in (1, 2, 3)])
    assert [e["delay"] for e in retrying] == pytest.approx([0.1, 0.3, 0.5])
    assert all(e["exit_code"] == 3 for e in retrying)
    failed = events(data, "job_failed", "broken")
    assert len(failed) == 1 and failed[0]["attempts"] == 4 and failed[0]["attempt"] == 4
    assert_gaps_respect_delays(data, "broken")


def test_global_max_retries_applies_without_retry_config(project, cli):
    """global_config.max_retries: 1 -> two attempts, default initial delay 1 s."""
    workflow(project, [
        {"id": "global_policy", "command": "exit 1"},
        {"id": "own_policy", "command": "exit 1", "retry_config": {"max_attempts": 1}},
    ], global_config={"max_retries": 1})

    result, data = run_with_results(cli, "-k")

    assert result.exit == 1
    jobs = jobs_by_id(data)
    assert jobs["global_policy"]["attempts"] == 2
    assert jobs["own_policy"]["attempts"] == 1  # its retry_config wins
    retrying = events(data, "job_retrying", "global_policy")
    assert [(e["attempt"], e["delay"]) for e in retrying] == [(1, 1.0)]
    assert not events(data, "job_retrying", "own_policy")
    assert_gaps_respect_delays(data, "global_policy")


def test_retry_counts_in_yaml_written_as_a_jobfile(project, cli, monkeypatch):
    """The DSL's `retry N` means N retries after the first attempt."""
    monkeypatch.setenv("NEED", "3")
    (project / "Jobfile").write_text(
        'name = "dsl"\n\nflaky:\n    $ ' + FLAKY + "\n    retry 2 delay 0.1s backoff 2 max 1s\n", encoding="utf-8")
    result, data = run_with_results(cli)
    assert result.exit == 0, result.output
    assert jobs_by_id(data)["flaky"]["attempts"] == 3
    assert [e["delay"] for e in events(data, "job_retrying", "flaky")] == [0.1, 0.2]


def test_a_waiting_retry_keeps_its_slot(project, cli):
    """With -j 1, a job waiting to retry holds the only worker: the other job
    starts after the retried job has ended."""
    workflow(project, [
        {"id": "flaky", "command": 'test -f done.txt || { touch done.txt; exit 1; }',
         "retry_config": {"max_attempts": 2, "initial_delay": 0.2}},
        {"id": "other", "command": "true"},
    ])
    result, data = run_with_results(cli, "-j", "1")
    assert result.exit == 0, result.output
    order = [(e["type"], e["job_id"]) for e in data["events"]]
    assert order.index(("job_completed", "flaky")) < order.index(("job_started", "other"))
