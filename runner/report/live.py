"""The live view on a terminal: the plain status stream scrolls above a footer
redrawn at most ten times a second: a progress bar (ended/total), the running
jobs with elapsed time and attempt, and their CPU% and memory."""

from __future__ import annotations

import shutil
import time
from typing import Any

from runner.report.console import Console

CLEAR_BELOW = "\x1b[J"


def up(lines: int) -> str:
    return f"\x1b[{lines}F" if lines else "\r"


class LiveConsole:
    REDRAW = 0.1  # seconds between footer redraws, at most

    def __init__(self, console: Console) -> None:
        self.console = console
        self.tick_interval = min(self.REDRAW, console.tick_interval)
        self.run: Any = None
        self.drawn = 0  # footer lines on screen
        self.last_draw = 0.0

    def start(self, run: Any) -> None:
        self.run = run
        self.console.start(run)
        self.draw()

    def clear(self) -> None:
        if self.drawn:
            self.console.write(up(self.drawn) + CLEAR_BELOW)
            self.drawn = 0

    def event(self, event: Any) -> None:
        self.clear()
        self.console.event(event)
        self.draw()

    def tick(self) -> None:
        if self.console.stream or time.monotonic() - self.last_draw >= self.REDRAW:
            self.clear()  # --stream: the lines the tick prints go where the footer was
            self.console.tick()
            self.draw()
        else:
            self.console.tick()

    def finish(self, result: Any) -> None:
        self.clear()
        self.console.flush()
        self.console.finish(result)

    def footer(self) -> list[str]:
        console = self.console
        records = self.run.records
        total = len(records)
        ended = sum(1 for r in records if r.status is not None)
        running = [r for r in records if r.running or (r.status is None and r.attempts and r.attempt_started)]
        width = shutil.get_terminal_size((100, 24)).columns
        cpu = sum(r.live_cpu_percent for r in running)
        rss = sum(r.live_rss_mb for r in running)
        bar_width = max(10, min(30, width - 60))
        filled = int(bar_width * ended / total) if total else bar_width
        bar = "[" + "=" * filled + (">" if filled < bar_width else "") + " " * max(0, bar_width - filled - 1) + "]"
        lines = [console.paint("title", f"{bar} {ended}/{total} jobs") +
                 f"  {len(running)} running  CPU {cpu:.0f}%  memory {rss:.0f} MB"]
        now = time.time()
        name_width = max((len(r.job.id) for r in running), default=0)
        height = shutil.get_terminal_size((100, 24)).lines
        for record in running[: max(1, height - 4)]:
            elapsed = now - (record.started_at or now)
            state = f"attempt {record.attempts}" if record.running else f"retry {record.attempts + 1} waiting"
            text = (f"  {record.job.id:<{name_width}}  {elapsed:6.1f}s  {state}  "
                    f"{record.live_cpu_percent:4.0f}%  {record.live_rss_mb:5.0f} MB")
            lines.append(console.paint("dim", text[:width - 1]))
        if len(running) > height - 4:
            lines.append(f"  ... and {len(running) - (height - 4)} more")
        return lines

    def draw(self) -> None:
        lines = self.footer()
        self.console.write("\n".join(lines) + "\n")
        self.console.flush()
        self.drawn = len(lines)
        self.last_draw = time.monotonic()
