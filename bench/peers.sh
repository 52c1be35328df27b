#!/usr/bin/env bash
# Run the shared peer harness (../../shared/bench: make, ninja, just, Task,
# doit on equal job DAGs) with this checkout's jobrun on PATH. The harness
# writes beside itself, so it runs from a copy under bench/.work/peers.
#
#   bench/peers.sh                    # all default workloads, 5 runs each
#   RUNS=3 WORKLOADS="wide skew" bench/peers.sh
#
# Needs jobrun installed (pip install -e .) in the active environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${SHARED_BENCH:-$here/../../shared/bench}
command -v jobrun >/dev/null || { echo "jobrun is not on PATH" >&2; exit 1; }
[ -f "$shared/peers.sh" ] || { echo "no harness at $shared (set SHARED_BENCH)" >&2; exit 1; }
work=$here/.work/peers
mkdir -p "$work"
cp -r "$shared"/. "$work"/
chmod -R u+w "$work"
cd "$work"
./setup.sh
./peers.sh
