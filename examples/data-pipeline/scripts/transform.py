#!/usr/bin/env python3
"""Transform: clean one validated staging table into its warehouse shape.

    transform.py customers STAGED_CSV CLEAN_CSV
    transform.py orders    STAGED_CSV CLEAN_CSV

customers: names in all lower case get capitalised, emails are lower-cased,
country codes upper-cased.
orders: statuses are lower-cased, money becomes integer cents (no floats),
and each order gets its month and its total.

The two tables are independent, so the pipeline runs both at once.
"""

import argparse
import csv
import os
import sys
from decimal import Decimal
from pathlib import Path


def clean_customer(row: dict) -> dict:
    name = " ".join(row["name"].split())
    if name == name.lower():  # leave deliberate casing ("van Rossum", "McCarthy") alone
        name = " ".join(part.capitalize() for part in name.split())
    return {
        "customer_id": row["customer_id"],
        "name": name,
        "email": row["email"].lower(),
        "country": row["country"].upper(),
        "signup_date": row["signup_date"],
    }


def clean_order(row: dict) -> dict:
    quantity = int(row["quantity"])
    unit_cents = int(Decimal(row["unit_price"]) * 100)
    return {
        "order_id": int(row["order_id"]),
        "customer_id": row["customer_id"],
        "order_date": row["order_date"],
        "order_month": row["order_date"][:7],
        "product": row["product"],
        "quantity": quantity,
        "unit_price_cents": unit_cents,
        "total_cents": quantity * unit_cents,
        "status": row["status"].lower(),
    }


CLEANERS = {"customers": clean_customer, "orders": clean_order}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=sorted(CLEANERS))
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    options = parser.parse_args()

    clean = CLEANERS[options.table]
    with options.source.open(newline="", encoding="utf-8") as handle:
        rows = [clean(row) for row in csv.DictReader(handle)]
    if not rows:
        print(f"transform: {options.source} has no rows", file=sys.stderr)
        return 1
    options.target.parent.mkdir(parents=True, exist_ok=True)
    partial = options.target.with_name(options.target.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, options.target)  # readers never see a half-written file
    print(f"transform: {options.table}: {len(rows)} rows -> {options.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
