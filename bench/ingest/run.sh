#!/usr/bin/env bash
# End-to-end HTTP ingest benchmark: TSBS devops cpu rows sent to stratad's
# POST /v1/datasets/cpu/ingest by bench/ingest/ingest_load, as NDJSON, gzip'd NDJSON and line
# protocol. See bench/ingest/README.md. Run through `make bench-ingest`, or directly:
#
#   DURATION=20 CONNECTIONS=4 bench/ingest/run.sh
#   bench/ingest/run.sh --smoke          # a few seconds, tiny bodies: checks that it all works
#
# Environment (all optional):
#   BUILD_DIR         CMake build tree (default: build-bench, configured Release with Ninja)
#   DURATION          measured seconds per variant (default: 20)
#   WARMUP            seconds sent before measuring, per variant (default: 2)
#   CONNECTIONS       keep-alive connections, one loader thread each (default: 4)
#   ROWS_PER_REQUEST  rows per request body (default: 5000)
#   BATCHES           distinct bodies per uncompressed variant (default: 200 = 1M rows); the
#                     loader rewrites their timestamps on every replay, so rows never repeat
#   GZIP_BATCHES      distinct gzip bodies (default: auto, enough for the NDJSON rate x 1.5
#                     over WARMUP + DURATION, at most 2400 = 12M rows); they repeat after that
#   HOSTS             TSBS scale, hosts per 10 s tick (default: 1000)
#   VARIANTS          which to run, in order (default: "ndjson ndjson-gzip lp")
#   PROFILE_S         seconds of `perf record -g` on stratad during the NDJSON run (default: 0,
#                     off); the top of the report is printed after the table
#   STRATAD_SET       extra stratad settings, space-separated key=value (e.g.
#                     "storage.durability=async")
#   NICE              scheduling niceness of stratad and the loader (default: 0, unchanged). On
#                     a machine shared with other work, e.g. -10 (needs root) gives them the
#                     cores first. Each runs in a session of its own (setsid) whose autogroup
#                     gets this niceness: with kernel.sched_autogroup_enabled, plain `nice` only
#                     ranks processes within their own session. The table reports the CPU
#                     that the rest of the machine still took
#   SKIP_BUILD        1: use the binaries already in BUILD_DIR
#
# Each variant gets a fresh stratad (empty temporary data dir, STRATA_BOOTSTRAP_KEY set) on a
# free 127.0.0.1 port, and a fresh `cpu` dataset (sort_key [hostname, time], partition_by day).
# Everything listens on loopback only; every process this script starts is stopped on exit.
# Prints a markdown table and the goal verdict; exits 0 whether or not the goal is met,
# non-zero only when the benchmark could not run (with --smoke: also when any request failed).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib/stratad.sh

SMOKE=0
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-build-bench}
if (( SMOKE )); then
  DURATION=${DURATION:-3}
  WARMUP=${WARMUP:-0.5}
  CONNECTIONS=${CONNECTIONS:-2}
  ROWS_PER_REQUEST=${ROWS_PER_REQUEST:-1000}
  BATCHES=${BATCHES:-8}
  GZIP_BATCHES=${GZIP_BATCHES:-8}
  HOSTS=${HOSTS:-100}
else
  DURATION=${DURATION:-20}
  WARMUP=${WARMUP:-2}
  CONNECTIONS=${CONNECTIONS:-4}
  ROWS_PER_REQUEST=${ROWS_PER_REQUEST:-5000}
  BATCHES=${BATCHES:-200}
  GZIP_BATCHES=${GZIP_BATCHES:-auto}
  HOSTS=${HOSTS:-1000}
fi
VARIANTS=${VARIANTS:-ndjson ndjson-gzip lp}
PROFILE_S=${PROFILE_S:-0}
STRATAD_SET=${STRATAD_SET:-}
NICE=${NICE:-0}
GOAL_ROWS_PER_S=1000000
GOAL_P99_MS=50
MAX_GZIP_BATCHES=2400

die() { echo "bench-ingest: $*" >&2; exit 1; }
note() { echo "bench-ingest: $*" >&2; }

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_seconds() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
is_seconds "$DURATION" && awk -v d="$DURATION" 'BEGIN { exit !(d > 0 && d <= 600) }' ||
  die "DURATION must be a number of seconds in (0, 600]"
is_seconds "$WARMUP" && awk -v w="$WARMUP" 'BEGIN { exit !(w <= 60) }' ||
  die "WARMUP must be a number of seconds in [0, 60]"
[[ "$NICE" =~ ^-?[0-9]+$ ]] && (( NICE >= -20 && NICE <= 19 )) || die "NICE must be in -20..19"
for name in CONNECTIONS ROWS_PER_REQUEST BATCHES HOSTS PROFILE_S; do
  is_uint "${!name}" || die "$name must be a non-negative integer"
done
[[ "$GZIP_BATCHES" == auto ]] || is_uint "$GZIP_BATCHES" || die "GZIP_BATCHES must be auto or an integer"
for variant in $VARIANTS; do
  case "$variant" in ndjson | ndjson-gzip | lp) ;; *) die "unknown variant '$variant'" ;; esac
