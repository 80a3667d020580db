#!/usr/bin/env bash
# A/B of two `recommender` binaries on the GET recommendations route, alternating A and B in one
# window (this 2-core VM moves the same run by ±15% from one minute to the next, so a comparison
# against a figure from another run says little). Each round starts A's server, gives it a short
# warm-up, measures `wrk -t1 -c32` over random known users of the ML-100K iALS model, stops it,
# then does the same for B. Prints, per run: requests/s, p99 latency and the server's own CPU time
# per request (user + system, from /proc), which other load on the machine disturbs less than
# requests/s. Loopback only; every run is bounded in time and every server is stopped at the end.
# usage: A=old/recommender B=.build/release/recommender scripts/ab-serve.sh
#        (env: ROUNDS=3, SECONDS_PER_RUN=5, WARMUP_SECONDS=1, MODEL=DIR (default: bench-serve.sh's
#        model, trained if absent), DATA_DIR, OUT=.build/ab-serve)
set -euo pipefail
cd "$(dirname "$0")/.."
A="${A:?set A to the baseline binary}"
B="${B:-.build/release/recommender}"
ROUNDS="${ROUNDS:-3}"
DURATION="${SECONDS_PER_RUN:-5}"
WARMUP="${WARMUP_SECONDS:-1}"
DATA_DIR="${DATA_DIR:-${RECOMMENDER_DATA_DIR:-$HOME/.cache/swift-recommender}}"
OUT="${OUT:-.build/ab-serve}"
MODEL="${MODEL:-.build/bench-serve/ials}"
for tool in wrk curl python3; do command -v "$tool" >/dev/null 2>&1 || { echo "ab-serve: $tool is missing (apt-get install wrk curl)"; exit 1; }; done
for bin in "$A" "$B"; do [ -x "$bin" ] || { echo "ab-serve: no binary at $bin"; exit 1; }; done
for value in "$ROUNDS" "$DURATION" "$WARMUP"; do
  [[ "$value" =~ ^[0-9]{1,4}$ ]] || { echo "ab-serve: ROUNDS, SECONDS_PER_RUN and WARMUP_SECONDS are whole numbers (got '$value')"; exit 1; }
done
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || { echo "ab-serve: ROUNDS must be 1...20"; exit 1; }
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 60 ] || { echo "ab-serve: SECONDS_PER_RUN must be 1...60"; exit 1; }
[ "$WARMUP" -ge 1 ] && [ "$WARMUP" -le 60 ] || { echo "ab-serve: WARMUP_SECONDS must be 1...60"; exit 1; }
mkdir -p "$OUT"
if [ ! -f "$MODEL/model.recmodel" ]; then
  "$B" train --algorithm ials --data-dir "$DATA_DIR" --dataset ml-100k --seed 0 --output "$MODEL" >/dev/null 2>&1
fi
SERVER=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; }
trap stop EXIT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() {  # run BINARY: one measured GET run against a fresh server of BINARY
  local port url t0 t1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  url="http://127.0.0.1:$port"
  "$1" serve --model "ials=$MODEL" --host 127.0.0.1 --port "$port" > "$OUT/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 600); do curl -fs "$url/readyz" >/dev/null 2>&1 && break; sleep 0.05; done
  curl -fs "$url/readyz" >/dev/null || { echo "ab-serve: $1 did not become ready (see $OUT/serve.log)"; exit 1; }
  USERS=943 timeout $((WARMUP + 10)) wrk -t1 -c32 -d"${WARMUP}s" -s scripts/wrk-random-users.lua "$url" >/dev/null
  t0=$(cpu_ticks "$SERVER")
  USERS=943 timeout $((DURATION + 10)) wrk -t1 -c32 -d"${DURATION}s" --latency -s scripts/wrk-random-users.lua "$url" > "$OUT/wrk.txt"
  t1=$(cpu_ticks "$SERVER")
  stop
  awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ { n = $1 } /Requests\/sec/ { r = $2 } /  99%/ { p = $2 } /Non-2xx/ { bad = $NF }
    END { printf "%9.0f requests/s  p99 %-8s  server CPU %6.1f us/request%s\n", r, p, ticks * 1e6 / hz / n, bad ? "  NON-2xx: " bad : "" }' "$OUT/wrk.txt"
}
echo "A = $A"
echo "B = $B"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
for r in $(seq "$ROUNDS"); do
  echo "round $r A $(run "$A")"
  echo "round $r B $(run "$B")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
