#!/usr/bin/env bash
# Speed without special flags: builds the CLI twice, as a package that depends on ours would
# (plain `swift build -c release`) and with the optional CPU flags (`-target-cpu haswell`),
# then runs the same benchmarks from both binaries alternately, in one run, and prints the
# figures side by side. Usage: scripts/bench-build-flags.sh [DATA_DIR]
set -euo pipefail
DATA_DIR=${1:-${RECOMMENDER_DATA_DIR:-$HOME/.cache/swift-recommender}}
SWIFT=${SWIFT:-swift}

$SWIFT build -c release --product recommender --scratch-path .build-plain
$SWIFT build -c release -Xswiftc -target-cpu -Xswiftc haswell --product recommender --scratch-path .build-tuned
PLAIN=.build-plain/release/recommender
TUNED=.build-tuned/release/recommender

run() { # label, then the bench arguments
    local label=$1; shift
    for build in plain tuned; do
        local bin=$PLAIN; [[ $build == tuned ]] && bin=$TUNED
        echo "== $label [$build]: recommender bench $*"
        "$bin" bench "$@" 2>&1 | grep -vE '^\s*$' | tail -n 12
    done
}

run "MF, 200 full-batch iterations" mf --data-dir "$DATA_DIR" --dataset ml-100k --repeats 3
run "SVD / SVD++ 5-fold" rating --data-dir "$DATA_DIR" --dataset ml-100k --algorithms svd,svdpp
run "ranking models on ML-100K" ranking --data-dir "$DATA_DIR" --dataset ml-100k --algorithms ials,bpr
run "iALS, 3M generated interactions" ials --users 30000 --items 10000 --interactions 3000000 --iterations 2
run "softmax, 1,000 iterations (Swift SGEMM)" softmax --data-dir "$DATA_DIR" --dataset ml-100k --iterations 1000 --gemm swift
run "SGEMM kernel" gemm
# The kernels are chosen at run time from the CPU (RECOMMENDER_KERNELS overrides): say which CPU this was.
echo "kernels: ${RECOMMENDER_KERNELS:-chosen at run time}; CPU: $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs); $(grep -owE 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
