#!/usr/bin/env bash
# Figures of `recommender serve` on ML-100K (iALS, seed 0), client and server on this machine over
# 127.0.0.1: startup to ready, GET recommendations throughput and latency (wrk -t1 -c32, random
# known users), POST ratings throughput (durable writes: each 201 is committed), and failed
# requests while the model is reloaded every second under load. Prints the figures and the machine
# load; asserts nothing about speed. Every run is bounded in time and the server is stopped at the end.
# With PEER=1 (the default when python3 can import fastapi, uvicorn and implicit) the same GET run
# is made against the Python peer, FastAPI + uvicorn + implicit 0.7.3 (scripts/serve-python-peer.py),
# right after ours, and the ratio is printed.
# usage: scripts/bench-serve.sh   (env: BIN=recommender binary (default: release build), DATA_DIR,
#        OUT=folder, SECONDS_PER_RUN=10, WARMUP_SECONDS=5, SWAP_SECONDS=30, PEER=0|1, LARGE_MODEL=DIR)
# LARGE_MODEL (e.g. iALS trained on scripts/generate-ml25m-like.py's data) adds: its startup to ready,
# the server's memory once ready and after the GET run (VmRSS, split into anonymous and file-backed),
# the size of its factors, and the GET run over its users.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-.build/release/recommender}"
DATA_DIR="${DATA_DIR:-${RECOMMENDER_DATA_DIR:-$HOME/.cache/swift-recommender}}"
OUT="${OUT:-.build/bench-serve}"
DURATION="${SECONDS_PER_RUN:-10}"
SWAP_SECONDS="${SWAP_SECONDS:-30}"
WARMUP="${WARMUP_SECONDS:-5}"  # seconds of load before each measured GET run (the first seconds run slower)
for tool in wrk curl python3; do command -v "$tool" >/dev/null 2>&1 || { echo "bench-serve: $tool is missing (apt-get install wrk curl)"; exit 1; }; done
[ -x "$BIN" ] || { echo "bench-serve: no binary at $BIN (make build, or BIN=...)"; exit 1; }
mkdir -p "$OUT"
MODEL="$OUT/ials"
if [ ! -f "$MODEL/model.recmodel" ]; then
  "$BIN" train --algorithm ials --data-dir "$DATA_DIR" --dataset ml-100k --seed 0 --output "$MODEL" >/dev/null 2>&1
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
SERVER=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; }
trap stop EXIT
start() {  # start ARGS...: the server on $PORT (in SERVER); seconds from exec to the first 200 of /readyz in READY
  local t0; t0=$(date +%s.%N)
  "$BIN" serve "$@" --host 127.0.0.1 --port "$PORT" > "$OUT/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 3000); do
    kill -0 "$SERVER" 2>/dev/null || break
    if curl -fs --max-time 1 "$URL/readyz" >/dev/null 2>&1; then
      READY=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$t0" "$(date +%s.%N)"); return 0
    fi
    sleep 0.01
  done
  echo "bench-serve: the server did not become ready; its log:" >&2; cat "$OUT/serve.log" >&2; exit 1
}
figures() {  # the wrk lines that matter, and the failed answers (wrk prints them only when there are some)
  local text; text=$(cat)
  grep -E "Requests/sec|requests in|  99%|Socket errors" <<<"$text" || true
  echo "failed (non-2xx) answers: $(grep -oE 'Non-2xx or 3xx responses: [0-9]+' <<<"$text" | grep -oE '[0-9]+$' || echo 0)"
}

echo "bench-serve: $(uname -m), $(nproc) cores; load before: $(uptime | sed 's/.*load average: //')"
echo "binary: $BIN; model: $MODEL (iALS on ML-100K, seed 0)"

echo
echo "== startup to ready (process start to the first 200 of /readyz; 5 runs)"
times=()
for _ in 1 2 3 4 5; do start --model "ials=$MODEL"; times+=("$READY"); sleep 0.2; stop; done
echo "seconds: ${times[*]}; the server's own line: $(grep -o 'ready in [0-9.]* s' "$OUT/serve.log")"

echo
echo "== GET /v1/users/{random of 943}/recommendations?k=10: wrk -t1 -c32 -d${DURATION}s --latency"
start --model "ials=$MODEL"
USERS=943 wrk -t1 -c32 -d"${WARMUP}s" -s scripts/wrk-random-users.lua "$URL" >/dev/null  # warm-up
USERS=943 wrk -t1 -c32 -d"${DURATION}s" --latency -s scripts/wrk-random-users.lua "$URL" | tee "$OUT/wrk-get.txt" | figures
echo "load after: $(uptime | sed 's/.*load average: //')"
OURS_RPS=$(grep -oE 'Requests/sec: *[0-9.]+' "$OUT/wrk-get.txt" | grep -oE '[0-9.]+$')
stop

echo
echo "== the same GET run with Swift's own concurrency pool (RECOMMENDER_SERVE_EXECUTOR=pool) instead of NIO's event loops"
RECOMMENDER_SERVE_EXECUTOR=pool start --model "ials=$MODEL"
USERS=943 wrk -t1 -c32 -d"${WARMUP}s" -s scripts/wrk-random-users.lua "$URL" >/dev/null  # warm-up
USERS=943 wrk -t1 -c32 -d"${DURATION}s" --latency -s scripts/wrk-random-users.lua "$URL" | tee "$OUT/wrk-get-pool.txt" | figures
stop

if [ -z "${PEER:-}" ]; then
  if python3 -c 'import fastapi, uvicorn, implicit' 2>/dev/null; then PEER=1; else PEER=0; echo; echo "(the Python peer is skipped: pip install fastapi uvicorn implicit==0.7.3)"; fi
