#!/usr/bin/env bash
# The longer schemathesis run against `recommender serve` (the suite's run, in scripts/serve-checks.sh,
# makes 25 examples per operation): EXAMPLES (default 500) examples per operation, every check
# schemathesis has (among them positive_data_acceptance: what the OpenAPI document allows, the server
# accepts; negative_data_rejection: what it forbids, the server refuses with a 4xx), all phases, a
# fixed seed. Server on 127.0.0.1, bounded by SCHEMATHESIS_SECONDS (default 1800), stopped at the end.
# usage: scripts/serve-schemathesis-long.sh   (env: BIN, OUT, EXAMPLES, SCHEMATHESIS_SECONDS)
set -uo pipefail
cd "$(dirname "$0")/.."
export CHECKS=schemathesis SCHEMATHESIS_CHECKS=all
export EXAMPLES="${EXAMPLES:-500}" SCHEMATHESIS_SECONDS="${SCHEMATHESIS_SECONDS:-1800}"
export OUT="${OUT:-.build/serve-schemathesis-long}"
# The release binary when BIN is unset and one is built (serve-checks.sh would build a debug one).
[ -n "${BIN:-}" ] || { [ -x .build/release/recommender ] && export BIN=.build/release/recommender; }
exec bash scripts/serve-checks.sh
