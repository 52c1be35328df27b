#!/usr/bin/env python3
"""Report: summarise the warehouse as a plain-text sales report.

    report.py --db out/warehouse.db --out out/report.txt

Revenue counts shipped orders only (pending, cancelled and returned orders
are listed by status but earn nothing).
"""

import argparse
import sqlite3
import sys
from pathlib import Path

SECTIONS = [
    ("Revenue by country",
     "SELECT country, count(*), sum(total_cents) FROM revenue "
     "GROUP BY country ORDER BY sum(total_cents) DESC, country",
     ["country", "orders", "revenue"]),
    ("Revenue by month",
     "SELECT order_month, count(*), sum(total_cents) FROM revenue "
     "GROUP BY order_month ORDER BY order_month",
     ["month", "orders", "revenue"]),
    ("Top 5 customers",
     "SELECT c.name, count(*), sum(r.total_cents) FROM revenue r JOIN customers c USING (customer_id) "
     "GROUP BY customer_id ORDER BY sum(r.total_cents) DESC, c.name LIMIT 5",
     ["customer", "orders", "revenue"]),
    ("Best-selling products",
     "SELECT product, sum(quantity), sum(total_cents) FROM revenue "
     "GROUP BY product ORDER BY sum(quantity) DESC, product",
     ["product", "units", "revenue"]),
    ("Orders by status",
     "SELECT status, count(*), sum(total_cents) FROM orders GROUP BY status ORDER BY count(*) DESC, status",
     ["status", "orders", "value"]),
]


def money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def table(headers: list, rows: list) -> list:
    cells = [headers] + [[str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list) -> str:
        first, *rest = row
        return "  " + first.ljust(widths[0]) + "".join(f"  {v.rjust(w)}" for v, w in zip(rest, widths[1:]))

    return [line(cells[0]), "  " + "-" * (sum(widths) + 2 * (len(widths) - 1))] + [line(r) for r in cells[1:]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args()
    if not options.db.is_file():
        print(f"report: no warehouse at {options.db} (run the load job first)", file=sys.stderr)
        return 1

    db = sqlite3.connect(f"file:{options.db}?mode=ro", uri=True)
    try:
        orders, customers, revenue = db.execute(
            "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM customers), "
            "(SELECT coalesce(sum(total_cents), 0) FROM revenue)").fetchone()
        lines = ["Sales report", "=" * 12, "",
                 f"{customers} customers, {orders} orders, revenue {money(revenue)} (shipped orders)", ""]
        for title, query, headers in SECTIONS:
            rows = [(*row[:-1], money(row[-1] or 0)) for row in db.execute(query)]
            lines += [title] + table(headers, rows) + [""]
    finally:
        db.close()
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"report: wrote {options.out} ({len(lines)} lines; revenue {money(revenue)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