done

# --- tools and binaries ------------------------------------------------------------------------
command -v curl >/dev/null || scripts/setup.sh curl
if (( PROFILE_S > 0 )) && ! command -v perf >/dev/null; then
  die "PROFILE_S needs perf (linux-perf)"
fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  [[ -f "$BUILD_DIR/build.ninja" ]] ||
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target stratad ingest_load
fi
STRATAD="$BUILD_DIR/stratad"
LOADER="$BUILD_DIR/bench/ingest_load"
[[ -x "$STRATAD" && -x "$LOADER" ]] || die "missing $STRATAD or $LOADER"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)

# PRIORITY CMD...: runs CMD (same pid) in a new session whose autogroup has niceness NICE.
PRIORITY=()
if (( NICE != 0 )); then
  PRIORITY=(setsid sh -c 'echo "$0" >/proc/self/autogroup && exec nice -n "$0" "$@"' "$NICE")
fi

# --- process bookkeeping -----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-ingest.XXXXXX")
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

# --- the server and the dataset ----------------------------------------------------------------
# Any string of 32+ characters that does not start with "strata_" is a valid bootstrap key.
KEY="bench_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"

SERVER_PID=""
SERVER_PORT=""
# start_server NAME: a fresh stratad on its own data dir with the cpu dataset.
start_server() {
  local name=$1
  local data="$WORK/data-$name" log="$WORK/stratad-$name.log"
  local settings=(--set server.max_body_bytes=67108864)
  for setting in $STRATAD_SET; do settings+=(--set "$setting"); done
  local launched=1
  stratad_launch "$STRATAD" "$data" "$log" "$KEY" "${settings[@]}" || launched=0
  SERVER_PID=${STRATAD_PID:-}
  [[ -n "$SERVER_PID" ]] && PIDS+=("$SERVER_PID")
  (( launched )) || die "stratad did not start"
  SERVER_PORT=$STRATAD_PORT
  stratad_create_cpu "$SERVER_PORT" "$KEY" || die "creating dataset cpu failed"
}
stop_server() {
  stop_pid "$SERVER_PID"
  forget_pid "$SERVER_PID"
  rm -rf "$WORK/data-$1"
}

# --- the runs ----------------------------------------------------------------------------------
declare -A RESULT  # variant -> the loader's JSON line
# json_field JSON NAME: a number or string member of the loader's flat JSON line.
json_field() {
  sed -nE "s/.*\"$2\":(\"([^\"]*)\"|([-0-9.]+)).*/\2\3/p" <<<"$1"
}

gcd() { local a=$1 b=$2; while (( b )); do local t=$((a % b)); a=$b; b=$t; done; echo "$a"; }
# Rounds a batch count up so that a cycle of bodies ends on a whole TSBS tick.
round_batches() {
  local step=$(( HOSTS / $(gcd "$ROWS_PER_REQUEST" "$HOSTS") ))
  echo $(( ($1 + step - 1) / step * step ))
}

