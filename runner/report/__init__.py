"""Everything users read: tables, graphs, listings, the status stream, results files.

Reporters consume plans and events; none of them touches execution state.
"""

from __future__ import annotations


def box_format(encoding: str | None) -> str:
    """A tabulate format with box-drawing lines when the stream can encode
    them, plain ASCII lines otherwise."""
    try:
        "┌─┐│".encode(encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "grid"
    return "simple_outline"


def table(rows: list[list[object]], headers: list[str], encoding: str | None = "utf-8") -> str:
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt=box_format(encoding), disable_numparse=True)
