#!/usr/bin/env bash
# HTTP front-door benchmark: stratad against a minimal Beast hello-world built in the same run.
# See bench/http/README.md. Run through `make bench-http`, or directly:
#
#   BUILD_DIR=build DURATION=10s bench/http/run.sh
#
# Environment (all optional):
#   BUILD_DIR    CMake build tree (default: build; configured with Ninja if it is not yet)
#   DURATION     wrk measurement per target (default: 10s)
#   WARMUP       wrk warm-up per target, not measured (default: 2s)
#   CONNECTIONS  wrk connections (default: 64)
#   WRK_THREADS  wrk threads (default: 2)
#   IO_THREADS   io threads of both servers (default: the machine's cores, nproc)
#   SKIP_BUILD   1: use the binaries already in BUILD_DIR
#
# Everything listens on 127.0.0.1 only. Every process this script starts is stopped on exit.
# Prints a markdown table and a goal verdict; exits 0 whether or not the goal is met (non-zero
# only when the benchmark itself could not run).
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD_DIR=${BUILD_DIR:-build}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
IO_THREADS=${IO_THREADS:-$(nproc)}
GOAL_RATIO=0.70

die() { echo "bench-http: $*" >&2; exit 1; }

# Seconds in a wrk duration such as 10s, 1m or 10 (no unit means seconds).
seconds_of() {
  case "$1" in
    *s) echo "${1%s}" ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *) echo "$1" ;;
  esac
}
(( $(seconds_of "$DURATION") > 0 && $(seconds_of "$DURATION") <= 600 )) || die "DURATION must be 1s..10m"
(( $(seconds_of "$WARMUP") >= 0 && $(seconds_of "$WARMUP") <= 60 )) || die "WARMUP must be 0s..60s"

# --- tools and binaries ------------------------------------------------------------------------
if ! command -v wrk >/dev/null || ! command -v curl >/dev/null; then
  scripts/setup.sh wrk curl
fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  [[ -f "$BUILD_DIR/build.ninja" ]] || cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$BUILD_DIR" -j2 --target stratad bench_hello_server
fi
STRATAD="$BUILD_DIR/stratad"
HELLO="$BUILD_DIR/bench/bench_hello_server"
[[ -x "$STRATAD" && -x "$HELLO" ]] || die "missing $STRATAD or $HELLO"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)

# --- process bookkeeping -----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-http.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
}
# Sends SIGTERM, waits up to 5 s, then SIGKILL.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# Stops a server this script started and forgets it.
stop_server() {
  local pid=$1 kept=()
  stop_pid "$pid"
  for other in "${PIDS[@]}"; do [[ "$other" == "$pid" ]] || kept+=("$other"); done
  PIDS=("${kept[@]}")
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (up to 10 s) for `pattern` in `file`; prints the first captured port.
wait_for_port() {
  local file=$1 pattern=$2 pid=$3
  for _ in $(seq 100); do
    if port=$(grep -oE "$pattern" "$file" 2>/dev/null | grep -oE '[0-9]+$' | head -1) && [[ -n "$port" ]]; then
      echo "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$file" >&2; die "server exited during startup"; }
    sleep 0.1
  done
  cat "$file" >&2
  die "server did not report its port within 10 s"
}

# bounded SECONDS OUT CMD...: runs CMD with stdout to OUT, killed after SECONDS. It runs in the
# background and the script waits for it, so a SIGINT/SIGTERM reaches the traps at once.
bounded() {
  local limit=$1 out=$2
  shift 2
  timeout "$limit" "$@" >"$out" &
  local pid=$!
  PIDS+=("$pid")
  local rc=0
  wait "$pid" || rc=$?
  local kept=()
  for other in "${PIDS[@]}"; do [[ "$other" == "$pid" ]] || kept+=("$other"); done
  PIDS=("${kept[@]}")
  (( rc == 0 )) || die "'$1' failed or timed out (exit $rc)"
}

# --- wrk ---------------------------------------------------------------------------------------
ROWS=()        # "name|rps|p50|p99|errors"
declare -A RPS ERRS

# run_wrk NAME URL [HEADER]: warm-up, then one measured run; appends a row.
run_wrk() {
  local name=$1 url=$2 header=${3:-}
  local args=(-t"$WRK_THREADS" -c"$CONNECTIONS")
  [[ -n "$header" ]] && args+=(-H "$header")
  local bound=$(( $(seconds_of "$DURATION") + 30 ))
  if (( $(seconds_of "$WARMUP") > 0 )); then
    bounded "$bound" /dev/null wrk "${args[@]}" -d"$WARMUP" "$url"
  fi
  local out="$WORK/wrk-${#ROWS[@]}.txt"
  bounded "$bound" "$out" wrk "${args[@]}" -d"$DURATION" --latency "$url"
  local rps p50 p99 non2xx socket
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  socket=$(sed -n 's/^ *Socket errors: //p' "$out")
  local errors="${non2xx:+non-2xx: $non2xx }${socket:+socket: $socket}"
  [[ -n "$rps" ]] || { cat "$out" >&2; die "could not parse wrk output for $name"; }
  RPS[$name]=$rps
  ERRS[$name]=${errors:--}
  ROWS+=("$name|$rps|$p50|$p99|${errors:--}")
  echo "bench-http: $name: $rps req/s (p50 $p50, p99 $p99)" >&2
}

