#!/usr/bin/env bash
# ops/run.sh — start the whole service on this machine for a person: PostgreSQL, the gRPC server and
# the worker. Ctrl-C (or TERM) stops everything this script started.
#
#   ConnectionStrings__Complaints   use this database; otherwise a private cluster is started in
#                                   .local/pg on port 55432 with a database "complaints"
#   GRPC_PORT (5080), ADMIN_PORT (5081)
#   RUN_STATE_DIR (.local)          where the private cluster (pg/), logs/ and secrets/ live
#   RUN_PG_PORT (55432)             the private cluster's port
#   --no-build                      run the hosts as last built (ops/test.sh has built them)
#
# The private PostgreSQL is stopped with a fast, clean shutdown (pg_ctl -m fast), so its next start needs no crash
# recovery however much data it holds.
# The server and the worker apply database migrations themselves when they start.
# Logs: .local/logs/server.log and .local/logs/worker.log (the previous run's are kept as *.log.1);
# they are also followed on this terminal.
set -euo pipefail

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GRPC_PORT=${GRPC_PORT:-5080}
ADMIN_PORT=${ADMIN_PORT:-5081}
STATE=${RUN_STATE_DIR:-$ROOT/.local}
PG_DIR=$STATE/pg
PG_PORT=${RUN_PG_PORT:-55432}
LOGS=$STATE/logs
BUILD=1
READY_TIMEOUT=120
CONFIGURATION=Release
TFM=net10.0

SERVER_PID=
WORKER_PID=
TAIL_PID=
STARTED_PG=0

say() { printf 'run.sh: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

show_log_tail() {
  local f
  for f in "$@"; do
    [[ -f $f ]] || continue
    printf '\n--- last lines of %s ---\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
}

alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }

