# swift-recommender: the two quick-start commands are `make demo` and `make test`.
# The hot kernels (Sources/CKernels) pick AVX2 + FMA or AVX-512 at run time, so a plain
# `swift build -c release` is fast. Targeting the CPU here is an optional extra for the few
# loops left in Swift (README, "Speed without special flags").
SWIFT ?= swift
DATA_DIR ?= $(HOME)/.cache/swift-recommender
OUT ?= output
CPU_FLAGS := $(shell grep -q -w avx2 /proc/cpuinfo 2>/dev/null && grep -q -w fma /proc/cpuinfo 2>/dev/null && echo "-Xswiftc -target-cpu -Xswiftc haswell")
BUILD_FLAGS := -c release -Xswiftc -enable-testing $(CPU_FLAGS)
# One build for every target: the binaries and the test bundle together. `swift build` of a product
# and `swift test` in release differ in testability, so alternating them recompiles every module,
# Hummingbird, NIO and GRDB included (SwiftPM issue 8031); `swift test --skip-build` runs this build.
BUILD = $(SWIFT) build $(BUILD_FLAGS) --build-tests
BIN = $(shell $(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/recommender

.PHONY: deps spark-deps demo test tsan build data example bench bench-load bench-spark fuzz clean

## deps: system packages the build needs (OpenBLAS), installed with apt-get when missing.
deps:
	@bash scripts/install-deps.sh

## spark-deps: Java 17 and pyspark + numpy for the Spark round trip (docs/spark.md); .ci/run installs them.
spark-deps:
	@bash scripts/spark/install-deps.sh

build: deps
	$(BUILD)

data: build
	$(BIN) data fetch ml-100k --data-dir $(DATA_DIR)

## demo: fetch MovieLens 100K if absent, build in release mode, run the pipeline end to end, then
## serve the models it trained (Ctrl-C stops; DEMO_SERVE=0 skips serving, DEMO_PORT=8080).
demo: data
	bash scripts/demo.sh "$(BIN)" "$(DATA_DIR)" "$(OUT)"

## example: the README's Swift example (Sources/RecommenderExample/main.swift).
example: data
	RECOMMENDER_DATA_DIR=$(DATA_DIR) $(dir $(BIN))recommender-example

## test: the whole test suite (what CI runs): `swift test`, then the checks of `recommender serve`
## against a real server on 127.0.0.1 (scripts/serve-checks.sh: schemathesis, the page in headless
## Chromium through Selenium, the SIGKILL durability storm; each skipped, saying why, when its tool is missing).
test: build
	RECOMMENDER_DATA_DIR=$(DATA_DIR) $(SWIFT) test $(BUILD_FLAGS) --skip-build
	BIN=$(BIN) bash scripts/serve-checks.sh

## tsan: the parallel test suites under ThreadSanitizer (scripts/tsan.sh; build in .build-tsan).
## TSAN_FILTER=. runs every suite; TSAN_CONFIG=release builds optimized (.build-tsan-release).
tsan: deps
	bash scripts/tsan.sh

bench: build
	$(BIN) bench load --data-dir $(DATA_DIR) --dataset ml-100k

## bench-load: loading speed on a generated 25M-line ML-25M-like ratings.csv, side by side with pandas.
bench-load:
	bash scripts/bench-load.sh

## bench-spark: export, Spark ALS fit (local[2]), import and model size beside our iALS on the
## ML-25M-shaped file (SCALE=0.1 for a tenth of it; scripts/spark/bench_roundtrip.sh).
SCALE ?= 1
bench-spark: spark-deps
	bash scripts/spark/bench_roundtrip.sh --scale $(SCALE)

## fuzz: libFuzzer on the ratings, items/users and fold-in readers and the model-file reader,
## FUZZ_SECONDS (default 60) per target, from the seed corpora in Fuzz/Corpus (0: replay the seeds
## once, as CI does).
FUZZ_SECONDS ?= 60
fuzz:
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build .build-fuzz $(OUT)
