#!/usr/bin/env bash
# Regenerates Fuzz/Corpus/model-archive: one tiny model of every kind, trained on a generated
# 12-user ratings file (no MovieLens data), stored without its magic bytes and checksum (the
# FuzzModelArchive harness adds both).
# Usage: scripts/fuzz-model-seeds.sh [path/to/recommender]
set -euo pipefail
BIN=${1:-.build/debug/recommender}
OUT=Fuzz/Corpus/model-archive
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK/ratings.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write("user,item,rating,timestamp\n")
    for u in range(12):
        for i in random.sample(range(10), 6):
            f.write(f"{u},{i},{random.randint(1, 5)},{1000 + u * 10 + i}\n")
PY
mkdir -p "$OUT"
for spec in "mf --embedding-dim 3 --iterations 5 --learning-rate 0.1" "baseline" "svd --embedding-dim 3 --epochs 3" "svdpp --embedding-dim 3 --epochs 2" \
            "als --embedding-dim 3 --iterations 2" "knn-baseline" "popularity" "item-knn" "ease" \
            "ials --embedding-dim 3 --iterations 2" "bpr --embedding-dim 3 --epochs 2"; do
  name=${spec%% *}
  if "$BIN" train --algorithm $spec --ratings "$WORK/ratings.csv" --output "$WORK/$name" >/dev/null 2>&1; then
    python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(b[8:-4])' \
      "$WORK/$name/model.recmodel" "$OUT/$name.body"
    echo "seed $OUT/$name.body"
  else
    echo "skipped $name (training failed)" >&2
  fi
done
