"""state.db: each job's estimate is the median of its last ten successful
durations; planning reads one row per job."""

from __future__ import annotations

from runner.state import USE, StateStore, median


def test_no_state_means_no_estimates(tmp_path):
    store = StateStore(tmp_path / ".jobrun")
    assert store.estimates(["a"]) == {}
    assert not (tmp_path / ".jobrun" / "state.db").exists()


def test_estimate_is_the_median_of_the_newest_durations(tmp_path):
    store = StateStore(tmp_path / ".jobrun")
    store.record([("a", 1.0), ("b", 5.0)])
    store.record([("a", 3.0)])
    assert store.estimates(["a", "b"]) == {"a": 2.0, "b": 5.0}
    for seconds in range(100, 100 + USE):  # ten newer runs push the old ones out
        store.record([("a", float(seconds))])
    assert store.estimates(["a"]) == {"a": median([float(s) for s in range(100, 100 + USE)])}


def test_estimates_only_for_the_jobs_asked(tmp_path):
    store = StateStore(tmp_path / ".jobrun")
    store.record([("a", 1.0), ("b", 2.0)])
    assert store.estimates(["b", "c"]) == {"b": 2.0}


def test_a_damaged_database_gives_no_estimates(tmp_path):
    state = tmp_path / ".jobrun"
    state.mkdir()
    (state / "state.db").write_bytes(b"not a database at all" * 100)
    assert StateStore(state).estimates(["a"]) == {}


def test_median():
    assert median([3.0]) == 3.0
    assert median([4.0, 1.0]) == 2.5
    assert median([5.0, 1.0, 3.0]) == 3.0


def test_durations_are_kept_in_whole_milliseconds(tmp_path):
    store = StateStore(tmp_path / ".jobrun")
    store.record([("a", 0.0014), ("b", 2.0006), ("c", 1e12)])
    assert store.estimates(["a", "b", "c"]) == {"a": 0.001, "b": 2.001, "c": (2**31 - 1) / 1000}


def test_a_damaged_history_row_is_started_afresh(tmp_path):
    import sqlite3

    store = StateStore(tmp_path / ".jobrun")
    store.record([("a", 1.0)])
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE job_times SET recent_ms = ? WHERE job_id = 'a'", (b"\x01\x02\x03",))
    store.record([("a", 3.0)])
    assert store.estimates(["a"]) == {"a": 3.0}


def test_histories_from_the_earlier_format_are_kept(tmp_path):
    import sqlite3

    state = tmp_path / ".jobrun"
    state.mkdir()
    with sqlite3.connect(state / "state.db") as db:
        db.execute("CREATE TABLE job_durations (job_id TEXT PRIMARY KEY, recent TEXT NOT NULL, estimate REAL NOT NULL)")
        db.executemany("INSERT INTO job_durations VALUES (?, ?, ?)",
                       [("a", "3.0 1.0 2.0", 2.0), ("b", "not a number", 9.0)])
    store = StateStore(state)
    assert store.estimates(["a", "b"]) == {"a": 2.0}
    store.record([("a", 10.0)])  # the median of 10, 3, 1, 2
    assert store.estimates(["a"]) == {"a": 2.5}
    with sqlite3.connect(state / "state.db") as db:
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'job_durations'").fetchone()
