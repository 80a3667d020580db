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
# TSAN_FILTER to a regular expression of suites to run others, or TSAN_FILTER=. for all.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${TSAN_SCRATCH:-.build-tsan}
FILTER=${TSAN_FILTER:-'ComputePoolTests|ThreadInvarianceTests|RankingModelsTests|FactorRankingModelsTests|MatrixFactorizationTests|SoftmaxGradientTests|SoftmaxModelTests|RatingModelTests|BayesianFMTests|DenseSPDTests|GemmTests|TSNETests|CSRBuildTests|RatingEvaluationTests'}
start=$(date +%s)
"$SWIFT" build --build-tests -Xswiftc -sanitize=thread --scratch-path "$SCRATCH"
built=$(date +%s)
echo "tsan: build took $((built - start)) s"
export TSAN_OPTIONS="suppressions=$PWD/scripts/tsan.supp ${TSAN_OPTIONS:-}"
status=0
"$SWIFT" test --skip-build -Xswiftc -sanitize=thread --scratch-path "$SCRATCH" --filter "$FILTER" || status=$?
echo "tsan: tests took $(( $(date +%s) - built )) s (exit status $status; 66 means ThreadSanitizer reported a race)"
exit $status
