"""Acceptance 1: dependency order and the -j limit, observed from the jobs
themselves (they append start/end times to a shared file, O_APPEND) and from
the results JSON events."""

from __future__ import annotations

import pytest

from tests.integration._support import (
    end_event_time,
    first_event_time,
    jobs_by_id,
    max_overlap,
    read_timeline,
    run_with_results,
    workflow,
)

pytestmark = pytest.mark.integration


def timed(job: str, seconds: float) -> str:
    return (f'echo "start {job} $(date +%s.%N)" >> "$TIMELINE"; sleep {seconds}; '
            f'echo "end {job} $(date +%s.%N)" >> "$TIMELINE"')


# a diamond (a -> b, c -> d), a chain (e -> f) and a join of both (g)
GRAPH = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": [], "f": ["e"], "g": ["d", "f"], "h": []}


@pytest.mark.parametrize("jobs", [1, 2, 4])
def test_dependencies_finish_before_dependents_start_and_at_most_n_overlap(project, cli, monkeypatch, jobs):
    timeline_file = project / "timeline.txt"
    monkeypatch.setenv("TIMELINE", str(timeline_file))
    workflow(project, [{"id": job, "command": timed(job, 0.1), "dependencies": deps} for job, deps in GRAPH.items()])

    result, data = run_with_results(cli, "-j", str(jobs))

    assert result.exit == 0, result.output
    assert data["status"] == "completed"
    assert {j["status"] for j in data["jobs"]} == {"completed"}
    timeline = read_timeline(timeline_file)
    assert set(timeline) == set(GRAPH)
    for job, deps in GRAPH.items():
        for dep in deps:
            # seen by the jobs themselves ...
            assert timeline[dep]["end"] < timeline[job]["start"], (dep, job, timeline)
            # ... and in jobrun's own events
            assert end_event_time(data, dep) <= first_event_time(data, "job_started", job), (dep, job)
    overlap = max_overlap((t["start"], t["end"]) for t in timeline.values())
    assert 1 <= overlap <= jobs
    if jobs > 1:
        assert overlap >= 2, "independent jobs (h, e, a) should have run side by side"


@pytest.mark.parametrize(("jobs", "expected"), [("4", 4), ("2", 2), ("0", 5)])
def test_independent_jobs_overlap_up_to_the_limit(project, cli, monkeypatch, jobs, expected):
    timeline_file = project / "timeline.txt"
    monkeypatch.setenv("TIMELINE", str(timeline_file))
    count = 5 if jobs == "0" else 4
    seconds = 0.3 if jobs == "2" else 0.5
    workflow(project, [{"id": f"job{i}", "command": timed(f"job{i}", seconds)} for i in range(count)])

    result, data = run_with_results(cli, "-j", jobs)

    assert result.exit == 0, result.output
    timeline = read_timeline(timeline_file)
    assert len(timeline) == count
    assert max_overlap((t["start"], t["end"]) for t in timeline.values()) == expected
    # the events agree: started/ended pairs never exceed the limit either
    intervals = [(first_event_time(data, "job_started", j), end_event_time(data, j)) for j in jobs_by_id(data)]
    assert max_overlap(intervals) <= expected


def test_events_order_a_chain(project, cli):
    """In a chain each job's start event follows its dependency's completion,
    and attempts/exit codes are recorded."""
    workflow(project, [
        {"id": "one", "command": "echo one > one.txt"},
        {"id": "two", "command": "cat one.txt > two.txt", "dependencies": ["one"]},
        {"id": "three", "command": "cat two.txt > three.txt", "dependencies": ["two"]},
    ])
    result, data = run_with_results(cli, "-j", "4")
    assert result.exit == 0, result.output
    assert (project / "three.txt").read_text() == "one\n"
    kinds = [(e["type"], e["job_id"]) for e in data["events"]]
    assert kinds == [("job_started", "one"), ("job_completed", "one"), ("job_started", "two"),
                     ("job_completed", "two"), ("job_started", "three"), ("job_completed", "three")]
    for job in data["jobs"]:
        assert (job["attempts"], job["exit_code"]) == (1, 0)


def test_the_longest_remaining_chain_starts_first(project, cli):
    """-j 1: of the ready jobs, the head of the longest chain starts first,
    then file order among equals."""
    workflow(project, [
        {"id": "short1", "command": "true"},
        {"id": "short2", "command": "true"},
        {"id": "chain1", "command": "true"},
        {"id": "chain2", "command": "true", "dependencies": ["chain1"]},
        {"id": "chain3", "command": "true", "dependencies": ["chain2"]},
    ])
    result, data = run_with_results(cli, "-j", "1")
    assert result.exit == 0, result.output
    started = [e["job_id"] for e in data["events"] if e["type"] == "job_started"]
    assert started[:2] == ["chain1", "chain2"]
    assert started.index("short1") < started.index("short2")
    assert data["critical_path"] == ["chain1", "chain2", "chain3"]
