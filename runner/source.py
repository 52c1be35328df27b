"""Where things come from: a file's text, and spans inside it.

Every later stage refers back to the user's file through a `Span`, so an error
can quote the offending line. This module imports nothing else from `runner`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True, eq=False)
class Source:
    """A file as read: its path and its text. Compared by identity."""

    path: Path
    text: str
    columns: bool = False  # errors in this file name their column (Jobfiles) or not (YAML, JSON)
    _lines: list[str] | None = field(default=None, repr=False)
    _directory: Path | None = field(default=None, repr=False)

    @classmethod
    def read(cls, path: Path) -> Source:
        return cls(path, path.read_text(encoding="utf-8"))

    @property
    def display(self) -> str:
        """The path as a user would type it: relative to the cwd when below it."""
        try:
            rel = os.path.relpath(self.path)
        except ValueError:
            return str(self.path)
        return str(self.path) if rel.startswith("..") else rel

    @property
    def directory(self) -> Path:
        """The file's directory, resolved once."""
        if self._directory is None:
            object.__setattr__(self, "_directory", self.path.resolve().parent)
        return self._directory  # type: ignore[return-value]

    def line(self, number: int) -> str:
        """The text of line `number` (1-based), without its newline."""
        lines = self._lines
        if lines is None:
            lines = self.text.splitlines()
            object.__setattr__(self, "_lines", lines)
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return ""


@dataclass(frozen=True, slots=True)
class Span:
    """A place in a source: 1-based line and column, and the width to underline."""

    source: Source
    line: int
    col: int = 1
    width: int = 1

    @property
    def location(self) -> str:
        return f"{self.source.display}:{self.line}"



class SpanTable(Mapping[str, Span]):
    """Positions by key, stored as (line, col, width) in `raw` and made into
    `Span`s on demand: a 100,000-job file records a few per job, cheaply."""

    __slots__ = ("source", "raw")

    def __init__(self, source: Source) -> None:
        self.source = source
        self.raw: dict[str, tuple[int, int, int]] = {}

    def __getitem__(self, key: str) -> Span:
        return Span(self.source, *self.raw[key])

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)
