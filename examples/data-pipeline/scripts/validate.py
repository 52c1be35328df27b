#!/usr/bin/env python3
"""Validate: check the staged tables before anything is transformed or loaded.

    validate.py STAGING_DIR

Every problem found is listed (not just the first), then the script exits 1
with "VALIDATION FAILED", so bad data stops the pipeline here, loudly, instead
of half-loading a warehouse.
"""

import argparse
import csv
import json
import re
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

COLUMNS = {
    "customers": ["customer_id", "name", "email", "country", "signup_date"],
    "orders": ["order_id", "customer_id", "order_date", "product", "quantity", "unit_price", "status"],
}
STATUSES = {"shipped", "pending", "cancelled", "returned"}
CUSTOMER_ID = re.compile(r"C\d{3,}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
COUNTRY = re.compile(r"[A-Za-z]{2}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_date(text: str) -> bool:
    if not ISO_DATE.fullmatch(text):  # fromisoformat alone accepts 20240131 on 3.11+
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_table(staging: Path, table: str, manifest: dict, problems: list):
    """The table's well-formed rows as (line number, row) pairs, or None when
    the table itself is unusable (missing, or the wrong columns)."""
    path = staging / f"{table}.csv"
    if not path.is_file():
        problems.append(f"{path}: missing")
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS[table]:
            problems.append(f"{path}: columns are {reader.fieldnames}, expected {COLUMNS[table]}")
            return None
        rows = list(enumerate(reader, 2))  # line 1 is the header
    expected = manifest.get(table, {}).get("rows")
    if expected != len(rows):
        problems.append(f"{path}: {len(rows)} rows, but the manifest says {expected}")
    good = []
    for line, row in rows:
        if None in row or None in row.values():
            problems.append(f"{path}:{line}: wrong number of fields")
        else:
            good.append((line, row))
    return good


def check_customers(path: str, rows: list, problems: list) -> set:
    seen = set()
    for line, row in rows:
        where = f"{path}:{line}"
        cid = row["customer_id"]
        if not CUSTOMER_ID.fullmatch(cid):
            problems.append(f"{where}: bad customer_id {cid!r}")
        if cid in seen:
            problems.append(f"{where}: duplicate customer_id {cid!r}")
        seen.add(cid)
        if not row["name"].strip():
            problems.append(f"{where}: empty name")
        if not EMAIL.fullmatch(row["email"]):
            problems.append(f"{where}: bad email {row['email']!r}")
        if not COUNTRY.fullmatch(row["country"]):
            problems.append(f"{where}: country {row['country']!r} is not a 2-letter code")
        if not is_date(row["signup_date"]):
            problems.append(f"{where}: signup_date {row['signup_date']!r} is not a valid YYYY-MM-DD date")
    return seen


def check_orders(path: str, rows: list, customers, problems: list) -> None:
    """`customers` is None when the customers table could not be read: then
    the references are not checked (every one would be reported)."""
    seen = set()
    for line, row in rows:
        where = f"{path}:{line}"
        oid = row["order_id"]
        if not oid.isdigit():
            problems.append(f"{where}: order_id {oid!r} is not a positive number")
        if oid in seen:
            problems.append(f"{where}: duplicate order_id {oid!r}")
        seen.add(oid)
        if customers is not None and row["customer_id"] not in customers:
            problems.append(f"{where}: unknown customer_id {row['customer_id']!r}")
        if not is_date(row["order_date"]):
            problems.append(f"{where}: order_date {row['order_date']!r} is not a valid YYYY-MM-DD date")
        if not row["product"].strip():
            problems.append(f"{where}: empty product")
        quantity = row["quantity"]
        if not quantity.isdigit() or int(quantity) == 0:
            problems.append(f"{where}: quantity {quantity!r} is not a whole number above 0")
        try:
            price = Decimal(row["unit_price"])
            if price < 0 or price.as_tuple().exponent < -2:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"{where}: unit_price {row['unit_price']!r} is not an amount like 12.50")
        if row["status"].lower() not in STATUSES:
            problems.append(f"{where}: status {row['status']!r} is not one of {sorted(STATUSES)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("staging_dir", type=Path)
    staging = parser.parse_args().staging_dir

    problems: list = []
    manifest_path = staging / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(f"{manifest_path}: cannot read the manifest ({exc})")
        manifest = {}
    customers = read_table(staging, "customers", manifest, problems)
    orders = read_table(staging, "orders", manifest, problems)
    known = None
    if customers is not None:
        known = check_customers(str(staging / "customers.csv"), customers, problems)
    if orders is not None:
        check_orders(str(staging / "orders.csv"), orders, known, problems)

    if problems:
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print(f"VALIDATION FAILED: {len(problems)} problem(s) in {staging}", file=sys.stderr)
        return 1
    print(f"validate: ok ({len(known)} customers, {len(orders)} orders)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
