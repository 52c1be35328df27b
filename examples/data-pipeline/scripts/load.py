#!/usr/bin/env python3
"""Load: build the SQLite warehouse from the clean tables.

    load.py --db out/warehouse.db --work-dir out/tmp CUSTOMERS_CSV ORDERS_CSV

The database is built from scratch in WORK_DIR, checked (foreign keys and
integrity), and only then moved over the old one, so a failed load never
leaves a half-filled warehouse behind: at worst a stray file in WORK_DIR,
which the pipeline's cleanup job removes.
"""

import argparse
import csv
import os
import sqlite3
import sys
from pathlib import Path

SCHEMA = """
CREATE TABLE customers (
    customer_id  TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL UNIQUE,
    country      TEXT NOT NULL CHECK (length(country) = 2),
    signup_date  TEXT NOT NULL
);
CREATE TABLE orders (
    order_id          INTEGER PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers (customer_id),
    order_date        TEXT NOT NULL,
    order_month       TEXT NOT NULL,
    product           TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents  INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    total_cents       INTEGER NOT NULL,
    status            TEXT NOT NULL
        CHECK (status IN ('shipped', 'pending', 'cancelled', 'returned'))
);
CREATE INDEX orders_by_customer ON orders (customer_id);
CREATE INDEX orders_by_month ON orders (order_month);
CREATE VIEW revenue AS
    SELECT o.*, c.country FROM orders o JOIN customers c USING (customer_id)
    WHERE o.status = 'shipped';
"""


def read_csv(path: Path) -> list:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def insert(db: sqlite3.Connection, table: str, rows: list) -> None:
    columns = list(rows[0])
    marks = ", ".join(f":{name}" for name in columns)
    db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the warehouse to (re)build")
    parser.add_argument("--work-dir", type=Path, required=True, help="scratch space")
    parser.add_argument("customers", type=Path)
    parser.add_argument("orders", type=Path)
    options = parser.parse_args()

    options.work_dir.mkdir(parents=True, exist_ok=True)
    scratch = options.work_dir / (options.db.name + ".partial")
    scratch.unlink(missing_ok=True)
    db = sqlite3.connect(scratch)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        with db:  # one transaction: everything or nothing
            db.executescript(SCHEMA)
            insert(db, "customers", read_csv(options.customers))
            insert(db, "orders", read_csv(options.orders))
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        if broken or integrity != "ok":
            print(f"load: checks failed: foreign keys {broken}, integrity {integrity}", file=sys.stderr)
            return 1
        counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("customers", "orders")}
    except sqlite3.Error as exc:
        print(f"load: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    options.db.parent.mkdir(parents=True, exist_ok=True)
    os.replace(scratch, options.db)
    print(f"load: {options.db}: {counts['customers']} customers, {counts['orders']} orders")
    return 0


if __name__ == "__main__":
    sys.exit(main())
