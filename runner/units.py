"""Durations, sizes and numbers as users write them, and back.

Durations: `90`, `1.5`, `250ms`, `30s`, `5m`, `1h30m`, `2d` (seconds).
Sizes: `512`, `512MB`, `2GB`, `1.5G`, `64KB`, `1TiB` (megabytes; 1 GB = 1024 MB).
A plain number is seconds or megabytes.
"""

from __future__ import annotations

import re

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)")
_SIZE_UNITS = {
    "": 1.0, "b": 1 / 1024 / 1024,
    "k": 1 / 1024, "kb": 1 / 1024, "kib": 1 / 1024,
    "m": 1.0, "mb": 1.0, "mib": 1.0,
    "g": 1024.0, "gb": 1024.0, "gib": 1024.0,
    "t": 1024.0**2, "tb": 1024.0**2, "tib": 1024.0**2,
}
_SIZE_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)")
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_number(text: str) -> float | None:
    return float(text) if _NUMBER_RE.fullmatch(text.strip()) else None


def parse_duration(text: str) -> float | None:
    """Seconds for `text`, or None when it is not a duration."""
    text = text.strip()
    plain = parse_number(text)
    if plain is not None:
        return plain
    pos, total = 0, 0.0
    for match in _DURATION_RE.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return total if pos == len(text) and pos else None


def parse_size(text: str) -> float | None:
    """Megabytes for `text`, or None when it is not a size."""
    text = text.strip()
    plain = parse_number(text)
    if plain is not None:
        return plain
    match = _SIZE_RE.fullmatch(text)
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        return None
    return float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]


def fmt_number(value: float) -> str:
    """`300.0` -> `300`, `2.5` -> `2.5`: numbers in messages have no trailing `.0`."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def fmt_duration(seconds: float) -> str:
    """A duration `parse_duration` reads back exactly: 300 -> `5m`, 5400 -> `1h30m`."""
    if seconds != int(seconds) or seconds < 60:
        return fmt_number(seconds) + "s"
    rest, parts = int(seconds), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def fmt_size(megabytes: float) -> str:
    """A size `parse_size` reads back exactly: 1024 -> `1GB`, 512 -> `512MB`."""
    if megabytes >= 1024 and megabytes % 1024 == 0:
        return fmt_number(megabytes / 1024) + "GB"
    return fmt_number(megabytes) + "MB"
