#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzz/, with -sanitize=fuzzer,address) and runs each for a
# bounded time on its committed seed corpus, copying new inputs into a scratch corpus (the
# committed one is not changed). Prints executions per target; any crash stops with status 1
# and leaves the input in .build-fuzz/crashes/.
# With 0 seconds it only replays the committed seeds once (deterministic; what CI runs, so
# that a harness that no longer builds or a seed that crashes turns CI red).
# Usage: scripts/fuzz.sh [seconds per target (default $FUZZ_SECONDS or 60)] [targets...]
set -euo pipefail
SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-60}}
shift || true
TARGETS=${*:-"FuzzRatings FuzzCatalog FuzzFoldIn FuzzModelArchive"}
SCRATCH=.build-fuzz
declare -A CORPUS=([FuzzRatings]=ratings [FuzzCatalog]=catalog [FuzzFoldIn]=foldin [FuzzModelArchive]=model-archive)
# The C kernels too: AddressSanitizer on their reads and writes, and coverage for the fuzzer.
FLAGS=(-c debug --package-path Fuzz --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address
       -Xcc -fsanitize=address -Xcc -fsanitize=fuzzer-no-link)
mkdir -p "$SCRATCH/crashes"
# Swift's own crash reporter reads memory ASan does not own: leave crash reports to libFuzzer.
export SWIFT_BACKTRACE=enable=no
# SwiftPM prints compile errors on standard output: keep it, and show it when the build fails
# (twice a build failed here with nothing on standard error, and could not be reproduced).
if ! build_log=$(swift build "${FLAGS[@]}" 2>&1); then
  echo "$build_log" | grep -v "warning: Cannot export local symbol" | tail -40
  echo "fuzz: the harness build failed (status above)"
  exit 1
fi
status=0
for target in $TARGETS; do
  bin="$(swift build "${FLAGS[@]}" --show-bin-path)/$target"
  work="$SCRATCH/corpus/${CORPUS[$target]}"
  mkdir -p "$work"
  log="$SCRATCH/$target.log"
  if [ "$SECONDS_PER_TARGET" = 0 ]; then
    run=(-runs=0 "Fuzz/Corpus/${CORPUS[$target]}")
  else
    run=(-max_total_time="$SECONDS_PER_TARGET" "$work" "Fuzz/Corpus/${CORPUS[$target]}")
  fi
  if "$bin" "${run[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
       -artifact_prefix="$SCRATCH/crashes/$target-" -print_final_stats=1 >"$log" 2>&1; then
    result="0 crashes"
  else
    result="CRASH (see $log and $SCRATCH/crashes/)"; status=1
  fi
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  if [ "$SECONDS_PER_TARGET" = 0 ]; then
    echo "$target: the $runs seed inputs replayed, ${cov:-cov ?}, $result"
  else
    echo "$target: $runs executions in ${SECONDS_PER_TARGET} s, ${cov:-cov ?}, $result"
  fi
done
exit $status
