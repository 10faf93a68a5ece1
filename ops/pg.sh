#!/usr/bin/env bash
# ops/pg.sh — the one place that knows how to run a private, throwaway PostgreSQL cluster.
#
#   ops/pg.sh ensure-installed        find the server binaries; apt-get install postgresql-15 if missing
#   ops/pg.sh start [--owner-pid PID] DATADIR PORT
#                                     initdb if needed, start; prints ONE line: the Npgsql connection string.
#                                     --owner-pid: destroy the cluster once process PID has exited
#   ops/pg.sh stop [--fast] DATADIR   immediate stop (a throwaway cluster); --fast: a clean shutdown, so the
#                                     next start needs no crash recovery (a person's own database); quiet if not running
#   ops/pg.sh destroy DATADIR         stop, then delete the cluster (and DATADIR's symlink, if any)
#   ops/pg.sh status DATADIR          exit 0 and print the connection string if running, exit 3 if not
#   ops/pg.sh bindir                  print the directory holding initdb/pg_ctl/postgres/psql
#
# Only the connection string goes to stdout; every other message goes to stderr.
#
# Sessions and CI run as root, and initdb/postgres refuse to run as root, so the cluster belongs to
# the `postgres` system user (runuser, or setpriv where runuser is missing). When this script is not
# run as root it runs them as the current user instead.
#
# Clusters made here are for development and tests only: authentication is `trust` on 127.0.0.1 and
# durability is switched off (fsync, synchronous_commit, full_page_writes). A machine crash can
# corrupt them; never point anything that matters at one.
set -euo pipefail
shopt -s inherit_errexit # errexit also inside $(...), where real_datadir runs

PG_USER=postgres
SELF=$(readlink -f "${BASH_SOURCE[0]}")
# Longest data dir we put the unix socket in: "<dir>/.s.PGSQL.65535" must fit in sun_path (107 bytes + NUL).
MAX_SOCKET_DIR_LEN=90

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() {
  printf 'pg.sh: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as the cluster owner, from / so that an unreadable working directory (root's home)
# cannot trip initdb or pg_ctl.
as_owner() {
  if ! is_root; then
    (cd / && "$@")
  elif command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$PG_USER" -- "$@")
  else
    (cd / && setpriv --reuid="$PG_USER" --regid="$PG_USER" --init-groups -- "$@")
  fi
}

has_server_bins() { [[ -n $1 && -x $1/initdb && -x $1/pg_ctl && -x $1/postgres ]]; }

# Order: initdb on PATH (its real directory first, so psql sits next to it), pg_config --bindir,
# then /usr/lib/postgresql/*/bin, newest version first.
find_bindir() {
  local c d
  if c=$(command -v initdb 2>/dev/null); then
    for d in "$(dirname "$(readlink -f "$c")")" "$(dirname "$c")"; do
      if has_server_bins "$d"; then
        printf '%s\n' "$d"
        return 0
      fi
    done
  fi
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    if has_server_bins "$d"; then
      printf '%s\n' "$d"
      return 0
    fi
  fi
  while IFS= read -r d; do
    if has_server_bins "$d"; then
      printf '%s\n' "$d"
      return 0
    fi
  done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V -r)
  return 1
}

require_bindir() {
  BINDIR=$(find_bindir) || die "PostgreSQL server binaries not found; run 'ops/pg.sh ensure-installed'"
  if is_root && ! id -u "$PG_USER" >/dev/null 2>&1; then
    die "user '$PG_USER' does not exist (it comes with the postgresql packages)"
  fi
}

cmd_ensure_installed() {
  local d
  if d=$(find_bindir); then
    log "PostgreSQL server binaries in $d"
    return 0
  fi
  is_root || die "PostgreSQL server binaries not found and not root, cannot apt-get install postgresql-15"
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL server binaries not found and no apt-get to install them"
  log "PostgreSQL server binaries not found; installing postgresql-15 with apt-get"
  # Debian's package may also create and start its own "main" cluster on port 5432; nothing here uses it.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2 || die "apt-get update failed"
  apt-get install -y --no-install-recommends postgresql-15 >&2 || die "apt-get install postgresql-15 failed"
  d=$(find_bindir) || die "postgresql-15 installed but initdb/pg_ctl/postgres still not found"
  log "PostgreSQL server binaries in $d"
}

# Can the cluster owner reach (search) directory $1?
owner_can_traverse() { as_owner test -x "$1" 2>/dev/null; }

