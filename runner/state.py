"""`.jobrun/` beside the top-level job file: the run lock and state.db.

state.db (SQLite) keeps each job's past durations; the median of the last
ten successful runs estimates its duration, which weights the critical path
(and so the order in which ready jobs start). `.jobrun/lock` lets one run at a
time use a state directory.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from runner.errors import LockError

KEEP = 20  # durations kept per job
USE = 10  # of which the newest this many are used for the estimate


class RunLock:
    """An exclusive lock on `.jobrun/lock`, released when the run ends (or
    when the process dies: it is an flock)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.path = state_dir / "lock"
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise LockError(f"another jobrun run is in progress in {self.state_dir.parent} (pid {holder})",
                            hint="wait for it to finish; the lock goes with it") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class StateStore:
    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "state.db"

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("CREATE TABLE IF NOT EXISTS durations ("
                   "job_id TEXT NOT NULL, finished_at REAL NOT NULL, seconds REAL NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS durations_job ON durations (job_id, finished_at)")
        return db

    def estimates(self, job_ids: Iterable[str]) -> dict[str, float]:
        """Median of each job's last successful durations (jobs never timed
        are left out). Reads nothing when there is no state yet."""
        if not self.path.exists():
            return {}
        wanted = set(job_ids)
        try:
            with self._connect() as db:
                rows = db.execute("SELECT job_id, seconds FROM durations ORDER BY finished_at DESC").fetchall()
        except sqlite3.Error:
            return {}
        seen: dict[str, list[float]] = {}
        for job_id, seconds in rows:
            if job_id in wanted and len(seen.setdefault(job_id, [])) < USE:
                seen[job_id].append(seconds)
        import statistics

        return {job_id: statistics.median(values) for job_id, values in seen.items() if values}

    def record(self, durations: Iterable[tuple[str, float, float]]) -> None:
        """Store (job_id, finished_at, seconds) of successful jobs; keep the newest KEEP per job."""
        rows = list(durations)
        if not rows:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executemany("INSERT INTO durations (job_id, finished_at, seconds) VALUES (?, ?, ?)", rows)
            db.execute("DELETE FROM durations WHERE rowid IN (SELECT rowid FROM (SELECT rowid, ROW_NUMBER() "
                       "OVER (PARTITION BY job_id ORDER BY finished_at DESC) AS newest FROM durations) "
                       "WHERE newest > ?)", (KEEP,))