# --- hello-world baseline ----------------------------------------------------------------------
"$HELLO" 0 "$IO_THREADS" >"$WORK/hello.log" 2>&1 &
hello_pid=$!
PIDS+=("$hello_pid")
hello_port=$(wait_for_port "$WORK/hello.log" 'listening on 127\.0\.0\.1:[0-9]+' "$hello_pid")
run_wrk "hello /" "http://127.0.0.1:$hello_port/"
stop_server "$hello_pid"

# --- stratad -----------------------------------------------------------------------------------
# Any string of 32+ characters that does not start with "strata_" is a valid bootstrap key.
KEY="bench_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
CPU_SPEC='{"id":"cpu","description":"TSBS devops cpu-only","time_field":"time","fields":['
CPU_SPEC+='{"name":"time","type":"timestamp"},{"name":"hostname","type":"string"}'
for field in usage_user usage_system usage_idle usage_nice usage_iowait usage_irq \
             usage_softirq usage_steal usage_guest usage_guest_nice; do
  CPU_SPEC+=",{\"name\":\"$field\",\"type\":\"float64\"}"
done
CPU_SPEC+=']}'

# bench_stratad LEVEL: starts stratad with log.level LEVEL on a fresh data dir, creates the
# dataset, measures /healthz and GET /v1/datasets/cpu, stops it.
bench_stratad() {
  local level=$1
  local data="$WORK/data-$level" log="$WORK/stratad-$level.log"
  STRATA_BOOTSTRAP_KEY="$KEY" "$STRATAD" --listen 127.0.0.1:0 --data-dir "$data" \
    --log-level "$level" --set server.io_threads="$IO_THREADS" \
    --set server.worker_threads="$IO_THREADS" 2>"$log" &
  local pid=$!
  PIDS+=("$pid")
  local port
  port=$(wait_for_port "$log" 'stratad is serving http://127\.0\.0\.1:[0-9]+' "$pid")
  local base="http://127.0.0.1:$port"
  curl -fsS --max-time 5 -o /dev/null -X POST -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' --data "$CPU_SPEC" "$base/v1/datasets" ||
    die "creating dataset cpu failed"
  curl -fsS --max-time 5 -o /dev/null -H "Authorization: Bearer $KEY" "$base/v1/datasets/cpu" ||
    die "GET /v1/datasets/cpu failed"
  run_wrk "stratad /healthz (log $level)" "$base/healthz"
  run_wrk "stratad GET /v1/datasets/cpu (log $level)" "$base/v1/datasets/cpu" "Authorization: Bearer $KEY"
  stop_server "$pid"
  LOG_BYTES[$level]=$(stat -c %s "$log")
}
declare -A LOG_BYTES
bench_stratad warn
bench_stratad info

# --- report ------------------------------------------------------------------------------------
hello_rps=${RPS["hello /"]}
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo
echo "HTTP benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores (${cpu_model:-unknown CPU}), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), build ${build_type:-?}"
echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP); servers: $IO_THREADS io threads; wrk and server share the cores"
echo
echo "| target | requests/s | p50 | p99 | ratio to hello | errors |"
echo "|---|---:|---:|---:|---:|---|"
for row in "${ROWS[@]}"; do
  IFS='|' read -r name rps p50 p99 errors <<<"$row"
  ratio=$(awk -v a="$rps" -v b="$hello_rps" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %.0f | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$ratio" "$errors"
done
echo
echo "stratad log bytes written during its run: warn ${LOG_BYTES[warn]}, info ${LOG_BYTES[info]}"
goal_name="stratad GET /v1/datasets/cpu (log warn)"
ratio=$(awk -v a="${RPS[$goal_name]}" -v b="$hello_rps" 'BEGIN { printf "%.2f", a / b }')
if [[ "${ERRS[$goal_name]}" != - || "${ERRS["hello /"]}" != - ]]; then
  verdict="INVALID (wrk saw errors; see the table)"
elif awk -v r="$ratio" -v g="$GOAL_RATIO" 'BEGIN { exit !(r >= g) }'; then
  verdict="MET"
else
  verdict="MISSED"
fi
echo "Goal: authenticated dataset GET >= $GOAL_RATIO x hello-world req/s: $verdict ($ratio x; log warn)"
