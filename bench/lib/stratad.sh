#!/usr/bin/env bash
# One way to start a benchmark stratad, create the TSBS `cpu` dataset and wait until a load has
# settled; used by bench/ingest/run.sh and bench/query/run.sh (which source this file) and by
# bench/run, the benchmark against peers (which runs it as a command).
#
# Sourced, it defines:
#   STRATAD_CPU_SPEC            the cpu dataset: 21 fields (time, 10 string tags, 10 int64
#                               usage_*), sort_key [hostname, time], partition_by day
#   stratad_launch BIN DATA LOG KEY [--set k=v ...]
#                               starts BIN on 127.0.0.1:0 with an empty DATA dir, log level warn,
#                               STRATA_BOOTSTRAP_KEY=KEY, prefixed by the array PRIORITY when set;
#                               sets STRATAD_PID and STRATAD_PORT once it serves (at most 15 s)
#   stratad_create_cpu PORT KEY creates the cpu dataset
#   stratad_settle PORT KEY PID STABLE_S MAX_S
#                               polls GET /v1/datasets/cpu every second until rows, unflushed rows
#                               and segments are unchanged and PID used < 0.1 core for STABLE_S
#                               seconds in a row (flushes and compactions done), at most MAX_S;
#                               sets STRATAD_SETTLED (1/0), STRATAD_SETTLE_S and STRATAD_STATS
#                               (the dataset's "stats" members, without braces)
# Each function returns non-zero (with a message on stderr) when it fails; none exits.
#
# As a command (what bench/run uses; the server outlives the command, in its own session):
#   stratad.sh start BIN WORKDIR [--set k=v ...]   prints one JSON line {"pid","port","key"}
#   stratad.sh create-cpu PORT KEY
#   stratad.sh settle PORT KEY PID STABLE_S MAX_S  prints {"settled","settle_s","stats":{...}}
# Everything listens on 127.0.0.1 only. Stopping is the caller's: SIGTERM, then SIGKILL.

STRATAD_CPU_SPEC='{"id":"cpu","description":"TSBS devops cpu-only","time_field":"time",'
STRATAD_CPU_SPEC+='"partition_by":"day","sort_key":["hostname","time"],"fields":['
STRATAD_CPU_SPEC+='{"name":"time","type":"timestamp"}'
for _tag in hostname region datacenter rack os arch team service service_version \
            service_environment; do
  STRATAD_CPU_SPEC+=",{\"name\":\"$_tag\",\"type\":\"string\"}"
done
for _field in usage_user usage_system usage_idle usage_nice usage_iowait usage_irq \
              usage_softirq usage_steal usage_guest usage_guest_nice; do
  STRATAD_CPU_SPEC+=",{\"name\":\"$_field\",\"type\":\"int64\"}"
done
STRATAD_CPU_SPEC+=']}'
unset _tag _field

# _stratad_json_field JSON NAME: a number, string or null member of a flat JSON object.
_stratad_json_field() {
  sed -nE "s/.*\"$2\":(\"([^\"]*)\"|([-0-9.]+|null)).*/\2\3/p" <<<"$1" | head -1
}

# _stratad_cpu_seconds PID: CPU seconds (user + system) of PID.
_stratad_cpu_seconds() {
  # Fields after the parenthesised command name: utime is field 14, stime 15.
  sed -E 's/.*\) //' "/proc/$1/stat" 2>/dev/null |
    awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / t }'
}

stratad_launch() {
  local bin=$1 data=$2 log=$3 key=$4
  shift 4
  STRATA_BOOTSTRAP_KEY="$key" ${PRIORITY[@]+"${PRIORITY[@]}"} "$bin" --listen 127.0.0.1:0 \
    --data-dir "$data" --log-level warn "$@" </dev/null >"$log" 2>&1 &
  STRATAD_PID=$!
  STRATAD_PORT=""
  local _
  for _ in $(seq 150); do
    STRATAD_PORT=$(grep -oE 'stratad is serving http://127\.0\.0\.1:[0-9]+' "$log" 2>/dev/null |
                   grep -oE '[0-9]+$' | head -1 || true)
    [[ -n "$STRATAD_PORT" ]] && return 0
    if ! kill -0 "$STRATAD_PID" 2>/dev/null; then
      cat "$log" >&2
      echo "stratad exited during startup" >&2
      return 1
    fi
    sleep 0.1
  done
  cat "$log" >&2
  echo "stratad did not report its port within 15 s" >&2
  return 1
}

stratad_create_cpu() {
  local port=$1 key=$2
  curl -fsS --max-time 10 -o /dev/null -X POST -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' --data "$STRATAD_CPU_SPEC" \
    "http://127.0.0.1:$port/v1/datasets" || { echo "creating dataset cpu failed" >&2; return 1; }
}

stratad_settle() {
  local port=$1 key=$2 pid=$3 stable_s=$4 max_s=$5
  local start stable=0 last_state="" last_cpu cpu state stats second
  start=$(date +%s.%N)
  last_cpu=$(_stratad_cpu_seconds "$pid")
  STRATAD_SETTLED=0
  STRATAD_STATS=""
  for (( second = 0; second < max_s; ++second )); do
    sleep 1
    kill -0 "$pid" 2>/dev/null || { echo "stratad died while settling" >&2; return 1; }
    stats=$(curl -fsS --max-time 10 -H "Authorization: Bearer $key" \
              "http://127.0.0.1:$port/v1/datasets/cpu" | sed -nE 's/.*"stats":\{([^}]*)\}.*/\1/p') ||
      { echo "GET /v1/datasets/cpu failed" >&2; return 1; }
    STRATAD_STATS=$stats
    state="$(_stratad_json_field "{$stats}" rows)/$(_stratad_json_field "{$stats}" unflushed_rows)"
    state+="/$(_stratad_json_field "{$stats}" segments)"
    cpu=$(_stratad_cpu_seconds "$pid")
    if [[ "$state" == "$last_state" ]] &&
       awk -v a="$last_cpu" -v b="$cpu" 'BEGIN { exit !(b - a < 0.1) }'; then
      stable=$(( stable + 1 ))
    else
      stable=0
    fi
    last_state=$state
    last_cpu=$cpu
    if (( stable >= stable_s )); then STRATAD_SETTLED=1; break; fi
  done
  STRATAD_SETTLE_S=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
}

# The command form.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  usage() {
    sed -n '/^# As a command/,/^# Everything listens/p' "$0" >&2
    exit 2
  }
  (( $# >= 1 )) || usage
  command=$1
  shift
  case "$command" in
    start)
      (( $# >= 2 )) || usage
      bin=$1 work=$2
      shift 2
      mkdir -p "$work"
      key="bench_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
      # Its own session, so that it outlives this command and the caller's terminal signals.
      PRIORITY=(setsid)
      stratad_launch "$bin" "$work/data" "$work/stratad.log" "$key" "$@" || exit 1
      printf '{"pid":%s,"port":%s,"key":"%s"}\n' "$STRATAD_PID" "$STRATAD_PORT" "$key"
      ;;
    create-cpu)
      (( $# == 2 )) || usage
      stratad_create_cpu "$1" "$2"
      ;;
    settle)
      (( $# == 5 )) || usage
      stratad_settle "$@"
      printf '{"settled":%s,"settle_s":%s,"stats":{%s}}\n' \
        "$( (( STRATAD_SETTLED )) && echo true || echo false)" "$STRATAD_SETTLE_S" "$STRATAD_STATS"
      ;;
    *) usage ;;
  esac
fi
