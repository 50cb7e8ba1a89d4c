#!/usr/bin/env bash
# TSBS query benchmark: loads TSBS devops cpu-only rows (SCALE hosts x 1 day) into a fresh
# stratad through POST /v1/datasets/cpu/ingest (bench/ingest's ingest_load), waits until the
# data has settled, then runs every TSBS query type (bench/query/tsbs_queries.h) through
# POST /v1/query with bench/query's query_bench and prints a markdown table against the goals.
# See bench/query/README.md. Run through `make bench-query`, or directly:
#
#   bench/query/run.sh            # SCALE=1000: 8.64M rows
#   bench/query/run.sh --quick    # SCALE=116: 1.00M rows (116 hosts x 1 day)
#   bench/query/run.sh --smoke    # SCALE=10: 86,400 rows, 1 warm-up + 3 runs; fails on any
#                                 # failed query or wrong row count (for CI)
#
# Environment (all optional):
#   BUILD_DIR         CMake build tree (default: build-bench, configured Release with Ninja)
#   JOBS              build jobs (default: 2)
#   SCALE             TSBS hosts (default: 1000; --quick 116; --smoke 10); always 1 day of
#                     10 s ticks from 2016-01-01T00:00Z
#   RUNS              measured runs per query type (default: 10; --smoke 3), each with its own
#                     parameters; the same sequence on every run of the script for one SEED
#   WARMUP_RUNS       warm-up runs per query type before those, other parameters (default: 2;
#                     --smoke 1)
#   SEED              query parameter seed (default: 123)
#   QUERIES           query types to run, comma-separated (default: all, in table order)
#   CONNECTIONS       loader connections (default: 4)
#   ROWS_PER_REQUEST  about this many rows per ingest request; rounded to whole ticks
#                     (default: 5000)
#   PROFILE_QUERY     a query type to profile after the table: it runs back to back for
#                     PROFILE_S seconds under `perf record -g -p <stratad>`, and the top of
#                     the report is printed
#   PROFILE_S         seconds for PROFILE_QUERY (default: 10)
#   CACHE             1: keep stratad's query result cache (default: 0, query.cache_bytes=0,
#                     so that every run executes; lastpoint and groupby-host-10-aggs have no
#                     parameters and would otherwise be answered from the cache)
#   STRATAD_SET       extra stratad settings, space-separated key=value
#   NICE              niceness of stratad and the clients, as in bench/ingest/run.sh
#   SETTLE_MAX_S      longest wait for the data to settle after the load (default: 300)
#   SETTLE_STABLE_S   settled = row counts and segments unchanged and stratad idle (< 0.1
#                     core) for this many seconds (default: 10; --smoke 2)
#   RESULTS           1: also write the table and a JSON file to bench/query/results/
#   SKIP_BUILD        1: use the binaries already in BUILD_DIR
#
# stratad runs with a fresh temporary data dir, STRATA_BOOTSTRAP_KEY set, a free 127.0.0.1
# port, query.max_rows = every row of the data set (so any result fits one JSON page),
# query.timeout_ms=120000 (slow queries are measured, not cut at the default 30 s) and
# storage.flush_interval_ms=2000 (the tail of the load reaches a segment within seconds).
# Everything listens on loopback only; every process this script starts is stopped on exit.
# Exits 0 when every query answered with the right rows (goals met or not), 1 otherwise or
# when the benchmark could not run, 2 for usage errors.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib/stratad.sh

MODE=default
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    --smoke) MODE=smoke ;;
    *) echo "usage: $0 [--quick | --smoke]" >&2; exit 2 ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-build-bench}
case "$MODE" in
  default) SCALE=${SCALE:-1000}; RUNS=${RUNS:-10}; WARMUP_RUNS=${WARMUP_RUNS:-2}
           SETTLE_STABLE_S=${SETTLE_STABLE_S:-10} ;;
  quick)   SCALE=${SCALE:-116}; RUNS=${RUNS:-10}; WARMUP_RUNS=${WARMUP_RUNS:-2}
           SETTLE_STABLE_S=${SETTLE_STABLE_S:-10} ;;
  smoke)   SCALE=${SCALE:-10}; RUNS=${RUNS:-3}; WARMUP_RUNS=${WARMUP_RUNS:-1}
           SETTLE_STABLE_S=${SETTLE_STABLE_S:-2} ;;
