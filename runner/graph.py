"""Graph algorithms over jobs numbered 0..n-1 in file order. Pure functions:
no I/O, no clocks, no recursion (a 100,000-job chain is fine), linear time.

`deps[i]` lists the jobs job i waits for, each once. Ties break by file
order, so every result is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Adjacency = Sequence[Sequence[int]]


def dependents_of(deps: Adjacency) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in deps]
    for job, before in enumerate(deps):
        for dep in before:
            out[dep].append(job)
    return out


def find_cycle(deps: Adjacency) -> list[int] | None:
    """A dependency cycle as a path `[a, b, ..., a]` ("a depends on b"), starting
    at the cycle's first job in file order; None when the graph is acyclic."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = [WHITE] * len(deps)
    for root in range(len(deps)):
        if colour[root] != WHITE:
            continue
        path = [root]
        iters = [iter(deps[root])]
        colour[root] = GREY
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                colour[path.pop()] = BLACK
                iters.pop()
            elif colour[nxt] == GREY:
                cycle = path[path.index(nxt):]
                start = cycle.index(min(cycle))
                cycle = cycle[start:] + cycle[:start]
                return cycle + [cycle[0]]
            elif colour[nxt] == WHITE:
                colour[nxt] = GREY
                path.append(nxt)
                iters.append(iter(deps[nxt]))
    return None


def topological_order(deps: Adjacency) -> list[int]:
    """Every job after its dependencies (Kahn's algorithm, breadth first from
    the jobs that wait for nothing). Raises ValueError on a cycle."""
    dependents = dependents_of(deps)
    waiting = [len(d) for d in deps]
    order = [i for i, w in enumerate(waiting) if w == 0]
    for job in order:  # `order` grows while it is walked: a queue without pops
        for nxt in dependents[job]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                order.append(nxt)
    if len(order) != len(deps):
        raise ValueError("the graph has a cycle")
    return order


def levels(deps: Adjacency, order: Sequence[int] | None = None) -> list[list[int]]:
    """Jobs grouped by depth: level 0 has no dependencies; a job's level is one
    more than its deepest dependency's. Each level is in file order."""
    order = topological_order(deps) if order is None else order
    level = [0] * len(deps)
    for job in order:
        before = deps[job]
        if before:
            level[job] = 1 + max(level[d] for d in before)
    grouped: list[list[int]] = [[] for _ in range(max(level, default=-1) + 1)]
    for job in range(len(deps)):
        grouped[level[job]].append(job)
    return grouped


def critical_path(deps: Adjacency, weights: Sequence[float], order: Sequence[int] | None = None) -> tuple[list[int], float]:
    """The heaviest dependency chain, first job first, and its total weight."""
    if not deps:
        return [], 0.0
    order = topological_order(deps) if order is None else order
    best = [0.0] * len(deps)
    via = [-1] * len(deps)
    for job in order:
        pick = -1
        for dep in deps[job]:
            if pick == -1 or best[dep] > best[pick] or (best[dep] == best[pick] and dep < pick):
                pick = dep
        best[job] = (best[pick] if pick != -1 else 0.0) + weights[job]
        via[job] = pick
    end = max(range(len(deps)), key=lambda j: (best[j], -j))
    path = [end]
    while via[path[-1]] != -1:
        path.append(via[path[-1]])
    path.reverse()
    return path, best[end]


def remaining_weight(deps: Adjacency, weights: Sequence[float], order: Sequence[int] | None = None) -> list[float]:
    """For each job, the heaviest chain from it to the end of the graph (itself
    included): the scheduler starts the ready job with the most work behind it."""
    order = topological_order(deps) if order is None else order
    dependents = dependents_of(deps)
    rest = [0.0] * len(deps)
    for job in reversed(order):
        rest[job] = weights[job] + max((rest[d] for d in dependents[job]), default=0.0)
    return rest


def closure(deps: Adjacency, roots: Iterable[int]) -> set[int]:
    """`roots` and everything they depend on, transitively."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        job = stack.pop()
        if job not in seen:
            seen.add(job)
            stack.extend(deps[job])
    return seen


def restrict(deps: Adjacency, keep: Sequence[int]) -> list[list[int]]:
    """The subgraph on `keep` (sorted indices), renumbered 0..len(keep)-1."""
    new_index = {old: new for new, old in enumerate(keep)}
    return [[new_index[d] for d in deps[old] if d in new_index] for old in keep]
