"""Debug logging: `LOG_LEVEL=DEBUG jobrun ...` writes what jobrun decides and
does (files loaded, the plan, each process started and how it ended, kills,
retries) to stderr. Off by default, and then free: `logging` is not even
imported."""

from __future__ import annotations

import time
from typing import Any, TextIO

_logger: Any = None


def enabled() -> bool:
    return _logger is not None


def debug(message: str, *args: object) -> None:
    if _logger is not None:
        _logger.debug(message, *args)


def configure(level_name: str | None, stream: TextIO) -> str | None:
    """Turn logging on at `level_name` (DEBUG, INFO, WARNING, ERROR; any
    case). Returns a warning when the name is not a level."""
    global _logger
    if not level_name:
        return None
    import logging

    level = logging.getLevelName(level_name.strip().upper())
    if not isinstance(level, int):
        return f"warning: LOG_LEVEL={level_name} is not a level (DEBUG, INFO, WARNING, ERROR); logging stays off"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_Formatter())
    logger = logging.getLogger("jobrun")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    _logger = logger if level <= logging.DEBUG else None
    return None


class _Formatter:
    def format(self, record: Any) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created)) + f".{int(record.msecs):03d}"
        return f"[{stamp} {record.threadName}] debug: {record.getMessage()}"
