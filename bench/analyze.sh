#!/usr/bin/env bash
# Time `jobrun analyze` on generated layered workflows of 10,000 and 100,000
# jobs (width 100, fan-in 3): wall seconds and peak RSS, median of RUNS runs.
#
#   bench/analyze.sh                 # YAML
#   FORMATS="yaml json Jobfile" RUNS=5 bench/analyze.sh
#
# Needs `jobrun` on PATH and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")"
W=.work/analyze
mkdir -p "$W"
RUNS=${RUNS:-3}
SIZES=${SIZES:-"10000 100000"}
FORMATS=${FORMATS:-"yaml"}
command -v jobrun >/dev/null || { echo "jobrun not on PATH" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) not found" >&2; exit 1; }

printf '| format | jobs | seconds (median of %s) | peak RSS MB | s per 10k jobs |\n|---|---:|---:|---:|---:|\n' "$RUNS"
for fmt in $FORMATS; do
    for n in $SIZES; do
        case $fmt in
            yaml) f="$W/layered-$n.yaml" ;;
            json) f="$W/layered-$n.json" ;;
            *) f="$W/Jobfile-$n" ;;
        esac
        [ -f "$f" ] || python3 gen_workflow.py "$n" "$f"
        jobrun analyze "$f" >/dev/null  # warm the page cache and any bytecode
        : >"$W/times"
        for _ in $(seq "$RUNS"); do
            /usr/bin/time -f "%e %M" -a -o "$W/times" jobrun analyze "$f" >/dev/null
        done
        sort -n "$W/times" | awk -v n="$n" -v fmt="$fmt" '
            { s[NR] = $1; m[NR] = $2 }
            END { i = int((NR + 1) / 2); printf "| %s | %d | %.2f | %.0f | %.3f |\n", fmt, n, s[i], m[i] / 1024, s[i] / (n / 10000) }'
    done
done