PROFILE_TXT=""
run_variant() {
  local variant=$1 batches=$BATCHES
  if [[ "$variant" == ndjson-gzip ]]; then
    if [[ "$GZIP_BATCHES" == auto ]]; then
      local rate=${RESULT[ndjson]:+$(json_field "${RESULT[ndjson]}" rows_per_s)}
      rate=${rate:-$GOAL_ROWS_PER_S}
      batches=$(awk -v r="$rate" -v s="$WARMUP" -v d="$DURATION" -v n="$ROWS_PER_REQUEST" \
                    -v lo="$BATCHES" -v hi="$MAX_GZIP_BATCHES" \
                    'BEGIN { b = int(r * 1.5 * (s + d) / n) + 1; if (b < lo) b = lo; if (b > hi) b = hi; print b }')
    else
      batches=$GZIP_BATCHES
    fi
  fi
  batches=$(round_batches "$batches")
  (( batches >= CONNECTIONS )) || batches=$(round_batches "$CONNECTIONS")
  start_server "$variant"
  local out="$WORK/load-$variant.json"
  # Generous bound: generation (gzip: up to ~1 min) + warm-up + duration.
  local bound
  bound=$(awk -v s="$WARMUP" -v d="$DURATION" 'BEGIN { print int(s + d + 180) }')
  STRATA_BENCH_KEY="$KEY" timeout "$bound" "${PRIORITY[@]}" "$LOADER" --port "$SERVER_PORT" --format "$variant" \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --batches "$batches" \
    --rows-per-request "$ROWS_PER_REQUEST" --hosts "$HOSTS" --server-pid "$SERVER_PID" \
    >"$out" 2>"$WORK/load-$variant.err" &
  local loader_pid=$!
  PIDS+=("$loader_pid")
  if [[ "$variant" == ndjson ]] && (( PROFILE_S > 0 )); then
    # Start once the loader has built its bodies and warmed up, in the middle of the window.
    until grep -q 'built in' "$WORK/load-$variant.err" 2>/dev/null; do
      kill -0 "$loader_pid" 2>/dev/null || break
      sleep 0.2
    done
    sleep "$WARMUP"
    sleep "$(awk -v d="$DURATION" -v p="$PROFILE_S" 'BEGIN { s = (d - p) / 2; print (s > 0 ? s : 0) }')"
    perf record -g -p "$SERVER_PID" -o "$WORK/perf.data" -- sleep "$PROFILE_S" >/dev/null 2>&1 ||
      note "perf record failed"
  fi
  local rc=0
  wait "$loader_pid" || rc=$?
  forget_pid "$loader_pid"
  cat "$WORK/load-$variant.err" >&2
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/stratad-$variant.log" >&2; die "stratad died during the $variant run"; }
  (( rc == 0 )) || die "ingest_load failed for $variant (exit $rc)"
  RESULT[$variant]=$(head -1 "$out")
  [[ -n "${RESULT[$variant]}" ]] || die "ingest_load printed no summary for $variant"
  if [[ -f "$WORK/perf.data" && -z "$PROFILE_TXT" ]]; then
    PROFILE_TXT="$WORK/perf-report.txt"
    perf report -i "$WORK/perf.data" --no-children --sort dso,sym --percent-limit 1 --stdio \
      -g none 2>/dev/null | grep -vE '^(#|$)' | head -40 >"$PROFILE_TXT" || true
  fi
  stop_server "$variant"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for variant in $VARIANTS; do run_variant "$variant"; done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo
echo "Ingest benchmark$( (( SMOKE )) && echo ' (smoke)'), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores (${cpu_model:-unknown CPU}), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), build ${build_type:-?}"
echo "ingest_load: $CONNECTIONS connections, $ROWS_PER_REQUEST rows/request, ${WARMUP}s warm-up + ${DURATION}s per variant, $HOSTS hosts; client and server share the cores${STRATAD_SET:+; stratad --set $STRATAD_SET}$( (( NICE != 0 )) && echo "; both at nice $NICE")"
echo "load average before: $LOAD_BEFORE, after: $LOAD_AFTER; 'other cores' is CPU used by other processes during the window: anything but ~0 makes the figures low"
echo
echo "| variant | rows/s | MB/s sent (decoded) | B/row sent | p50 ack ms | p99 ack ms | max ms | errors | server cores (+ waiting for a core) | server CPU µs/row | client cores | other cores |"
echo "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
smoke_failed=0
for variant in $VARIANTS; do
  json=${RESULT[$variant]}
  f() { json_field "$json" "$1"; }
  non200=$(f non_200)
  transport=$(f transport_errors)
  errors="-"
  if [[ "$non200" != 0 || "$transport" != 0 ]]; then
    statuses=$(sed -nE 's/.*"non_200_by_status":\{([^}]*)\}.*/\1/p' <<<"$json" | tr -d '"')
    errors="non-200: $non200${statuses:+ ($statuses)}, transport: $transport"
    smoke_failed=1
  fi
  [[ "$(f rows)" != 0 ]] || smoke_failed=1
  repeated=$(f repeated_rows)
  [[ "$repeated" == 0 ]] || errors+=" (repeated rows: $repeated)"
  cpu_per_row=$(awk -v c="$(f server_cores)" -v r="$(f rows_per_s)" \
    'BEGIN { if (c >= 0 && r > 0) printf "%.2f", c / r * 1e6; else print "?" }')
  printf '| %s | %.0f | %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$variant" "$(f rows_per_s)" \
    "$(f sent_mb_per_s)" "$(f decoded_mb_per_s)" "$(f sent_bytes_per_row)" "$(f p50_ms)" \
    "$(f p99_ms)" "$(f max_ms)" "$errors" "$(f server_cores) (+$(f server_runqueue_cores))" "$cpu_per_row" "$(f client_cores)" \
    "$(f other_cores)"
done
echo
if [[ -n "${RESULT[ndjson]:-}" ]]; then
  rate=$(json_field "${RESULT[ndjson]}" rows_per_s)
  p99=$(json_field "${RESULT[ndjson]}" p99_ms)
  if awk -v r="$rate" -v p="$p99" -v gr="$GOAL_ROWS_PER_S" -v gp="$GOAL_P99_MS" \
       'BEGIN { exit !(r >= gr && p <= gp) }'; then
    verdict=MET
  else
    verdict=MISSED
  fi
  (( SMOKE )) && verdict="$verdict (smoke run: tiny requests, not a measurement)"
  printf 'Goal (NDJSON): >= %s rows/s with p99 ack <= %s ms: %s (%.0f rows/s = %.2fx, p99 %s ms)\n' \
    "$GOAL_ROWS_PER_S" "$GOAL_P99_MS" "$verdict" "$rate" \
    "$(awk -v r="$rate" -v g="$GOAL_ROWS_PER_S" 'BEGIN { printf "%.2f", r / g }')" "$p99"
fi
if [[ -n "$PROFILE_TXT" ]]; then
  echo
  echo "perf profile of stratad, ${PROFILE_S}s in the middle of the NDJSON run (top symbols, % of samples):"
  echo '```'
  cat "$PROFILE_TXT"
  echo '```'
fi
if (( SMOKE && smoke_failed )); then
  die "smoke run saw failed requests or no acknowledged rows"
fi
