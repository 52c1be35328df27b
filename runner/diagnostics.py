"""Render a Diagnostic as text: header, location, source line, caret, hint.

    jobs.yaml:7: error: unknown key 'timout' in job 'build'
      |
    7 |     timout: 30
      |     ^^^^^^
      = hint: did you mean 'timeout'?
"""

from __future__ import annotations

from runner.errors import Diagnostic

_RED = "\x1b[1;31m"
_BLUE = "\x1b[1;34m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def render(diagnostic: Diagnostic, *, color: bool = False) -> str:
    def paint(style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    span = diagnostic.span
    lines: list[str] = []
    if diagnostic.headline == "located" and span is not None:
        where = span.location + (f":{span.col}" if span.source.columns else "")
        lines.append(f"{paint(_BOLD, where)}: {paint(_RED, 'error')}: {diagnostic.message}")
    else:
        lines.append(f"{paint(_RED, 'Error')}: {diagnostic.message}")
        if span is not None:
            lines.append(f" {paint(_BLUE, '-->')} {span.location}:{span.col}")
    if span is not None:
        text = span.source.line(span.line)
        if text.strip():
            gutter = " " * len(str(span.line))
            bar = paint(_BLUE, "|")
            # Copy tabs from the source line so the caret lines up however tabs render.
            lead = "".join(c if c == "\t" else " " for c in text[: max(span.col - 1, 0)])
            width = max(1, min(span.width, len(text) - span.col + 1))
            lines.append(f"{gutter} {bar}")
            lines.append(f"{paint(_BLUE, str(span.line))} {bar} {text}")
            lines.append(f"{gutter} {bar} {lead}{paint(_RED, '^' * width)}")
    for note in diagnostic.notes:
        lines.append(f"  = note: {note}")
    if diagnostic.hint:
        lines.append(f"  = {paint(_BOLD, 'hint')}: {diagnostic.hint}")
    return "\n".join(lines)
