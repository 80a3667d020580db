#!/usr/bin/env bash
# Loading speed, side by side: pandas.read_csv (C engine) merely parsing a 25M-line ratings.csv
# in ML-25M's format and shape, and `recommender bench load` parsing it into columns, building
# both id maps and both CSR views. The two alternate, one run each per round (REPEATS=3 rounds), and
# each prints its time per round, then its best round with CPU time and peak memory; last come
# the ratios pandas / ours (best against best, and round by round with their median).
# INDEX_ORDER=id runs ours with `--index-order id` (users and items numbered by id: the file,
# sorted by user and then movie id, is then sorted by user and item index, and the per-user view
# shares the columns); INDEX_ORDER=both runs ours both ways in each round (pandas, then ours in
# first-appearance and in id order, the two swapping places every round). Default:
# first-appearance, the loaders' order.
# Usage: scripts/bench-load.sh [DATA_DIR]   (default bench-data/; the file is generated if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-bench-data}"
FILE="$DIR/ratings.csv"
REPEATS="${REPEATS:-3}"
[[ "$REPEATS" =~ ^[0-9]{1,2}$ ]] && [ "$REPEATS" -ge 1 ] && [ "$REPEATS" -le 20 ] || { echo "bench-load: REPEATS must be 1...20 (got '$REPEATS')"; exit 1; }
INDEX_ORDER="${INDEX_ORDER:-first-appearance}"
case "$INDEX_ORDER" in
  first-appearance|id) ORDERS="$INDEX_ORDER" ;;
  both) ORDERS="first-appearance id" ;;
  *) echo "bench-load: INDEX_ORDER must be first-appearance, id or both (got '$INDEX_ORDER')"; exit 1 ;;
esac
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
# The two sides alternate, one run each per round (pandas, ours, pandas, ours, ...), so a drift of
# the machine's speed during the run reaches both; each side's best round is printed at the end.
PANDAS_RUNS=$(mktemp); OURS_RUNS=$(mktemp)
trap 'rm -f "$PANDAS_RUNS" "$OURS_RUNS" "$OURS_RUNS.err" "$OURS_RUNS.first-appearance" "$OURS_RUNS.id"' EXIT
PANDAS_ONE='
import resource, sys, time
import pandas as pd
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu_start, start = usage.ru_utime + usage.ru_stime, time.perf_counter()
frame = pd.read_csv(sys.argv[1], engine="c")
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu_start
print(f"{seconds:.3f} {cpu:.3f} {usage.ru_maxrss / 1024:.0f} {len(frame)} {pd.__version__}")
'
for round in $(seq "$REPEATS"); do
  python3 -c "$PANDAS_ONE" "$FILE" >> "$PANDAS_RUNS"
  line="round $round: pandas read_csv $(tail -1 "$PANDAS_RUNS" | cut -d' ' -f1) s"
  # In "both" mode ours swap places every round: the run that follows another large load is
  # slower to parse (by up to 0.2 s here, whichever order it is), so neither order always pays it.
  orders="$ORDERS"
  if [ "$INDEX_ORDER" = both ] && [ $((round % 2)) -eq 0 ]; then orders="id first-appearance"; fi
  for order in $orders; do
    if ! "$BIN" bench load --ratings "$FILE" --repeats 1 --index-order "$order" 2> "$OURS_RUNS.err" | grep '^best' >> "$OURS_RUNS.$order"; then
      cat "$OURS_RUNS.err"; exit 1
    fi
    line="$line; ours ($order) $(tail -1 "$OURS_RUNS.$order" | sed -E 's/^best: //; s/; threads.*//')"
  done
  echo "$line"
done
echo "--- pandas.read_csv (C engine), best of $REPEATS rounds"
sort -n "$PANDAS_RUNS" | head -1 | awk '{printf "best: pandas %s read_csv %s s (CPU time %s s, %s rows); peak RSS %s MB\n", $5, $1, $2, $4, $3}'
for order in $ORDERS; do
  echo "--- recommender bench load --index-order $order (parse + id maps + both CSR views), best of $REPEATS rounds"
  sed -E 's/.*total ([0-9.]+) s.*/\1 &/' "$OURS_RUNS.$order" | sort -n | head -1 | cut -d' ' -f2-
done
# The ratios the target (ours at least 2x faster than pandas) is judged by: best against best, and
# each round's pandas run against ours in the same round (their range and median).
echo "--- pandas time / ours (target: 2x)"
for order in $ORDERS; do
  python3 - "$PANDAS_RUNS" "$OURS_RUNS.$order" "$order" <<'PY'
import re, statistics, sys
pandas = [float(line.split()[0]) for line in open(sys.argv[1])]
ours = [float(re.search(r"total ([0-9.]+) s", line).group(1)) for line in open(sys.argv[2])]
rounds = [p / o for p, o in zip(pandas, ours)]
print(f"{sys.argv[3]}: {min(pandas) / min(ours):.2f}x best against best; round by round "
      f"{' / '.join(f'{r:.2f}' for r in rounds)} (median {statistics.median(rounds):.2f}x, "
      f"{sum(r >= 2 for r in rounds)} of {len(rounds)} rounds at 2x or more)")
PY
done
