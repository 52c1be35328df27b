#!/usr/bin/env python3
"""Extract: copy every raw CSV into the staging area, tidied.

    extract.py RAW_DIR STAGING_DIR

Header names are lower-cased, every value is stripped of surrounding
whitespace and blank lines are dropped; nothing else changes (that is the
transform's job). A manifest.json records each table's columns, row count and
the SHA-256 of the raw file it came from, for the validation step.
"""

import argparse
import csv
import hashlib
import json
import os
import sys
from pathlib import Path


def extract_table(source: Path, target: Path) -> dict:
    raw = source.read_bytes()
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            sys.exit(f"extract: {source} is empty (no header line)")
        rows = [[value.strip() for value in row] for row in reader if any(v.strip() for v in row)]
    partial = target.with_name(target.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(partial, target)
    return {
        "source": str(source),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "columns": header,
        "rows": len(rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("staging_dir", type=Path)
    options = parser.parse_args()

    sources = sorted(options.raw_dir.glob("*.csv"))
    if not sources:
        print(f"extract: no *.csv files in {options.raw_dir}", file=sys.stderr)
        return 1
    options.staging_dir.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for source in sources:
        table = source.stem
        manifest[table] = extract_table(source, options.staging_dir / source.name)
        print(f"extract: {source} -> {options.staging_dir / source.name} "
              f"({manifest[table]['rows']} rows)")
    manifest_path = options.staging_dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"extract: wrote {manifest_path} ({len(manifest)} tables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
