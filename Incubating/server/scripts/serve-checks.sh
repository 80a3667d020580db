#!/usr/bin/env bash
# Checks of `recommender serve` beyond `swift test`, each run when its tool is present:
#   schemathesis against /v1/openapi.json (bounded), the page in Chromium through Selenium
#   (screenshots in $OUT), the SIGKILL durability storm, and wrk load figures (SERVE_BENCH=1).
# Models: ials and svd trained on a small generated fixture into $OUT/models (quick even in debug),
# or SERVE_MODELS_DIR with ials/ and svd/ (e.g. trained on ML-100K, for the wrk figures).
# usage: scripts/serve-checks.sh   (env: BIN=path/to/recommender, OUT=folder, EXAMPLES=N, SERVE_BENCH=1)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-.build/debug/recommender}"
OUT="${OUT:-.build/serve-checks}"
EXAMPLES="${EXAMPLES:-25}"
mkdir -p "$OUT"
[ -x "$BIN" ] || swift build --product recommender >/dev/null || { echo "cannot build $BIN"; exit 1; }
MODELS="${SERVE_MODELS_DIR:-$OUT/models}"
if [ ! -f "$MODELS/ials/model.recmodel" ] || [ ! -f "$MODELS/svd/model.recmodel" ]; then
  python3 scripts/serve-fixture.py "$OUT/fixture"
  DATA=(--ratings "$OUT/fixture/ratings.csv" --items "$OUT/fixture/movies.csv")
  "$BIN" train --algorithm ials --embedding-dim 16 --iterations 8 "${DATA[@]}" --output "$MODELS/ials" >/dev/null || exit 1
  "$BIN" train --algorithm svd --embedding-dim 8 --epochs 10 "${DATA[@]}" --output "$MODELS/svd" >/dev/null || exit 1
fi
USERS="${USERS:-300}"  # known user ids are 1..USERS (943 for ML-100K)
failed=0
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -f "$OUT/checks.sqlite"*
"$BIN" serve --model "ials=$MODELS/ials" --model "svd=$MODELS/svd" --store "$OUT/checks.sqlite" --port "$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT"

if command -v schemathesis >/dev/null 2>&1; then
  echo "== schemathesis ($EXAMPLES examples per operation)"
  (cd "$OUT" && schemathesis run "$URL/v1/openapi.json" --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "$EXAMPLES" --exclude-path-regex 'reload|retrain' --no-color) 2>&1 | tail -n 25 || failed=1
else echo "== schemathesis: not installed (pip install schemathesis), skipped"; fi

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && python3 -c 'import selenium' 2>/dev/null; then
  echo "== page in Chromium (Selenium); screenshots in $OUT/screenshots"
  python3 scripts/serve-selenium.py "$URL" "star" "$OUT/screenshots" || failed=1
else echo "== selenium: chromium, chromium-driver or selenium missing, skipped"; fi

kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; trap - EXIT

echo "== SIGKILL durability"
python3 scripts/serve-durability.py "$BIN" "$MODELS/ials" 50 "${STORM_SECONDS:-3}" 16 || failed=1

if [ "${SERVE_BENCH:-0}" = 1 ] && command -v wrk >/dev/null 2>&1; then
  echo "== wrk -t1 -c32 -d10s GET /v1/users/{random}/recommendations?k=10 (ML-100K ials)"
  "$BIN" serve --model "$MODELS/ials" --port "$PORT" > "$OUT/bench.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  USERS="$USERS" wrk -t1 -c32 -d10s --latency -s scripts/wrk-random-users.lua "http://127.0.0.1:$PORT" | grep -E "Requests/sec|99%|Non-2xx|Socket errors|Latency"
  kill $SERVER; wait $SERVER 2>/dev/null
fi
exit $failed
