#!/usr/bin/env bash
# ops/bench.sh — the benchmark: every figure of issue 8 next to a baseline measured in the same run, on this machine.
#
#   ops/bench.sh            full run: 1,000,000 cases, about 16 minutes on 2 cores; appends a dated section to ops/BENCHMARKS.md
#   ops/bench.sh --quick    10,000 cases, small benches, about 2 minutes; prints the table only (ops/test.sh runs this)
#   options passed on to the harness: --cases N, --storm-rate R (300), --storm-seconds S (120); --record also writes a --quick table;
#   --no-build skips the build (ops/test.sh has just built the solution)
#
# It builds the server, the worker and the harness (ops/bench) in Release, starts its own PostgreSQL through ops/pg.sh
# with durable settings (fsync, synchronous_commit and full_page_writes on, unlike pg.sh's test clusters), makes a JWT
# signing key and mints tokens as ops/mint-token.sh does, and runs the harness, which starts the server and the worker
# as real processes on free loopback ports. Everything it started is stopped on exit, Ctrl-C included.
# Logs: .local/bench/server.log, worker.log, harness.log (replaced on every run).
set -euo pipefail

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONFIGURATION=Release
TFM=net10.0
LOGS=$ROOT/.local/bench

QUICK=0
RECORD=0
BUILD=1
HARNESS_ARGS=()
while (($#)); do
  case $1 in
    --quick) QUICK=1; HARNESS_ARGS+=(--quick) ;;
    --record) RECORD=1 ;;
    --no-build) BUILD=0 ;;
    --cases | --storm-rate | --storm-seconds)
      (($# >= 2)) || { echo "bench.sh: $1 needs a value" >&2; exit 2; }
      HARNESS_ARGS+=("$1" "$2"); shift ;;
    *) echo "usage: ops/bench.sh [--quick] [--record] [--no-build] [--cases N] [--storm-rate R] [--storm-seconds S]" >&2; exit 2 ;;
  esac
  shift
done
((QUICK)) || RECORD=1

say() { printf 'bench.sh: %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/complaints-bench.XXXXXX")
PG_DIR=$WORK/pg
PIDS=$WORK/pids
HARNESS_PID=
: >"$PIDS"

# Stops what this run started: the harness, the server and worker it started (their PIDs are in $PIDS, in case the
# harness itself was killed), the PostgreSQL cluster, and the work folder.
cleanup() {
  trap - INT TERM EXIT
  local pid
  if [[ -n $HARNESS_PID ]] && kill -0 "$HARNESS_PID" 2>/dev/null; then
    kill -TERM "$HARNESS_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$HARNESS_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$HARNESS_PID" 2>/dev/null || true
  fi
  while read -r pid; do
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done <"$PIDS"
  # The PostgreSQL log holds the report's plans (auto_explain, see Benches.ExplainReportAsync).
  cp "$PG_DIR/postgres.log" "$LOGS/postgres.log" 2>/dev/null || true
  "$ROOT/ops/pg.sh" destroy "$PG_DIR" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" || { echo "$port"; return; }
  done
}

cd "$ROOT"
mkdir -p "$LOGS"
rm -f "$LOGS/server.log" "$LOGS/worker.log" "$LOGS/harness.log"

if ((BUILD)); then
  say "building server, worker and harness ($CONFIGURATION)"
  for project in src/ComplaintGrpc.Server/ComplaintGrpc.Server.csproj src/ComplaintGrpc.Worker/ComplaintGrpc.Worker.csproj \
    ops/bench/ComplaintGrpc.Bench.csproj; do
    dotnet build "$project" -c "$CONFIGURATION" -nologo -v quiet >&2
  done
fi

ops/pg.sh ensure-installed
PG_PORT=$(free_port)
CONNECTION=$(ops/pg.sh start --owner-pid $$ "$PG_DIR" "$PG_PORT")
PSQL=$(ops/pg.sh bindir)/psql
psql() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tA "$@"; }
# pg.sh's clusters are for tests and run without durability; postgresql.auto.conf is read after its settings, so these
# win. A bench of durable commits needs fsync and synchronous_commit on; max_wal_size only spaces out checkpoints.
# pg_stat_statements gives the harness its statement profile (statements per submit, per clock acted on), auto_explain
# the report's plans (switched on for one untimed report run only); loading them needs a restart.
psql -c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET synchronous_commit = on" -c "ALTER SYSTEM SET full_page_writes = on" \
  -c "ALTER SYSTEM SET max_wal_size = '4GB'" -c "ALTER SYSTEM SET shared_preload_libraries = pg_stat_statements, auto_explain" >/dev/null
ops/pg.sh stop "$PG_DIR"
CONNECTION=$(ops/pg.sh start "$PG_DIR" "$PG_PORT") # the first start's --owner-pid watch still holds
durable=$(psql -c "SELECT current_setting('fsync') || '/' || current_setting('synchronous_commit') || '/' || current_setting('full_page_writes')")
[[ $durable == on/on/on ]] || { say "could not make PostgreSQL durable (fsync/synchronous_commit/full_page_writes = $durable)"; exit 1; }
psql -c "CREATE DATABASE complaints" >/dev/null
PG_VERSION=$(psql -c "SHOW server_version")
say "PostgreSQL $PG_VERSION on port $PG_PORT, durable ($durable)"

(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$WORK/jwt-signing.key")
export Auth__SigningKeyFile=$WORK/jwt-signing.key
export BENCH_INTAKE_TOKEN BENCH_ADMIN_TOKEN
BENCH_INTAKE_TOKEN=$(ops/mint-token.sh --sub bench-intake --role intake --hours 2)
BENCH_ADMIN_TOKEN=$(ops/mint-token.sh --sub bench-admin --role admin --role supervisor --hours 2)

export BENCH_CONNECTION="${CONNECTION/Database=postgres/Database=complaints}"
export BENCH_SERVER_DLL=$ROOT/src/ComplaintGrpc.Server/bin/$CONFIGURATION/$TFM/ComplaintGrpc.Server.dll
export BENCH_WORKER_DLL=$ROOT/src/ComplaintGrpc.Worker/bin/$CONFIGURATION/$TFM/ComplaintGrpc.Worker.dll
export BENCH_LOGS=$LOGS BENCH_PIDS=$PIDS BENCH_SIGNING_KEY_FILE=$Auth__SigningKeyFile
export BENCH_GRPC_PORT BENCH_ADMIN_PORT
BENCH_GRPC_PORT=$(free_port)
BENCH_ADMIN_PORT=$(free_port)
while [[ $BENCH_ADMIN_PORT == "$BENCH_GRPC_PORT" ]]; do BENCH_ADMIN_PORT=$(free_port); done

TABLE=$WORK/table.md
rc=0
# The machine is shared: its load (1/5/15-minute averages) before and after the run goes into the record.
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
dotnet "ops/bench/bin/$CONFIGURATION/$TFM/ComplaintGrpc.Bench.dll" "${HARNESS_ARGS[@]}" --out "$TABLE" 2> >(tee "$LOGS/harness.log" >&2) &
HARNESS_PID=$!
wait "$HARNESS_PID" || rc=$?
HARNESS_PID=

if [[ ! -s $TABLE ]]; then
  say "the harness wrote no table (exit $rc); see $LOGS/harness.log, server.log, worker.log"
  exit 1
fi

if ((RECORD)); then
  {
    printf '\n## %s UTC — commit %s%s\n\n' "$(date -u '+%Y-%m-%d %H:%M')" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
      "$( ((QUICK)) && echo ' (--quick)')"
    printf 'Machine: %s, %s cores, %s GB RAM; PostgreSQL %s (fsync, synchronous_commit, full_page_writes on); .NET %s.\n' \
      "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(nproc)" \
      "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" "$PG_VERSION" "$(dotnet --version)"
    printf 'Load average (1/5/15 min): %s at the start of the harness, %s at the end.\n\n' "$LOAD_START" "$(cut -d' ' -f1-3 /proc/loadavg)"
    cat "$TABLE"
  } >>"$ROOT/ops/BENCHMARKS.md"
  say "appended the table to ops/BENCHMARKS.md"
fi
say "table printed above (harness exit $rc)"
exit "$rc"
