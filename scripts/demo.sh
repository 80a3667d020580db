#!/usr/bin/env bash
# The end-to-end pipeline on MovieLens 100K, run by `make demo`.
set -euo pipefail
BIN="$1"; DATA_DIR="$2"; OUT="$3"
mkdir -p "$OUT"
"$BIN" explore --data-dir "$DATA_DIR" --dataset ml-100k --output "$OUT/explore"

# The notebook's matrix factorization (section III): plain, then regularized. Progress (the notebook's metrics)
# goes to standard error, about a line a second; every 10th iteration is in each model's history.csv.
show_every_100() { grep -E '^(iteration ([0-9]*00|0):|[^i])' || true; }
echo
echo "== Matrix factorization (notebook defaults: d=30, init_stddev=0.5, gradient descent lr=10, 1000 iterations) =="
"$BIN" train --algorithm mf --data-dir "$DATA_DIR" --dataset ml-100k --embedding-dim 30 --init-stddev 0.5 \
    --learning-rate 10 --iterations 1000 --seed 0 --output "$OUT/mf" | show_every_100
for measure in dot cosine; do
    echo
    "$BIN" similar "Aladdin" --model "$OUT/mf" --measure "$measure" -k 6
done
echo
"$BIN" recommend --model "$OUT/mf" --user 42 -k 10 --exclude-rated

echo
echo "== Regularized matrix factorization (d=35, regularization 0.1, gravity 1.0, init_stddev 0.05, lr 20, 2000 iterations) =="
"$BIN" train --algorithm mf --data-dir "$DATA_DIR" --dataset ml-100k --embedding-dim 35 --init-stddev 0.05 \
    --learning-rate 20 --iterations 2000 --regularization 0.1 --gravity 1.0 --seed 0 --output "$OUT/mf-reg" | show_every_100
for measure in dot cosine; do
    echo
    "$BIN" similar "Aladdin" --model "$OUT/mf-reg" --measure "$measure" -k 6
done
echo
"$BIN" recommend --model "$OUT/mf-reg" --user 42 -k 10 --exclude-rated

echo
echo "== Embedding norms (plain vs regularized) and t-SNE maps of the movie embeddings =="
"$BIN" norms --model "$OUT/mf" --model "$OUT/mf-reg" --output "$OUT/norms.svg"
"$BIN" map --model "$OUT/mf" --output "$OUT/mf/map.svg"
"$BIN" map --model "$OUT/mf-reg" --output "$OUT/mf-reg/map.svg"

echo
echo "== Softmax model (notebook defaults: rated movies/genres/years bags, hidden [35], Adagrad lr 8, 3000 iterations) =="
"$BIN" train --algorithm softmax --data-dir "$DATA_DIR" --dataset ml-100k --seed 0 --output "$OUT/softmax" | show_every_100 | grep -E '^iteration (0|1000|2000|3000):|^[^i]'
for measure in dot cosine; do
    echo
    "$BIN" similar "Aladdin" --model "$OUT/softmax" --measure "$measure" -k 6
done
echo
"$BIN" recommend --model "$OUT/softmax" --user 42 -k 10
echo
echo "Charts and tables: $OUT/explore/index.html, $OUT/mf*/history.svg, $OUT/norms.svg, $OUT/mf*/map.svg, $OUT/softmax/history.svg"

# The running system: the models just trained behind `recommender serve`, with the ratings store in
# the data folder, plus an iALS model (about a second to train) so that the page's "You" panel can say
# "because you liked ...", and ML-100K as the data of the page's Explore and Train panels. DEMO_SERVE=0 skips this (scripted runs; the default when CI is set).
if [ "${DEMO_SERVE:-$([ -n "${CI:-}" ] && echo 0 || echo 1)}" = 0 ]; then
    echo "(DEMO_SERVE=0: not serving; to serve: $BIN serve --model $OUT/mf-reg --store $DATA_DIR/ratings.sqlite)"
    exit 0
fi
PORT="${DEMO_PORT:-8080}"
echo
echo "== The models as a service (recommender serve; Ctrl-C stops it) =="
"$BIN" train --algorithm ials --data-dir "$DATA_DIR" --dataset ml-100k --seed 0 --output "$OUT/ials" 2>/dev/null | tail -n 2
exec "$BIN" serve --model "ials=$OUT/ials" --model "mf-reg=$OUT/mf-reg" --model "mf=$OUT/mf" --model "softmax=$OUT/softmax" \
    --store "$DATA_DIR/ratings.sqlite" --data-dir "$DATA_DIR" --dataset ml-100k --page-models "$OUT/page-models" \
    --host 127.0.0.1 --port "$PORT"
