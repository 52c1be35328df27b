"""Where a YAML or JSON workflow's keys are, found only when asked for.

Loading records no positions: a 100,000-job file would pay for them on every
run, and only an error needs one. A `PathSpans` names a job's (or the file's)
place by path, `("jobs", 3)`, and its `Locator` composes the file again the
first time a span is wanted. This module imports no YAML itself (a `Document`
read from the parse cache must not pull PyYAML in), and pickles as its
source and kind only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from runner.source import Source, Span


class Locator:
    """Finds the node at a path like ("jobs", 3, "dependencies", 1)."""

    __slots__ = ("source", "is_json", "_root", "_flatten")

    def __init__(self, source: Source, is_json: bool) -> None:
        self.source = source
        self.is_json = is_json
        self._root: Any = None  # the composed nodes, once a span has been asked for
        self._flatten: Any = None

    def __getstate__(self) -> tuple[Source, bool]:
        return self.source, self.is_json

    def __setstate__(self, state: tuple[Source, bool]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def span(self, path: tuple[str | int, ...]) -> Span | None:
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        from runner.syntax import data

        if self._root is None:
            self._root = data.compose(self.source, self.is_json)
            self._flatten = data.flattener(self.source)
        node, key_node = self._root, None
        for step in path:
            if isinstance(node, MappingNode) and isinstance(step, str):
                pairs = [(k, v) for k, v in self._flatten(node) if k.value == step]
                if not pairs:
                    return None
                key_node, node = pairs[-1]
            elif isinstance(step, int) and isinstance(node, SequenceNode) and step < len(node.value):
                key_node, node = None, node.value[step]
            elif step == 0 and isinstance(node, ScalarNode):
                continue  # a single string standing for a list of one
            else:
                return None
        if node is None:
            return None
        if isinstance(node, ScalarNode) or key_node is None:
            return data.node_span(self.source, node)
        return data.node_span(self.source, key_node)


class PathSpans(Mapping[str, Span]):
    """A job's (or a file's) spans, by dotted key ("retry_config.max_attempts",
    "dependencies.1"), looked up in the file only when asked for."""

    __slots__ = ("locator", "prefix")

    def __init__(self, locator: Locator, prefix: tuple[str | int, ...]) -> None:
        self.locator = locator
        self.prefix = prefix

    def _path(self, key: str) -> tuple[str | int, ...]:
        return self.prefix + tuple(int(p) if p.isdigit() else p for p in key.split("."))

    def __getitem__(self, key: str) -> Span:
        span = self.locator.span(self._path(key))
        if span is None:
            raise KeyError(key)
        return span

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.locator.span(self._path(key)) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0
