"""Graph algorithms on hand-checked DAGs."""

from __future__ import annotations

import pytest

from runner import graph


# a -> b means "a depends on b"; deps lists are by index.
DIAMOND = [[], [0], [0], [1, 2]]            # 0 <- 1, 0 <- 2, {1,2} <- 3


def test_levels_of_a_diamond():
    assert graph.levels(DIAMOND) == [[0], [1, 2], [3]]


def test_levels_use_the_deepest_dependency():
    deps = [[], [0], [1], [0, 2]]   # 3 depends on 0 (level 0) and 2 (level 2)
    assert graph.levels(deps) == [[0], [1], [2], [3]]


def test_topological_order_puts_dependencies_first():
    deps = [[3], [], [1, 0], []]
    order = graph.topological_order(deps)
    position = {job: i for i, job in enumerate(order)}
    assert all(position[d] < position[j] for j, ds in enumerate(deps) for d in ds)


def test_cycle_starts_at_its_first_job_in_file_order():
    # 0 -> 1 -> 2 -> 0 found from job 1's side still prints from job 0
    deps = [[1], [2], [0]]
    assert graph.find_cycle(deps) == [0, 1, 2, 0]
    deps = [[], [2], [3], [1]]      # cycle 1 -> 2 -> 3 -> 1, job 0 outside
    assert graph.find_cycle(deps) == [1, 2, 3, 1]


def test_self_dependency_is_a_cycle():
    assert graph.find_cycle([[], [1]]) == [1, 1]


def test_acyclic_graph_has_no_cycle():
    assert graph.find_cycle(DIAMOND) is None
    with pytest.raises(ValueError):
        graph.topological_order([[1], [0]])


def test_critical_path_unit_weights_takes_the_longest_chain():
    deps = [[], [0], [1], [], [3]]  # 0-1-2 (3 jobs) vs 3-4 (2 jobs)
    path, weight = graph.critical_path(deps, [1.0] * 5)
    assert path == [0, 1, 2] and weight == 3


def test_critical_path_follows_weights_not_job_count():
    deps = [[], [0], [1], [], [3]]
    path, weight = graph.critical_path(deps, [1, 1, 1, 10, 1])
    assert path == [3, 4] and weight == 11


def test_critical_path_ties_break_by_file_order():
    path, _ = graph.critical_path(DIAMOND, [1.0] * 4)
    assert path == [0, 1, 3]


def test_remaining_weight_counts_the_work_behind_a_job():
    assert graph.remaining_weight(DIAMOND, [1, 5, 1, 1]) == [7, 6, 2, 1]


def test_closure_and_restrict():
    assert graph.closure(DIAMOND, [1]) == {0, 1}
    assert graph.restrict(DIAMOND, [0, 2, 3]) == [[], [0], [1]]


def test_a_100000_job_chain_needs_no_recursion():
    n = 100_000
    deps = [[i - 1] if i else [] for i in range(n)]
    assert graph.find_cycle(deps) is None
    assert len(graph.levels(deps)) == n
    path, weight = graph.critical_path(deps, [1.0] * n)
    assert len(path) == n and weight == n
    deps[0] = [n - 1]
    cycle = graph.find_cycle(deps)
    assert cycle[0] == cycle[-1] == 0 and len(cycle) == n + 1
