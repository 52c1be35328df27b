"""Property tests: random DAGs against brute force."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from runner import graph


@st.composite
def dags(draw, max_jobs: int = 9):
    """A random DAG: each job may depend on any earlier one; then the numbering
    is shuffled so file order is not a topological order."""
    n = draw(st.integers(0, max_jobs))
    deps = [sorted(draw(st.sets(st.integers(0, i - 1), max_size=i)) if i else []) for i in range(n)]
    perm = draw(st.permutations(range(n)))
    shuffled: list[list[int]] = [[] for _ in range(n)]
    for job, before in enumerate(deps):
        shuffled[perm[job]] = sorted(perm[d] for d in before)
    weights = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    return shuffled, [float(w) for w in weights]


def brute_force_longest(deps, weights) -> float:
    """The heaviest chain, by trying every sequence of jobs."""
    n = len(deps)
    best = 0.0
    for size in range(1, n + 1):
        for chain in itertools.permutations(range(n), size):
            if all(chain[i] in deps[chain[i + 1]] for i in range(size - 1)):
                best = max(best, sum(weights[j] for j in chain))
    return best


@given(dags(max_jobs=30))
def test_topological_order_is_valid(dag):
    deps, _ = dag
    order = graph.topological_order(deps)
    assert sorted(order) == list(range(len(deps)))
    position = {job: i for i, job in enumerate(order)}
    assert all(position[d] < position[j] for j, ds in enumerate(deps) for d in ds)
    assert graph.find_cycle(deps) is None


@settings(max_examples=150, deadline=None)
@given(dags(max_jobs=6))
def test_critical_path_equals_brute_force(dag):
    deps, weights = dag
    path, weight = graph.critical_path(deps, weights)
    assert weight == brute_force_longest(deps, weights)
    if deps:
        assert sum(weights[j] for j in path) == weight
        assert all(path[i] in deps[path[i + 1]] for i in range(len(path) - 1))


@given(dags(max_jobs=20))
def test_levels_cover_every_job_once_and_respect_dependencies(dag):
    deps, _ = dag
    level_of = {job: n for n, level in enumerate(graph.levels(deps)) for job in level}
    assert sorted(level_of) == list(range(len(deps)))
    assert all(level_of[d] < level_of[j] for j, ds in enumerate(deps) for d in ds)


@given(dags(max_jobs=20), st.integers(0, 19))
def test_a_back_edge_makes_a_cycle_that_is_found(dag, pick):
    deps, _ = dag
    if not deps:
        return
    order = graph.topological_order(deps)
    last = order[-1]
    first = order[pick % len(order)]
    deps[first] = sorted(set(deps[first]) | {last})  # first now waits for last: a cycle if last depends on first
    cycle = graph.find_cycle(deps)
    closes = last in graph.closure(deps, [last]) and first in graph.closure(deps, [last])
    if first == last or closes:
        assert cycle is not None and cycle[0] == cycle[-1] == min(cycle)
        assert all(cycle[i + 1] in deps[cycle[i]] for i in range(len(cycle) - 1))
    else:
        assert cycle is None
