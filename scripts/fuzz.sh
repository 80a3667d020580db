#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzz/, with -sanitize=fuzzer,address) and runs each for a
# bounded time on its committed seed corpus, copying new inputs into a scratch corpus (the
# committed one is not changed). Prints executions per target; any crash stops with status 1
# and leaves the input in .build-fuzz/crashes/.
# Usage: scripts/fuzz.sh [seconds per target (default $FUZZ_SECONDS or 60)] [targets...]
set -euo pipefail
SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-60}}
shift || true
TARGETS=${*:-"FuzzRatings FuzzCatalog FuzzFoldIn FuzzModelArchive"}
SCRATCH=.build-fuzz
declare -A CORPUS=([FuzzRatings]=ratings [FuzzCatalog]=catalog [FuzzFoldIn]=foldin [FuzzModelArchive]=model-archive)
FLAGS=(-c debug --package-path Fuzz --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address)
mkdir -p "$SCRATCH/crashes"
# Swift's own crash reporter reads memory ASan does not own: leave crash reports to libFuzzer.
export SWIFT_BACKTRACE=enable=no
swift build "${FLAGS[@]}" >/dev/null
status=0
for target in $TARGETS; do
  bin="$(swift build "${FLAGS[@]}" --show-bin-path)/$target"
  work="$SCRATCH/corpus/${CORPUS[$target]}"
  mkdir -p "$work"
  log="$SCRATCH/$target.log"
  if "$bin" "$work" "Fuzz/Corpus/${CORPUS[$target]}" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 \
       -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$SCRATCH/crashes/$target-" -print_final_stats=1 >"$log" 2>&1; then
    result="0 crashes"
  else
    result="CRASH (see $log and $SCRATCH/crashes/)"; status=1
  fi
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  echo "$target: $runs executions in ${SECONDS_PER_TARGET} s, ${cov:-cov ?}, $result"
done
exit $status
