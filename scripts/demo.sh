#!/usr/bin/env bash
# The end-to-end pipeline on MovieLens 100K, run by `make demo`.
set -euo pipefail
BIN="$1"; DATA_DIR="$2"; OUT="$3"
mkdir -p "$OUT"
"$BIN" explore --data-dir "$DATA_DIR" --dataset ml-100k --output "$OUT/explore"
