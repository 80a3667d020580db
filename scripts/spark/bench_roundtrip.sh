#!/usr/bin/env bash
# The Spark round trip on the ML-25M-shaped generated ratings.csv (scripts/generate-ml25m-like.py),
# side by side with our own iALS on the same file: export time, Spark's fit time per iteration
# (local[2]), import time and model size; then our `bench ials` (per iteration) and `train` (model
# size). Prints the load average and writes every output under OUT (default bench-spark/).
#
# Usage: scripts/spark/bench_roundtrip.sh [--scale 1] [--iterations 5] [--out bench-spark] [--driver-memory 12g]  (env BIN: a recommender binary to use instead of building one)
#   --scale S   generate S × 25,000,095 ratings (0.1: 2.5M ratings, 125k users) instead of the full file
set -euo pipefail
cd "$(dirname "$0")/../.."
SCALE=1 ITERATIONS=5 OUT=bench-spark DRIVER_MEMORY=12g
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --iterations) ITERATIONS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --driver-memory) DRIVER_MEMORY="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
python3 -c "import sys; s = float(sys.argv[1]); sys.exit(0 if 0 < s <= 1 else 1)" "$SCALE" || { echo "--scale must be in (0, 1]" >&2; exit 2; }
case "$ITERATIONS" in ''|*[!0-9]*) echo "--iterations must be a positive integer" >&2; exit 2 ;; esac
[ "$ITERATIONS" -ge 2 ] && [ "$ITERATIONS" -le 100 ] || { echo "--iterations must be in 2...100" >&2; exit 2; }

ROWS=$(python3 -c "import sys; print(round(25_000_095 * float(sys.argv[1])))" "$SCALE")
if [ "$SCALE" = "1" ]; then DATA=bench-data; else DATA="bench-data/scale-$SCALE"; fi
FILE="$DATA/ratings.csv"
if [ ! -f "$FILE" ]; then
  python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy
  python3 scripts/generate-ml25m-like.py "$DATA" --rows "$ROWS"
fi
bash scripts/spark/install-deps.sh >/dev/null
CPU_FLAGS=""
if grep -q -w avx2 /proc/cpuinfo && grep -q -w fma /proc/cpuinfo; then CPU_FLAGS="-Xswiftc -target-cpu -Xswiftc haswell"; fi
BUILD_FLAGS="-c release -Xswiftc -enable-testing $CPU_FLAGS"
# BIN=path uses a binary already built; otherwise the release build (incremental).
if [ -z "${BIN:-}" ]; then
  if ! build_log=$(swift build $BUILD_FLAGS --product recommender 2>&1); then echo "$build_log"; exit 1; fi
  BIN="$(swift build $BUILD_FLAGS --show-bin-path)/recommender"
fi
mkdir -p "$OUT"

now() { python3 -c "import time; print(time.time())"; }
since() { python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$1"; }
peak() { grep -E "Maximum resident" "$1" | awk '{printf "%.0f MB", $6 / 1024}'; }

echo "file: $FILE ($(du -m "$FILE" | cut -f1) MB, $ROWS ratings, scale $SCALE); $(nproc) cores; $(uptime | sed 's/.*load/load/')"
echo "--- export (recommender export spark)"
t=$(now)
/usr/bin/time -v "$BIN" export spark --ratings "$FILE" --output "$OUT/export" 2> "$OUT/export.time" >"$OUT/export.out"
echo "export: $(since "$t") s wall, peak $(peak "$OUT/export.time"); $(cat "$OUT/export.out"); $(du -sm "$OUT/export" | cut -f1) MB on disk"

echo "--- Spark ALS (implicit, rank 64, $ITERATIONS iterations, local[2], driver memory $DRIVER_MEMORY)"
t=$(now)
python3 scripts/spark/train_als.py --input "$OUT/export" --output "$OUT/factors" --implicit --rank 64 --reg 0.2 --alpha 0.4 \
  --iterations "$ITERATIONS" --master 'local[2]' --driver-memory "$DRIVER_MEMORY" --measure-setup 2> "$OUT/spark.log" || { tail -30 "$OUT/spark.log"; exit 1; }
echo "spark job: $(since "$t") s wall in all"
python3 - "$OUT/factors/spark_als.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timings"]
print(f"spark {r['spark_version']} {r['master']}: session start {t['session_seconds']:.1f} s, read {t['read_seconds']:.1f} s, "
      f"fit {t['fit_seconds']:.1f} s for {r['max_iter']} iterations (a 1-iteration fit: {t.get('fit_one_iteration_seconds', 0):.1f} s) "
      f"-> {t.get('seconds_per_iteration', float('nan')):.2f} s per iteration; write factors {t['write_seconds']:.1f} s")
PY

echo "--- import (recommender import spark-als)"
t=$(now)
/usr/bin/time -v "$BIN" import spark-als --factors "$OUT/factors" --export "$OUT/export" --output "$OUT/spark-model" 2> "$OUT/import.time" >"$OUT/import.out"
echo "import: $(since "$t") s wall, peak $(peak "$OUT/import.time"); model file $(du -m "$OUT/spark-model/model.recmodel" | cut -f1) MB"
grep -E "read and checked" "$OUT/import.time" || true

echo "--- ours: recommender bench ials (rank 64, $ITERATIONS iterations, both cores)"
"$BIN" bench ials --ratings "$FILE" --iterations "$ITERATIONS" | tail -1
echo "--- ours: recommender train --algorithm ials (rank 64, $ITERATIONS iterations)"
t=$(now)
/usr/bin/time -v "$BIN" train --algorithm ials --ratings "$FILE" --iterations "$ITERATIONS" --output "$OUT/ials" 2> "$OUT/train.time" >/dev/null
echo "train: $(since "$t") s wall (load + fit + write), peak $(peak "$OUT/train.time"); model file $(du -m "$OUT/ials/model.recmodel" | cut -f1) MB"
echo "done; $(uptime | sed 's/.*load/load/')"