fi
if [ "$PEER" = 1 ]; then
  echo
  echo "== the same GET run against FastAPI + uvicorn + implicit $(python3 -c 'import implicit; print(implicit.__version__)') (scripts/serve-python-peer.py, one worker)"
  python3 scripts/serve-python-peer.py "$DATA_DIR" "$PORT" > "$OUT/peer.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1200); do
    kill -0 "$SERVER" 2>/dev/null || { echo "bench-serve: the peer stopped; its log:" >&2; cat "$OUT/peer.log" >&2; exit 1; }
    curl -fs --max-time 1 "$URL/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  USERS=943 wrk -t1 -c32 -d"${WARMUP}s" -s scripts/wrk-random-users.lua "$URL" >/dev/null  # warm-up
  USERS=943 wrk -t1 -c32 -d"${DURATION}s" --latency -s scripts/wrk-random-users.lua "$URL" | tee "$OUT/wrk-peer.txt" | figures
  PEER_RPS=$(grep -oE 'Requests/sec: *[0-9.]+' "$OUT/wrk-peer.txt" | grep -oE '[0-9.]+$')
  python3 -c "import sys; print(f'ours / peer: {float(sys.argv[1]) / float(sys.argv[2]):.1f}x the requests per second')" "$OURS_RPS" "$PEER_RPS"
  stop
fi

start --model "ials=$MODEL"

echo
echo "== hot swap under load: POST /v1/models/ials/reload every second for ${SWAP_SECONDS} s during wrk -t1 -c32"
(for _ in $(seq "$SWAP_SECONDS"); do sleep 1; curl -fs --max-time 10 -X POST "$URL/v1/models/ials/reload" >/dev/null || echo "reload failed"; done) &
SWAPPER=$!
USERS=943 wrk -t1 -c32 -d"${SWAP_SECONDS}s" --latency -s scripts/wrk-random-users.lua "$URL" | tee "$OUT/wrk-swap.txt" | figures
wait "$SWAPPER" || true
echo "model version after the swaps: $(curl -fs "$URL/readyz")"
stop

echo
echo "== POST /v1/users/{random}/ratings (durable: 201 after the commit): wrk -t1 -c32 -d${DURATION}s --latency"
rm -f "$OUT/bench.sqlite"*
start --model "ials=$MODEL" --store "$OUT/bench.sqlite"
wrk -t1 -c32 -d"${DURATION}s" --latency -s scripts/wrk-post-ratings.lua "$URL" | tee "$OUT/wrk-post.txt" | figures
stop
python3 - "$OUT/bench.sqlite" "$OUT/wrk-post.txt" <<'EOF'
import re, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM ratings WHERE source = 'wrk'").fetchone()[0]
text = open(sys.argv[2]).read()
total = int(re.search(r"(\d+) requests in", text).group(1))
bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", text)) else 0
print(f"rows in the store after the run: {rows}; 2xx answers counted by wrk: {total - bad}")
EOF
if [ -n "${LARGE_MODEL:-}" ]; then
  echo
  echo "== the large model $LARGE_MODEL: startup, memory, GET"
  start --model "large=$LARGE_MODEL"
  echo "startup to ready: $READY s; the server's own line: $(grep -o 'ready in [0-9.]* s' "$OUT/serve.log")"
  memory() { grep -E '^(VmRSS|RssAnon|RssFile):' "/proc/$SERVER/status" | tr -s ' \t' ' ' | tr '\n' ';'; echo; }
  echo "memory when ready: $(memory)"
  read -r LUSERS LITEMS LDIM < <(curl -fs "$URL/v1/models/large" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["data"]["users"], m["data"]["items"], m["hyperparameters"].get("embedding-dim", 0))')
  echo "training history kept in: $(curl -fs "$URL/v1/models/large" | python3 -c 'import json,sys; print(json.load(sys.stdin)["history"])')"
  # The target (issue 12): memory <= 1.2 x (factors + id maps). The id maps' size is estimated from
  # Swift's layout: one 16-byte String per id (ids of up to 15 UTF-8 bytes are stored inline) in the
  # id array, plus a Dictionary of 16-byte keys and 4-byte values at most 3/4 full (power-of-two buckets).
  python3 - "$LUSERS" "$LITEMS" "$LDIM" "$(grep -E '^RssAnon:' "/proc/$SERVER/status" | awk '{print $2}')" <<'PY'
import sys
u, i, d, anon_kb = map(int, sys.argv[1:])
def buckets(n):
    b = 1
    while b * 3 < n * 4: b *= 2
    return b
factors = (u + i) * d * 4
idmaps = (u + i) * 16 + 20 * (buckets(u) + buckets(i))
anon = anon_kb * 1024
print(f"factors: ({u:,} users + {i:,} items) x {d} x 4 bytes = {factors/2**20:.1f} MiB; id maps (estimated) {idmaps/2**20:.1f} MiB")
print(f"anonymous memory when ready: {anon/2**20:.1f} MiB = {anon/(factors+idmaps):.2f} x (factors + id maps); target <= 1.2 x = {1.2*(factors+idmaps)/2**20:.1f} MiB")
PY
  USERS="$LUSERS" wrk -t1 -c32 -d"${WARMUP}s" -s scripts/wrk-random-users.lua "$URL" >/dev/null  # warm-up
  USERS="$LUSERS" wrk -t1 -c32 -d"${DURATION}s" --latency -s scripts/wrk-random-users.lua "$URL" | tee "$OUT/wrk-large.txt" | figures
  echo "memory after the GET run: $(memory)"
  stop
fi
echo "load at the end: $(uptime | sed 's/.*load average: //')"
