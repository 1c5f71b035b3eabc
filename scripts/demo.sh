#!/usr/bin/env bash
# Builds mocod and starts it with demo data on an embedded SQLite file (mocod-demo.sqlite).
# Extra arguments go to `mocod demo`, e.g. scripts/demo.sh --listen 127.0.0.1:9000
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target mocod >/dev/null
exec "$root/build/mocod" demo --db "${MOCOD_DB:-$root/mocod-demo.sqlite}" "$@"
