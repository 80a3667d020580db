#!/usr/bin/env bash
# Checks of `recommender serve` beyond `swift test`, run by `make test` (and so by CI) after the suite:
#   1. schemathesis against /v1/openapi.json (bounded examples): no 5xx, responses match the document;
#   2. the page in headless Chromium through Selenium (You, Explore, Train, Neighbours, Map, Models;
#      screenshots in $OUT/screenshots);
#   3. the SIGKILL durability storm: every rating acknowledged with 201 is in the store afterwards.
# Each check is skipped, with the reason printed, only when its tool is missing. Everything runs on
# 127.0.0.1, each step under a time limit; the server is killed at the end (trap on exit).
# Models: ials and svd trained on a small generated fixture into $OUT/models (quick even in debug),
# or SERVE_MODELS_DIR with ials/ and svd/.
# usage: scripts/serve-checks.sh   (env: BIN=path/to/recommender, OUT=folder, EXAMPLES=N, STORM_SECONDS=S,
#        CHECKS=schemathesis,page,durability (the default: all three), SCHEMATHESIS_CHECKS=list|all)
# The longer schemathesis run is scripts/serve-schemathesis-long.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BIN="${BIN:-.build/debug/recommender}"
OUT="${OUT:-.build/serve-checks}"
EXAMPLES="${EXAMPLES:-25}"
CHECKS=",${CHECKS:-schemathesis,page,durability},"
SCHEMATHESIS_CHECKS="${SCHEMATHESIS_CHECKS:-not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance}"
wanted() { [[ "$CHECKS" == *",$1,"* ]]; }
mkdir -p "$OUT"
[ -x "$BIN" ] || swift build --product recommender >/dev/null || { echo "serve-checks: cannot build $BIN"; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "serve-checks: python3 is missing"; exit 1; }
# `timeout` ends a step that hangs (TERM, then KILL 10 s later).
limit() { local seconds="$1"; shift; timeout --kill-after=10 "$seconds" "$@"; }

passed=0; failed=0; skipped=0
pass() { echo "serve-checks: PASS $1"; passed=$((passed + 1)); }
fail() { echo "serve-checks: FAIL $1"; failed=$((failed + 1)); }
skip() { echo "serve-checks: SKIP $1"; skipped=$((skipped + 1)); }

MODELS="${SERVE_MODELS_DIR:-$OUT/models}"
python3 scripts/serve-fixture.py "$OUT/fixture"
# The server is given the fixture as its data set too (the page's Explore and Train panels).
DATA=(--ratings "$OUT/fixture/ratings.csv" --items "$OUT/fixture/movies.csv")
if [ ! -f "$MODELS/ials/model.recmodel" ] || [ ! -f "$MODELS/svd/model.recmodel" ]; then
  limit 300 "$BIN" train --algorithm ials --embedding-dim 16 --iterations 8 "${DATA[@]}" --output "$MODELS/ials" >/dev/null || { echo "serve-checks: training the ials fixture model failed"; exit 1; }
  limit 300 "$BIN" train --algorithm svd --embedding-dim 8 --epochs 10 "${DATA[@]}" --output "$MODELS/svd" >/dev/null || { echo "serve-checks: training the svd fixture model failed"; exit 1; }
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
rm -f "$OUT/checks.sqlite"*
rm -rf "$OUT/page-models"
"$BIN" serve --model "ials=$MODELS/ials" --model "svd=$MODELS/svd" --store "$OUT/checks.sqlite" "${DATA[@]}" --page-models "$OUT/page-models" \
  --host 127.0.0.1 --port "$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
stop_server() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }
trap stop_server EXIT
ready=0
for _ in $(seq 150); do
  if curl -fs --max-time 2 "$URL/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.2
done
if [ "$ready" != 1 ]; then
  echo "serve-checks: the server did not become ready in 30 s; its log:"; cat "$OUT/serve.log"
  exit 1
fi

# The t-SNE maps are computed once per model version (seconds in a debug build): warm them here so
# that neither schemathesis nor the page waits for the first computation.
if wanted schemathesis || wanted page; then
  for model in ials svd; do curl -fs --max-time 240 "$URL/v1/models/$model/map" >/dev/null || echo "serve-checks: warming the map of $model failed"; done
fi

if ! wanted schemathesis; then :
elif command -v schemathesis >/dev/null 2>&1; then
  echo "== schemathesis ($EXAMPLES examples per operation) against $URL/v1/openapi.json"
  # reload/retrain change the served models; the hot-swap tests in ServerTests cover them.
  # POST /v1/training starts a training run (seconds to minutes, one at a time, replacing page
  # models) and GET /v1/training/{id}/events streams until that run ends: both are long-running,
  # so they are left out here and covered by ServerTests (PageRoutesTests) and the Selenium Train check.
  if (cd "$OUT" && limit "${SCHEMATHESIS_SECONDS:-600}" schemathesis --config-file "$ROOT/scripts/schemathesis.toml" run "$URL/v1/openapi.json" \
        --checks "$SCHEMATHESIS_CHECKS" --seed 1 \
        --max-examples "$EXAMPLES" --request-timeout 60 --exclude-path-regex 'reload|retrain|/events$' --exclude-operation-id startTraining --no-color) > "$OUT/schemathesis.log" 2>&1; then
    tail -n 8 "$OUT/schemathesis.log"; pass "schemathesis"
  else
    tail -n 40 "$OUT/schemathesis.log"; fail "schemathesis (full log: $OUT/schemathesis.log)"
  fi
else skip "schemathesis: not installed (pip install schemathesis)"; fi

if ! wanted page; then :
elif ! command -v chromium >/dev/null 2>&1; then skip "page in Chromium: chromium is not installed (apt-get install chromium)"
elif ! command -v chromedriver >/dev/null 2>&1; then skip "page in Chromium: chromedriver is not installed (apt-get install chromium-driver)"
elif ! python3 -c 'import selenium' 2>/dev/null; then skip "page in Chromium: selenium is not installed (pip install selenium)"
else
  echo "== page in headless Chromium (Selenium); screenshots in $OUT/screenshots"
  if limit 180 python3 scripts/serve-selenium.py "$URL" "star" "$OUT/screenshots"; then pass "page in Chromium"; else fail "page in Chromium"; fi
fi

stop_server; trap - EXIT

if ! wanted durability; then :
else
echo "== SIGKILL durability (${STORM_SECONDS:-3} s write storm, 16 client threads)"
if limit 120 python3 scripts/serve-durability.py "$BIN" "$MODELS/ials" 50 "${STORM_SECONDS:-3}" 16; then pass "SIGKILL durability"; else fail "SIGKILL durability"; fi
fi

echo "serve-checks: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