esac
TICKS=8640  # One day of 10 s ticks.
SEED=${SEED:-123}
QUERIES=${QUERIES:-}
CONNECTIONS=${CONNECTIONS:-4}
ROWS_PER_REQUEST=${ROWS_PER_REQUEST:-5000}
PROFILE_QUERY=${PROFILE_QUERY:-}
PROFILE_S=${PROFILE_S:-10}
CACHE=${CACHE:-0}
STRATAD_SET=${STRATAD_SET:-}
NICE=${NICE:-0}
SETTLE_MAX_S=${SETTLE_MAX_S:-300}
RESULTS=${RESULTS:-0}
MAX_CYCLE_ROWS=1200000  # Rows the loader renders up front (~480 MB of NDJSON); it replays them.

# Goals (issue "Query engine", section "Benchmark"): median client-side latency, ms.
declare -A GOAL_MS=(
  [single-groupby-1-1-1]=2 [cpu-max-all-8]=20 [double-groupby-all]=150 [high-cpu-all]=100
  [lastpoint]=10 [groupby-orderby-limit]=20 [groupby-host-10-aggs]=100
)

die() { echo "bench-query: $*" >&2; exit 1; }
note() { echo "bench-query: $*" >&2; }
usage_error() { echo "bench-query: $*" >&2; exit 2; }

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
for name in SCALE RUNS WARMUP_RUNS SEED CONNECTIONS ROWS_PER_REQUEST PROFILE_S SETTLE_MAX_S \
            SETTLE_STABLE_S; do
  is_uint "${!name}" || usage_error "$name must be a non-negative integer"
done
(( SCALE >= 8 )) || usage_error "SCALE must be at least 8 (cpu-max-all-8 draws 8 hosts)"
(( SCALE * TICKS <= 1 << 32 )) || usage_error "SCALE is too large"
(( RUNS >= 1 && CONNECTIONS >= 1 && ROWS_PER_REQUEST >= 1 )) ||
  usage_error "RUNS, CONNECTIONS and ROWS_PER_REQUEST must be positive"
[[ "$NICE" =~ ^-?[0-9]+$ ]] && (( NICE >= -20 && NICE <= 19 )) || usage_error "NICE must be in -20..19"
[[ "$QUERIES" =~ ^[a-z0-9,-]*$ ]] || usage_error "QUERIES is a comma-separated list of query types"
[[ "$PROFILE_QUERY" =~ ^[a-z0-9-]*$ ]] || usage_error "bad PROFILE_QUERY"

# --- tools and binaries ------------------------------------------------------------------------
command -v curl >/dev/null || scripts/setup.sh curl
if [[ -n "$PROFILE_QUERY" ]] && ! command -v perf >/dev/null; then
  note "PROFILE_QUERY needs perf (linux-perf); no profile will be taken"
  PROFILE_QUERY=""
fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  [[ -f "$BUILD_DIR/build.ninja" ]] ||
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "${JOBS:-2}" --target stratad ingest_load query_bench
fi
STRATAD="$BUILD_DIR/stratad"
LOADER="$BUILD_DIR/bench/ingest_load"
QUERY="$BUILD_DIR/bench/query_bench"
[[ -x "$STRATAD" && -x "$LOADER" && -x "$QUERY" ]] || die "missing $STRATAD, $LOADER or $QUERY"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)

# The query types of this run, in table order (query_bench validates the names).
TYPES=()
if [[ -n "$QUERIES" ]]; then
  IFS=, read -ra TYPES <<<"$QUERIES"
else
  while IFS=$'\t' read -r type _; do TYPES+=("$type"); done < <(
    "$QUERY" --print-sql --hosts "$SCALE" --ticks "$TICKS" --runs 1)
