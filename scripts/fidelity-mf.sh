#!/usr/bin/env bash
# Fidelity of the notebook's matrix factorization on ML-100K (random 10% hold-out) over seeds 0, 1, 2.
# Prints a Markdown table of the final metrics next to the notebook's bands.
# Usage: scripts/fidelity-mf.sh [path/to/recommender] [data-dir]
set -euo pipefail
BIN="${1:-$(swift build -c release -Xswiftc -enable-testing -Xswiftc -target-cpu -Xswiftc haswell --show-bin-path)/recommender}"
DATA_DIR="${2:-${RECOMMENDER_DATA_DIR:-$HOME/.cache/swift-recommender}}"
SEEDS="${SEEDS:-0 1 2}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

last_metric() {  # log metric -> the metric's value on the last progress line ("... train_error 0.3766, ...")
    grep 'iteration ' "$1" | tail -1 | grep -o " $2 [^ ,]*" | cut -d' ' -f3
}

echo "| model | seed | train MSE | test MSE | band (train / test) | seconds |"
echo "|---|---|---|---|---|---|"
for seed in $SEEDS; do
    start=$(date +%s.%N)
    "$BIN" train --algorithm mf --data-dir "$DATA_DIR" --embedding-dim 30 --init-stddev 0.5 --learning-rate 10 \
        --iterations 1000 --seed "$seed" --output "$TMP/plain-$seed" > "$TMP/plain-$seed.log" 2>&1
    end=$(date +%s.%N)
    printf "| plain d=30 | %s | %s | %s | 0.37 ± 0.02 / 1.36 ± 0.05 | %.1f |\n" "$seed" \
        "$(last_metric "$TMP/plain-$seed.log" train_error)" "$(last_metric "$TMP/plain-$seed.log" test_error)" "$(echo "$end - $start" | bc)"
done
for seed in $SEEDS; do
    start=$(date +%s.%N)
    "$BIN" train --algorithm mf --data-dir "$DATA_DIR" --embedding-dim 35 --init-stddev 0.05 --learning-rate 20 \
        --iterations 2000 --regularization 0.1 --gravity 1.0 --seed "$seed" --output "$TMP/reg-$seed" > "$TMP/reg-$seed.log" 2>&1
    end=$(date +%s.%N)
    printf "| regularized d=35 | %s | %s | %s | 1.00 ± 0.04 / 2.45 ± 0.10 | %.1f |\n" "$seed" \
        "$(last_metric "$TMP/reg-$seed.log" train_error_observed)" "$(last_metric "$TMP/reg-$seed.log" test_error_observed)" "$(echo "$end - $start" | bc)"
done
