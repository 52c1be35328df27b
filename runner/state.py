"""`.jobrun/` beside the top-level job file: the run lock and state.db.

state.db (SQLite) keeps each job's past durations; the median of its last
ten successful runs estimates its duration, which weights the critical path
(and so the order in which ready jobs start). `.jobrun/lock` lets one run at a
time use a state directory.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from array import array
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from runner.errors import LockError

USE = 10  # the newest this many successful durations make a job's estimate


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
    """state.db: per job, its last USE successful durations in whole
    milliseconds (newest first, packed 32-bit integers) and their median in
    seconds, so that planning reads one row per job and a run writes one row
    per job it completed. Packed integers read and write without any parsing
    or formatting per value: a run of a thousand short jobs records them in
    a few milliseconds."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "state.db"

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA synchronous = OFF")  # estimates, not records: no fsync for them
        db.execute("CREATE TABLE IF NOT EXISTS job_times ("
                   "job_id TEXT PRIMARY KEY, recent_ms BLOB NOT NULL, estimate REAL NOT NULL)")
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_durations'").fetchone():
            _migrate(db)
        return db

    def estimates(self, job_ids: Iterable[str]) -> dict[str, float]:
        """Each job's estimated duration in seconds (jobs never timed are left
        out). Reads nothing when there is no state yet."""
        if not self.path.exists():
            return {}
        wanted = set(job_ids)
        try:
            with self._connect() as db:
                rows = db.execute("SELECT job_id, estimate FROM job_times").fetchall()
        except sqlite3.Error:
            return {}
        return {job_id: estimate for job_id, estimate in rows if job_id in wanted}

    def record(self, durations: Iterable[tuple[str, float]]) -> None:
        """Add the (job_id, seconds) of this run's successful jobs."""
        new = {job_id: min(round(seconds * 1000), 2**31 - 1) for job_id, seconds in durations}
        if not new:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            rows = db.execute("SELECT job_id, recent_ms FROM job_times").fetchall()
            known = {job_id: recent for job_id, recent in rows if job_id in new}
            updates = []
            for job_id, ms in new.items():
                recent = array("i", [ms])
                past = known.get(job_id)
                if isinstance(past, bytes):
                    recent.frombytes(past[:min(len(past) // recent.itemsize, USE - 1) * recent.itemsize])
                updates.append((job_id, recent.tobytes(), median(recent) / 1000))
            db.executemany("INSERT OR REPLACE INTO job_times (job_id, recent_ms, estimate) VALUES (?, ?, ?)",
                           updates)


def _migrate(db: sqlite3.Connection) -> None:
    """Move the histories an earlier jobrun kept (seconds as text, newest
    first, in `job_durations`) into `job_times`, once."""
    rows = []
    for job_id, text in db.execute("SELECT job_id, recent FROM job_durations").fetchall():
        try:
            recent = array("i", [min(round(float(v) * 1000), 2**31 - 1) for v in str(text).split()[:USE]])
        except ValueError:  # a damaged row: that job starts afresh
            continue
        if recent:
            rows.append((job_id, recent.tobytes(), median(recent) / 1000))
    db.executemany("INSERT OR IGNORE INTO job_times (job_id, recent_ms, estimate) VALUES (?, ?, ?)", rows)
    db.execute("DROP TABLE job_durations")
    db.commit()


def median(values: Iterable[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
