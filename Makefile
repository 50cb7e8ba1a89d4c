# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: setup configure build run test unit e2e asan tsan fmt bench bench-http bench-micro bench-ingest bench-query clean

setup:
	@scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts stratad on the embedded default (data in ./data) and prints where to go.
run: setup build
	$(BUILD_DIR)/stratad --data-dir ./data

# Unit and end-to-end tests through CTest; ends with CTest's summary line.
test: setup build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

e2e: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L e2e

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer, in their own build tree.
asan: setup
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -L unit -j $(JOBS)

# ThreadSanitizer build of the concurrent parts: the storage engine's appends, scans, flushes
# and compactions, and the log writer.
tsan: setup
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS) --target storage_test common_test
	build-tsan/tests/unit/storage_test --gtest_filter='StorageConcurrency*:StorageEngine*:StorageFaults*:StorageEncryption*'
	build-tsan/tests/unit/common_test --gtest_filter='Logging*'

# Storage-engine micro-benchmarks (bench/micro/README.md), always in a Release tree of their
# own. A few minutes; pass Google Benchmark flags through BENCH_ARGS, e.g.
# `make bench-micro BENCH_ARGS=--benchmark_filter=ScanSum`.
BENCH_BUILD_DIR ?= build-bench
BENCH_ARGS ?=
bench-micro: setup
	cmake -S . -B $(BENCH_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target bench_storage bench_ingest bench_result
	$(BENCH_BUILD_DIR)/bench/bench_storage $(BENCH_ARGS)

fmt:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

bench-http: setup build
	bench/http/run.sh

# End-to-end HTTP ingest benchmark (bench/ingest/README.md): TSBS cpu rows as NDJSON, gzip'd
# NDJSON and line protocol into a Release stratad in $(BENCH_BUILD_DIR). About 3 minutes; set
# DURATION, CONNECTIONS, ... in the environment, or BENCH_ARGS=--smoke for a few seconds.
bench-ingest: setup
	BUILD_DIR=$(BENCH_BUILD_DIR) bench/ingest/run.sh $(BENCH_ARGS)

# TSBS query benchmark (bench/query/README.md): loads TSBS cpu-only, SCALE hosts x 1 day, into a
# Release stratad in $(BENCH_BUILD_DIR), then times every TSBS query type against the goals.
# Set SCALE, RUNS, PROFILE_QUERY, RESULTS=1, ... in the environment; BENCH_ARGS=--quick for
# 1M rows, BENCH_ARGS=--smoke for a CI check of a few seconds.
bench-query: setup
	BUILD_DIR=$(BENCH_BUILD_DIR) JOBS=$(JOBS) bench/query/run.sh $(BENCH_ARGS)

# The benchmark against peers (bench/README.md): TSBS cpu-only, 1000 hosts x 1 day (8.64M rows),
# in stratad (Release, $(BENCH_BUILD_DIR)), ClickHouse, InfluxDB, PostgreSQL, SQLite and DuckDB
# (installed when missing: Debian packages, npm); ingest, bytes per row, every TSBS query with
# answer checks, wrk concurrency; writes bench/results/. At most 30 minutes. BENCH_ARGS=--quick
# (1M rows), BENCH_ARGS=--smoke (CI, seconds), BENCH_ARGS="--only clickhouse,lastpoint", ...
bench: setup
	BUILD_DIR=$(BENCH_BUILD_DIR) JOBS=$(JOBS) bench/run $(BENCH_ARGS)

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan $(BENCH_BUILD_DIR)
