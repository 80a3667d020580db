#!/usr/bin/env bash
# Loading speed, side by side: pandas.read_csv (C engine) merely parsing a 25M-line ratings.csv
# in ML-25M's format and shape, and `recommender bench load` parsing it into columns, building
# both id maps and both CSR views. Prints time and peak memory of each.
# Usage: scripts/bench-load.sh [DATA_DIR]   (default bench-data/; the file is generated if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-bench-data}"
FILE="$DIR/ratings.csv"
REPEATS="${REPEATS:-3}"
if [ ! -f "$FILE" ]; then
  python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy
  python3 scripts/generate-ml25m-like.py "$DIR"
fi
python3 -c "import pandas" 2>/dev/null || python3 -m pip install --quiet pandas
# A plain release build, as a package that depends on ours gets (no -target-cpu: the hot loops
# are in the C kernels, chosen at run time). BUILD_FLAGS adds flags for a comparison.
BUILD_FLAGS="-c release ${BUILD_FLAGS:-}"
if ! build_log=$(swift build $BUILD_FLAGS --product recommender 2>&1); then echo "$build_log"; exit 1; fi
BIN="$(swift build $BUILD_FLAGS --show-bin-path)/recommender"

echo "file: $FILE ($(du -m "$FILE" | cut -f1) MB, $(nproc) cores); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--- pandas.read_csv (C engine), best of $REPEATS"
python3 - "$FILE" "$REPEATS" <<'PY'
import resource, sys, time
import pandas as pd
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
best = None
for run in range(int(sys.argv[2])):
    cpu_start, start = cpu(), time.perf_counter()
    frame = pd.read_csv(sys.argv[1], engine="c")
    seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu_start
    print(f"run {run + 1}: {seconds:.3f} s, CPU time {cpu_seconds:.3f} s ({len(frame):,} rows)")
    if best is None or seconds < best[0]:
        best = (seconds, cpu_seconds)
    del frame
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"best: pandas {pd.__version__} read_csv {best[0]:.3f} s (CPU time {best[1]:.3f} s); peak RSS {peak:.0f} MB")
PY
echo "--- recommender bench load (parse + id maps + both CSR views), best of $REPEATS"
"$BIN" bench load --ratings "$FILE" --repeats "$REPEATS"