fi
(( ${#TYPES[@]} > 0 )) || usage_error "no query types"
TYPES_CSV=$(IFS=,; echo "${TYPES[*]}")
"$QUERY" --print-sql --hosts "$SCALE" --ticks "$TICKS" --runs 1 --types "$TYPES_CSV" >/dev/null ||
  usage_error "bad QUERIES"
if [[ -n "$PROFILE_QUERY" ]]; then
  "$QUERY" --print-sql --hosts "$SCALE" --ticks "$TICKS" --runs 1 --types "$PROFILE_QUERY" \
    >/dev/null || usage_error "bad PROFILE_QUERY"
fi

# PRIORITY CMD...: runs CMD (same pid) in a new session whose autogroup has niceness NICE.
PRIORITY=()
if (( NICE != 0 )); then
  PRIORITY=(setsid sh -c 'echo "$0" >/proc/self/autogroup && exec nice -n "$0" "$@"' "$NICE")
fi

# --- process bookkeeping -----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-query.XXXXXX")
PIDS=()
# Sends SIGTERM, waits up to 15 s (stratad flushes on the way out), then SIGKILL.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
forget_pid() {
  local pid=$1 kept=()
  for other in "${PIDS[@]}"; do [[ "$other" == "$pid" ]] || kept+=("$other"); done
  PIDS=("${kept[@]}")
}
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# json_field JSON NAME: a number, string or null member of a flat JSON line.
json_field() {
  sed -nE "s/.*\"$2\":(\"([^\"]*)\"|([-0-9.]+|null)).*/\2\3/p" <<<"$1" | head -1
}

# CPU seconds (user + system) of process PID; of the whole machine without PID.
cpu_seconds() {
  local ticks
  ticks=$(getconf CLK_TCK)
  if [[ $# -gt 0 ]]; then
    # Fields after the parenthesised command name: utime is field 14, stime 15.
    sed -E 's/.*\) //' "/proc/$1/stat" 2>/dev/null |
      awk -v t="$ticks" '{ printf "%.2f", ($12 + $13) / t }'
  else
    awk -v t="$ticks" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / t }' /proc/stat
  fi
}

# --- the server and the data set ---------------------------------------------------------------
TOTAL_ROWS=$(( SCALE * TICKS ))
KEY="bench_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
settings=(--set server.max_body_bytes=67108864 --set "query.max_rows=$TOTAL_ROWS"
          --set query.timeout_ms=120000 --set storage.flush_interval_ms=2000)
(( CACHE == 1 )) || settings+=(--set query.cache_bytes=0)
for setting in $STRATAD_SET; do settings+=(--set "$setting"); done
LOG="$WORK/stratad.log"
launched=1
stratad_launch "$STRATAD" "$WORK/data" "$LOG" "$KEY" "${settings[@]}" || launched=0
[[ -n "${STRATAD_PID:-}" ]] && PIDS+=("$STRATAD_PID")
(( launched )) || die "stratad did not start"
SERVER_PID=$STRATAD_PID
PORT=$STRATAD_PORT
stratad_create_cpu "$PORT" "$KEY" || die "creating dataset cpu failed"
server_alive() {
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$LOG" >&2; die "stratad died $1"; }
}

# The load: whole ticks per request (K), a set of C ticks rendered once and replayed TICKS / C
# times with later timestamps (ingest_load --cycles), so rows never repeat; the usage values
# repeat every C ticks (a cycle of at most MAX_CYCLE_ROWS rows).
divisors=()
for (( d = 1; d <= TICKS; ++d )); do (( TICKS % d == 0 )) && divisors+=("$d"); done
want_k=$(( (ROWS_PER_REQUEST + SCALE / 2) / SCALE )); (( want_k >= 1 )) || want_k=1
K=1
for d in "${divisors[@]}"; do
  diff=$(( d > want_k ? d - want_k : want_k - d )); best=$(( K > want_k ? K - want_k : want_k - K ))
  (( diff < best )) && K=$d
done
C=0
for d in "${divisors[@]}"; do
  (( d % K == 0 && d * SCALE <= MAX_CYCLE_ROWS )) && C=$d
done
(( C > 0 )) || usage_error "SCALE $SCALE is too large for a rendered set of $MAX_CYCLE_ROWS rows"
(( C / K >= CONNECTIONS )) || CONNECTIONS=$(( C / K ))
LOAD_BATCHES=$(( C / K ))
LOAD_ROWS_PER_REQUEST=$(( K * SCALE ))
LOAD_CYCLES=$(( TICKS / C ))

note "loading $TOTAL_ROWS rows ($SCALE hosts x $TICKS ticks): $LOAD_BATCHES bodies of $LOAD_ROWS_PER_REQUEST rows, $LOAD_CYCLES cycle(s), $CONNECTIONS connections"
LOAD_JSON_FILE="$WORK/load.json"
STRATA_BENCH_KEY="$KEY" timeout 3600 "${PRIORITY[@]}" "$LOADER" --port "$PORT" --format ndjson \
  --connections "$CONNECTIONS" --batches "$LOAD_BATCHES" --rows-per-request "$LOAD_ROWS_PER_REQUEST" \
  --hosts "$SCALE" --cycles "$LOAD_CYCLES" --server-pid "$SERVER_PID" \
  >"$LOAD_JSON_FILE" 2>"$WORK/load.err" || { cat "$WORK/load.err" >&2; die "ingest_load failed"; }
cat "$WORK/load.err" >&2
server_alive "during the load"
LOAD_JSON=$(head -1 "$LOAD_JSON_FILE")
loaded=$(json_field "$LOAD_JSON" rows)
[[ "$loaded" == "$TOTAL_ROWS" && "$(json_field "$LOAD_JSON" non_200)" == 0 ]] ||
  die "the load acknowledged $loaded of $TOTAL_ROWS rows (non-200 answers: $(json_field "$LOAD_JSON" non_200))"

# Settling: until rows, unflushed rows and segments stay unchanged and stratad stays idle
# (flushes and compactions done) for SETTLE_STABLE_S seconds, at most SETTLE_MAX_S.
stratad_settle "$PORT" "$KEY" "$SERVER_PID" "$SETTLE_STABLE_S" "$SETTLE_MAX_S" ||
  { server_alive "while settling"; die "settling failed"; }
settled=$STRATAD_SETTLED
settle_s=$STRATAD_SETTLE_S
last_state="$(json_field "{$STRATAD_STATS}" rows)/$(json_field "{$STRATAD_STATS}" unflushed_rows)/$(json_field "{$STRATAD_STATS}" segments)"
IFS=/ read -r stored_rows unflushed segments <<<"$last_state"
(( settled )) || note "WARNING: the data did not settle within ${SETTLE_MAX_S}s (rows/unflushed/segments $last_state); measuring anyway"
[[ "$stored_rows" == "$TOTAL_ROWS" ]] || die "the dataset holds $stored_rows rows, expected $TOTAL_ROWS"
note "settled after ${settle_s}s: $stored_rows rows, $unflushed unflushed, $segments segments"

# --- the queries -------------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
machine_before=$(cpu_seconds); server_before=$(cpu_seconds "$SERVER_PID"); wall_before=$(date +%s.%N)
QUERY_OUT="$WORK/queries.json"
STRATA_BENCH_KEY="$KEY" timeout 7200 "${PRIORITY[@]}" "$QUERY" --port "$PORT" --hosts "$SCALE" \
  --ticks "$TICKS" --types "$TYPES_CSV" --warmup "$WARMUP_RUNS" --runs "$RUNS" --seed "$SEED" \
  --limit "$TOTAL_ROWS" >"$QUERY_OUT" || { server_alive "during the queries"; die "query_bench failed"; }
machine_after=$(cpu_seconds); server_after=$(cpu_seconds "$SERVER_PID"); wall_after=$(date +%s.%N)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
read -r server_cores other_cores < <(awk -v m0="$machine_before" -v m1="$machine_after" \
  -v s0="$server_before" -v s1="$server_after" -v w0="$wall_before" -v w1="$wall_after" \
  'BEGIN { w = w1 - w0; s = (s1 - s0) / w; o = (m1 - m0) / w - s; if (o < 0) o = 0; printf "%.2f %.2f\n", s, o }')
server_alive "during the queries"

PROFILE_TXT=""
PROFILE_JSON=""
if [[ -n "$PROFILE_QUERY" ]]; then
  STRATA_BENCH_KEY="$KEY" "${PRIORITY[@]}" "$QUERY" --port "$PORT" --hosts "$SCALE" \
    --ticks "$TICKS" --types "$PROFILE_QUERY" --seed "$SEED" --limit "$TOTAL_ROWS" \
    --loop-seconds "$(( PROFILE_S + 2 ))" >"$WORK/profile-loop.json" 2>/dev/null &
  loop_pid=$!
  PIDS+=("$loop_pid")
  sleep 1
  perf record -g -p "$SERVER_PID" -o "$WORK/perf.data" -- sleep "$PROFILE_S" >/dev/null 2>&1 ||
    note "perf record failed"
  wait "$loop_pid" || note "the profiling loop failed"
  forget_pid "$loop_pid"
  PROFILE_JSON=$(head -1 "$WORK/profile-loop.json" 2>/dev/null || true)
  if [[ -f "$WORK/perf.data" ]]; then
    PROFILE_TXT="$WORK/perf-report.txt"
    perf report -i "$WORK/perf.data" --no-children --sort dso,sym --percent-limit 0.5 --stdio \
      -g none 2>/dev/null | grep -vE '^(#|$)' | head -40 >"$PROFILE_TXT" || true
  fi
fi

# --- report ------------------------------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo ' + uncommitted changes' || true)
date_utc=$(date -u +%Y-%m-%dT%H:%MZ)
REPORT="$WORK/report.md"
{
  echo "TSBS query benchmark ($MODE), $date_utc, $(nproc) cores (${cpu_model:-unknown CPU}), commit $commit$dirty, build ${build_type:-?}"
  printf 'Data: TSBS devops cpu-only, %s hosts x 1 day (%s rows), loaded over HTTP in %.1f s = %.0f rows/s (%s connections, %s rows/request); settled after %s s: %s segments, %s unflushed rows\n' \
    "$SCALE" "$TOTAL_ROWS" "$(json_field "$LOAD_JSON" duration_s)" "$(json_field "$LOAD_JSON" rows_per_s)" \
    "$CONNECTIONS" "$LOAD_ROWS_PER_REQUEST" "$settle_s" "$segments" "$unflushed"
  echo "Queries: $WARMUP_RUNS warm-up + $RUNS measured runs per type, one at a time on one keep-alive connection, seed $SEED, JSON pages with limit = query.max_rows = $TOTAL_ROWS, result cache $( (( CACHE == 1 )) && echo on || echo off)${STRATAD_SET:+; stratad --set $STRATAD_SET}$( (( NICE != 0 )) && echo "; nice $NICE")"
  echo "Load average before: $LOAD_BEFORE, after: $LOAD_AFTER; during the queries stratad used $server_cores cores and everything else (client included) $other_cores"
  echo
  echo "| query | rows | expected rows | median ms | p95 ms | min ms | server median ms | rows scanned | goal ms | goal |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$REPORT"
failed=0
PROBLEMS=()
# ms VALUE: a figure with two decimals, "-" when there is none (negative).
ms() { awk -v v="$1" 'BEGIN { if (v == "" || v < 0) print "-"; else printf "%.2f", v }'; }
while IFS= read -r line; do
  [[ -n "$line" ]] || continue
  f() { json_field "$line" "$1"; }
  type=$(f type)
  measured=$(f runs)
  rows=$(f rows)
  [[ "$(f rows_min)" == "$(f rows_max)" ]] || rows="$rows ($(f rows_min)-$(f rows_max))"
  (( measured > 0 )) || rows="-"
  expected=$(f expected_rows)
  [[ "$expected" == null ]] && expected="-"
  check=""
  if [[ "$(f failures)" != 0 || "$(f mismatches)" != 0 ]]; then
    failed=1
    check=" **FAILED: $(f failures) of $(f queries) failed, $(f mismatches) wrong row counts**"
    problem=$(sed -nE 's/.*"first_problem":"(.*)"\}$/\1/p' <<<"$line" | sed 's/\\"/"/g')
    PROBLEMS+=("$type: $problem")
  fi
  goal=${GOAL_MS[$type]:-}
  verdict="-"
  if [[ -n "$goal" ]]; then
    if (( measured == 0 )); then
      verdict="**failed**"
    elif awk -v m="$(f median_ms)" -v g="$goal" 'BEGIN { exit !(m <= g) }'; then
      verdict=met
    else
      verdict="**missed** ($(awk -v m="$(f median_ms)" -v g="$goal" 'BEGIN { printf "%.1fx", m / g }'))"
    fi
  fi
  scanned=$(f rows_scanned_median)
  (( measured > 0 )) || scanned="-"
  printf '| %s | %s | %s%s | %s | %s | %s | %s | %s | %s | %s |\n' "$type" "$rows" \
    "$expected" "$check" "$(ms "$(f median_ms)")" "$(ms "$(f p95_ms)")" "$(ms "$(f min_ms)")" \
    "$(ms "$(f server_median_ms)")" "$scanned" "${goal:--}" "$verdict" >>"$REPORT"
done <"$QUERY_OUT"
missing=$(( ${#TYPES[@]} - $(grep -c . "$QUERY_OUT" || true) ))
(( missing == 0 )) || { failed=1; PROBLEMS+=("$missing query type(s) did not run"); }
{
  echo
  echo "ms: client-side wall time of one request over loopback, from writing it to having read the whole answer; p95 is nearest-rank (the ceil(0.95 x $RUNS)-th fastest of $RUNS); server = stats.elapsed_ms; rows and rows scanned are medians; goals compare the median ms."
  if (( ${#PROBLEMS[@]} > 0 )); then
    echo
    echo "**WRONG ANSWERS OR FAILED QUERIES:**"
    for problem in "${PROBLEMS[@]}"; do echo "- $problem"; done
  fi
} >>"$REPORT"
echo
cat "$REPORT"
if [[ -n "$PROFILE_TXT" ]]; then
  echo
  printf 'perf profile of stratad, %ss while %s ran back to back (the loop: %s queries, %s failed, median %s ms); top symbols, %% of samples:\n' \
    "$PROFILE_S" "$PROFILE_QUERY" "$(json_field "$PROFILE_JSON" queries)" \
    "$(json_field "$PROFILE_JSON" failures)" "$(ms "$(json_field "$PROFILE_JSON" median_ms)")"
  echo '```'
  cat "$PROFILE_TXT"
  echo '```'
fi

if [[ "$RESULTS" == 1 ]]; then
  mkdir -p bench/query/results
  stem="bench/query/results/$(date -u +%Y%m%dT%H%MZ)-$MODE-s$SCALE"
  cp "$REPORT" "$stem.md"
  {
    printf '{"date":"%s","mode":"%s","commit":"%s","dirty":%s,"build":"%s","cores":%s,"cpu":"%s",' \
      "$date_utc" "$MODE" "$commit" "$([[ -n "$dirty" ]] && echo true || echo false)" "${build_type:-?}" \
      "$(nproc)" "${cpu_model//\"/}"
    printf '"scale":%s,"ticks":%s,"rows":%s,"seed":%s,"warmup_runs":%s,"runs":%s,"cache":%s,' \
      "$SCALE" "$TICKS" "$TOTAL_ROWS" "$SEED" "$WARMUP_RUNS" "$RUNS" "$([[ "$CACHE" == 1 ]] && echo true || echo false)"
    printf '"stratad_set":"%s","load_average_before":"%s","load_average_after":"%s",' \
      "$STRATAD_SET" "$LOAD_BEFORE" "$LOAD_AFTER"
    printf '"server_cores":%s,"other_cores":%s,"settle_s":%s,"segments":%s,"load":%s,"queries":[' \
      "$server_cores" "$other_cores" "$settle_s" "$segments" "$LOAD_JSON"
    first=1
    while IFS= read -r line; do
      [[ -n "$line" ]] || continue
      type=$(json_field "$line" type)
      (( first )) || printf ','
      first=0
      printf '%s,"goal_ms":%s}' "${line%\}}" "${GOAL_MS[$type]:-null}"
    done <"$QUERY_OUT"
    printf ']}\n'
  } >"$stem.json"
  note "wrote $stem.md and $stem.json"
fi
(( failed == 0 )) || die "some queries failed or returned wrong row counts (see above)"