# The directory the cluster really lives in, for a requested DATADIR.
#
# The cluster owner must be able to traverse every parent of its data directory, and the unix socket
# path must stay short. A repository cloned under a root-only home (/root is 0700 in CI) fails the
# first rule. Rather than opening up permissions on someone's home directory, such a data dir is
# relocated: the cluster lives in /var/tmp/pg.sh-<hash of the requested path> (same path every time,
# so a dev cluster survives restarts) and DATADIR becomes a symlink to it. Root reads logs through
# the symlink; pg_ctl and postgres are always given the real path. /tmp and /var/tmp are world-
# traversable on every Debian machine, so no chmod of anyone's parent directories is ever needed.
#
# With create=1 the directory is created (owned by the cluster owner, mode 0700); with create=0
# nothing is touched and the path is printed whether or not it exists.
real_datadir() {
  local req=$1 create=$2 parent target
  [[ $req == /* ]] || req=$PWD/$req
  # Normalise the parents but not the last component, which may be our own symlink.
  req=$(readlink -m "$(dirname "$req")")/$(basename "$req")
  if [[ -L $req ]]; then
    target=$(readlink -m "$req")
  else
    parent=$(dirname "$req")
    if [[ $create == 1 ]]; then
      mkdir -p "$parent" || die "cannot create $parent"
    fi
    if [[ -e $req && ! -d $req ]]; then
      die "$req exists and is not a directory"
    fi
    if { [[ ! -d $parent ]] || owner_can_traverse "$parent"; } && ((${#req} <= MAX_SOCKET_DIR_LEN)); then
      target=$req
    else
      target=/var/tmp/pg.sh-$(printf '%s' "$req" | sha256sum | cut -c1-16)
      [[ -d /var/tmp ]] || target=/tmp/${target#/var/tmp/}
      if [[ $create == 1 ]]; then
        if [[ -d $req ]]; then
          # Only an empty directory may be swapped for the symlink; never move someone's cluster.
          rmdir "$req" 2>/dev/null ||
            die "$req is not traversable by '$PG_USER' (or its path is too long for a unix socket) and is not empty; move it away or pick another data dir"
        fi
        log "'$PG_USER' cannot use $req directly (untraversable parent or long path); cluster lives in $target, $req links to it"
        ln -s "$target" "$req"
      fi
    fi
  fi
  if [[ $create == 1 ]]; then
    if [[ ! -d $target ]]; then
      mkdir -p "$target" || die "cannot create $target"
    elif is_root && [[ $(stat -c %U "$target") != "$PG_USER" && $(stat -c %U "$target") != root ]]; then
      die "$target exists but belongs to $(stat -c %U "$target"), not $PG_USER"
    fi
    if is_root; then
      chown "$PG_USER:" "$target"
    fi
    chmod 0700 "$target"
    owner_can_traverse "$target" || die "'$PG_USER' cannot traverse $target"
  fi
  printf '%s\n' "$target"
}

conn_string() { printf 'Host=127.0.0.1;Port=%s;Username=postgres;Database=postgres\n' "$1"; }

is_running() { as_owner "$BINDIR/pg_ctl" status -D "$1" >/dev/null 2>&1; }

# The port a running cluster listens on (line 4 of postmaster.pid).
running_port() { sed -n 4p "$1/postmaster.pid" 2>/dev/null; }

conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# Process start time (field 22 of /proc/PID/stat), so that a reused PID is not mistaken for the owner.
proc_start_time() { { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null || true; } | cut -d' ' -f20; }

# A detached watcher (own session, no inherited pipes, parent is init once we exit) that destroys the
# cluster when the owner process is gone, however it ended: a test host that never disposes, is killed
# by a hang timeout or by Ctrl-C does not leave a postmaster or a data dir behind.
spawn_owner_watch() {
  local owner=$1 started=$2 req=$3
  (
    cd /
    exec setsid bash -c '
      while [[ $(sed "s/.*) //" "/proc/$1/stat" 2>/dev/null | cut -d" " -f20) == "$2" ]]; do sleep 2; done
      exec "$3" destroy "$4"' pg.sh-owner-watch "$owner" "$started" "$SELF" "$req"
  ) </dev/null >/dev/null 2>&1 &
}

cmd_start() {
  local owner= owner_started=
  if [[ ${1:-} == --owner-pid ]]; then
    [[ ${2:-} =~ ^[0-9]+$ ]] || usage
    owner=$2
    shift 2
    owner_started=$(proc_start_time "$owner")
    [[ -n $owner_started ]] || die "owner process $owner does not exist"
  fi
  [[ $# -eq 2 ]] || usage
  local req=$1 port=$2 data actual
  [[ $port =~ ^[0-9]{1,5}$ ]] && ((10#$port > 0 && 10#$port < 65536)) || die "bad port '$port'"
  port=$((10#$port))
  require_bindir
  data=$(real_datadir "$req" 1)

  if [[ ! -f $data/PG_VERSION ]]; then
    log "initdb $data"
    local out
    if ! out=$(as_owner "$BINDIR/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync 2>&1); then
      printf '%s\n' "$out" >&2
      die "initdb failed for $data"
    fi
    # Settings are rewritten on every start (port may change); postgresql.conf just includes them.
    printf "\n# Written by ops/pg.sh\ninclude_if_exists = 'pg_sh.conf'\n" >>"$data/postgresql.conf"
  fi

  if is_running "$data"; then
    actual=$(running_port "$data")
    log "already running in $data on port ${actual:-$port}"
    if [[ -n $actual && $actual != "$port" ]]; then
      log "warning: asked for port $port, but the running cluster uses $actual"
    fi
    if [[ -n $owner ]]; then
      spawn_owner_watch "$owner" "$owner_started" "$req"
    fi
    conn_string "${actual:-$port}"
    return 0
  fi

  # Throwaway/dev cluster: speed over durability (see the header). The unix socket goes in the data
  # dir itself, so clusters never collide on /var/run/postgresql or each other's sockets.
  cat >"$data/pg_sh.conf" <<EOF
# Written by ops/pg.sh on every start; edits are lost.
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = $(conf_quote "$data")
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  if is_root; then
    chown "$PG_USER:" "$data/pg_sh.conf"
  fi

  # Ended (Ctrl-C, TERM, HUP) between starting the postmaster and handing it to its owner's watch: stop it again,
  # so an interrupted start never leaves a cluster nobody will stop.
  trap 'as_owner "$BINDIR/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true; exit 130' INT TERM HUP
  log "starting PostgreSQL in $data on 127.0.0.1:$port (log: $data/postgres.log)"
  # -l sends the server's stdout/stderr to the log file, so callers reading our pipes are not held open.
  if ! as_owner "$BINDIR/pg_ctl" -D "$data" -l "$data/postgres.log" -w -t 60 start >&2; then
    log "pg_ctl start failed; last lines of $data/postgres.log:"
    tail -n 30 "$data/postgres.log" >&2 2>/dev/null || true
    exit 1
  fi
  if [[ -n $owner ]]; then
    spawn_owner_watch "$owner" "$owner_started" "$req"
  fi
  trap - INT TERM HUP
  conn_string "$port"
}

cmd_stop() {
  local mode=immediate
  if [[ ${1:-} == --fast ]]; then
    mode=fast
    shift
  fi
  [[ $# -eq 1 ]] || usage
  local data
  require_bindir
  data=$(real_datadir "$1" 0)
  [[ -f $data/PG_VERSION ]] || return 0
  if is_running "$data"; then
    # fast: sessions are ended and a shutdown checkpoint written (can take a while after a large load, hence -t);
    # immediate: no checkpoint, so the next start replays the WAL (crash recovery): right only for throwaway data.
    as_owner "$BINDIR/pg_ctl" -D "$data" -m "$mode" -w -t 300 stop >&2
  fi
}

cmd_destroy() {
  [[ $# -eq 1 ]] || usage
  local req=$1 data
  [[ $req == /* ]] || req=$PWD/$req
  req=$(readlink -m "$(dirname "$req")")/$(basename "$req")
  cmd_stop "$req"
  data=$(real_datadir "$req" 0)
  if [[ -d $data ]]; then
    # Never rm -rf something that is not a cluster (or an empty dir): DATADIR could be a typo.
    if [[ -f $data/PG_VERSION || -z $(ls -A "$data") ]]; then
      rm -rf "$data"
    else
      die "$data does not look like a PostgreSQL data dir (no PG_VERSION); not deleting it"
    fi
  fi
  if [[ -L $req ]]; then
    rm -f "$req"
  fi
}

cmd_status() {
  [[ $# -eq 1 ]] || usage
  local data
  require_bindir
  data=$(real_datadir "$1" 0)
  if [[ -f $data/PG_VERSION ]] && is_running "$data"; then
    conn_string "$(running_port "$data")"
    return 0
  fi
  return 3
}

main() {
  [[ $# -ge 1 ]] || usage
  local sub=$1
  shift
  case $sub in
    ensure-installed) [[ $# -eq 0 ]] || usage; cmd_ensure_installed ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    destroy) cmd_destroy "$@" ;;
    status) cmd_status "$@" ;;
    bindir) [[ $# -eq 0 ]] || usage; require_bindir; printf '%s\n' "$BINDIR" ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