# Stops what this script started: server and worker (TERM, then KILL after 15 s), the log follower,
# and the private PostgreSQL if this run started it.
cleanup() {
  trap - INT TERM EXIT
  local pid deadline
  for pid in $SERVER_PID $WORKER_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  deadline=$((SECONDS + 15))
  while { alive "$SERVER_PID" || alive "$WORKER_PID"; } && ((SECONDS < deadline)); do
    sleep 0.2
  done
  for pid in $SERVER_PID $WORKER_PID; do
    if alive "$pid"; then
      say "process $pid did not stop in 15 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [[ -n $TAIL_PID ]]; then
    kill "$TAIL_PID" 2>/dev/null || true
  fi
  if ((STARTED_PG)); then
    say "stopping the private PostgreSQL"
    "$ROOT/ops/pg.sh" stop --fast "$PG_DIR" || true
  fi
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_private_postgres() {
  local connection port psql
  "$ROOT/ops/pg.sh" ensure-installed
  if "$ROOT/ops/pg.sh" status "$PG_DIR" >/dev/null 2>&1; then
    say "private PostgreSQL in $PG_DIR is already running; it stays running after this script"
  else
    STARTED_PG=1
  fi
  connection=$("$ROOT/ops/pg.sh" start "$PG_DIR" "$PG_PORT")
  port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$connection")
  [[ -n $port ]] || die "unexpected output from ops/pg.sh start: $connection"

  psql=$("$ROOT/ops/pg.sh" bindir)/psql
  local -a psql_args=(-X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA)
  if [[ $("$psql" "${psql_args[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'complaints'") != 1 ]]; then
    say "creating database complaints"
    "$psql" "${psql_args[@]}" -c "CREATE DATABASE complaints"
  fi
  export ConnectionStrings__Complaints="Host=127.0.0.1;Port=$port;Username=postgres;Database=complaints"
}

# start_host NAME PROJECT [ENV=VALUE...] — runs the built dll from its output folder (the content root,
# where appsettings.json is) in the background, logging to .local/logs/NAME.log. Not called in $(...):
# the process must be this shell's child so that `wait` sees it; the caller reads $!.
start_host() {
  local name=$1 project=$2
  shift 2
  local dir=$ROOT/src/$project/bin/$CONFIGURATION/$TFM log=$LOGS/$name.log
  [[ -f $dir/$project.dll ]] || die "$dir/$project.dll not found after the build"
  if [[ -f $log ]]; then
    mv -f "$log" "$log.1"
  fi
  (cd "$dir" && exec env "$@" dotnet "$project.dll") >"$log" 2>&1 </dev/null &
}

wait_until_ready() {
  local url=http://127.0.0.1:$ADMIN_PORT/health/ready code
  local deadline=$((SECONDS + READY_TIMEOUT))
  say "waiting for $url (up to $READY_TIMEOUT s)"
  while :; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    [[ $code == 200 ]] && return 0
    if ! alive "$SERVER_PID"; then
      say "the server exited during start-up"
      show_log_tail "$LOGS/server.log"
      exit 1
    fi
    if ! alive "$WORKER_PID"; then
      say "the worker exited during start-up"
      show_log_tail "$LOGS/worker.log"
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      say "not ready after $READY_TIMEOUT s (last answer: ${code:-none})"
      show_log_tail "$LOGS/server.log" "$LOGS/worker.log"
      exit 1
    fi
    sleep 0.5
  done
}

main() {
  case ${1:-} in
    "") ;;
    --no-build) BUILD=0 ;;
    *) die "unknown argument '$1' (the only one is --no-build)" ;;
  esac
  cd "$ROOT"
  mkdir -p "$LOGS"

  local port
  for port in "$GRPC_PORT" "$ADMIN_PORT"; do
    # Something already answering there (an earlier run?) would pass the readiness check falsely.
    if port_in_use "$port"; then
      die "port $port is already in use; stop whatever holds it or set GRPC_PORT / ADMIN_PORT"
    fi
  done

  if [[ -z ${ConnectionStrings__Complaints:-} ]]; then
    start_private_postgres
  else
    say "using ConnectionStrings__Complaints from the environment"
  fi

  # --- JWT dev signing key: begin ---
  # With no Auth:Authority or key configured, callers' tokens are signed with a key made for this machine
  # (.local/secrets/jwt-signing.key, 0600, never committed). Mint a token with ops/mint-token.sh.
  if [[ -z ${Auth__Authority:-}${Auth__SigningKey:-}${Auth__SigningKeyFile:-} ]]; then
    local key_file=$STATE/secrets/jwt-signing.key
    mkdir -p "$STATE/secrets"
    chmod 700 "$STATE/secrets"
    if [[ ! -s $key_file ]]; then
      (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$key_file")
      say "made a development JWT signing key in $key_file"
    fi
    export Auth__SigningKeyFile=$key_file
  fi
  # --- JWT dev signing key: end ---

  # --- dashboard dev admin: begin ---
  # With no dashboard account configured, make one for this machine: user "admin" with a random password, printed
  # when it is made and kept in .local/secrets/dashboard-admin.password (0600). Only its hash reaches the server.
  if [[ -z ${Dashboard__Accounts__0__UserName:-} ]]; then
    local secrets=$STATE/secrets
    local password_file=$secrets/dashboard-admin.password hash_file=$secrets/dashboard-admin.hash
    mkdir -p "$secrets"
    chmod 700 "$secrets"
    if [[ ! -s $password_file ]]; then
      (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n' >"$password_file")
      rm -f "$hash_file"
      say "dashboard: made a sign-in for this machine: user admin, password $(<"$password_file")"
      say "dashboard: (shown this once; it stays in $password_file)"
    fi
    if [[ ! -s $hash_file ]]; then
      ((BUILD == 0)) || dotnet build src/ComplaintGrpc.Ctl/ComplaintGrpc.Ctl.csproj -c "$CONFIGURATION" -nologo -v quiet
      (umask 077 && dotnet "src/ComplaintGrpc.Ctl/bin/$CONFIGURATION/$TFM/complaintctl.dll" hash-password \
        <"$password_file" >"$hash_file.tmp" && mv -f "$hash_file.tmp" "$hash_file") || die "could not hash the dashboard password"
    fi
    export Dashboard__Accounts__0__UserName=admin Dashboard__Accounts__0__Role=admin
    Dashboard__Accounts__0__PasswordHash=$(<"$hash_file")
    export Dashboard__Accounts__0__PasswordHash
    say "dashboard: sign in as admin (password in $password_file)"
  fi
  # --- dashboard dev admin: end ---

  if ((BUILD)); then
    say "building (dotnet build -c $CONFIGURATION)"
    dotnet build src/ComplaintGrpc.Server/ComplaintGrpc.Server.csproj -c "$CONFIGURATION" -nologo -v quiet
    dotnet build src/ComplaintGrpc.Worker/ComplaintGrpc.Worker.csproj -c "$CONFIGURATION" -nologo -v quiet
    dotnet build src/ComplaintGrpc.Ctl/ComplaintGrpc.Ctl.csproj -c "$CONFIGURATION" -nologo -v quiet
  fi

  start_host server ComplaintGrpc.Server "Server__GrpcPort=$GRPC_PORT" "Server__AdminPort=$ADMIN_PORT"
  SERVER_PID=$!
  start_host worker ComplaintGrpc.Worker
  WORKER_PID=$!
  # Follow both logs here so start-up errors are seen as they happen.
  tail -n +1 -F "$LOGS/server.log" "$LOGS/worker.log" &
  TAIL_PID=$!

  wait_until_ready

  cat >&2 <<EOF

run.sh: ready
  gRPC (HTTP/2, plaintext)  127.0.0.1:$GRPC_PORT
  admin (HTTP/1.1)          http://127.0.0.1:$ADMIN_PORT/health/ready
  dashboard                 http://127.0.0.1:$ADMIN_PORT/hangfire
  a caller's token          ops/mint-token.sh --sub desk-1 --role supervisor --role admin
  admin tool                dotnet src/ComplaintGrpc.Ctl/bin/$CONFIGURATION/$TFM/complaintctl.dll --help
  database                  $ConnectionStrings__Complaints
  logs                      $LOGS/server.log
                            $LOGS/worker.log
  Ctrl-C stops everything this script started.

EOF

  local rc=0
  wait -n "$SERVER_PID" "$WORKER_PID" || rc=$?
  if ! alive "$SERVER_PID"; then
    say "the server exited (status $rc); stopping"
  else
    say "the worker exited (status $rc); stopping"
  fi
  exit 1
}

main "$@"
