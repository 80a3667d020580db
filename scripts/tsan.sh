#!/usr/bin/env bash
# ThreadSanitizer run of the test suites that exercise parallel code (`make tsan`).
#
# Builds the package and its tests with -sanitize=thread into a separate scratch folder
# (.build-tsan, so the normal debug and release builds stay untouched), then runs the suites under
# TSan. Any race report makes TSan exit with status 66 at the end, so the script fails. The only
# suppression (scripts/tsan.supp) is BPR's documented Hogwild opt-in.
#
# The suites run by default are those with parallel code paths (the compute pool, every parallel
# model, evaluation and the CSR/loader builds); the whole suite under TSan is much slower. Set
# TSAN_FILTER to a regular expression of suites to run others, or TSAN_FILTER=. for all (the
# server, the CLI subprocesses and the retrieval index too).
#
# TSAN_CONFIG=release builds optimized (with -enable-testing, in .build-tsan-release): a longer
# build, a faster run. The default, debug, also checks exclusivity on every access.
#
# The package's locks are `Locked` (a pthread mutex), not `Synchronization.Mutex`: on Linux TSan
# does not see `Mutex` wait (a futex, in code it does not instrument), and reported every value
# shared under a contended `Mutex` as a race, in debug and release builds alike.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
CONFIG=${TSAN_CONFIG:-debug}
case "$CONFIG" in
  debug) FLAGS=(); SCRATCH=${TSAN_SCRATCH:-.build-tsan} ;;
  release) FLAGS=(-c release -Xswiftc -enable-testing); SCRATCH=${TSAN_SCRATCH:-.build-tsan-release} ;;
  *) echo "tsan: TSAN_CONFIG must be debug or release (got '$CONFIG')"; exit 1 ;;
esac
FILTER=${TSAN_FILTER:-'ComputePoolTests|ThreadInvarianceTests|RankingModelsTests|FactorRankingModelsTests|MatrixFactorizationTests|SoftmaxGradientTests|SoftmaxModelTests|RatingModelTests|BayesianFMTests|DenseSPDTests|GemmTests|TSNETests|CSRBuildTests|RatingEvaluationTests'}
start=$(date +%s)
"$SWIFT" build "${FLAGS[@]}" --build-tests -Xswiftc -sanitize=thread --scratch-path "$SCRATCH"
built=$(date +%s)
echo "tsan: $CONFIG build took $((built - start)) s"
export TSAN_OPTIONS="suppressions=$PWD/scripts/tsan.supp ${TSAN_OPTIONS:-}"
status=0
"$SWIFT" test "${FLAGS[@]}" --skip-build -Xswiftc -sanitize=thread --scratch-path "$SCRATCH" --filter "$FILTER" || status=$?
echo "tsan: tests took $(( $(date +%s) - built )) s (exit status $status; 66 means ThreadSanitizer reported a race)"
exit $status
