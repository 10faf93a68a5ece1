#!/usr/bin/env bash
# Publishes the hosts for deployment (the systemd units in ops/deploy/systemd expect them in /opt/complaintgrpc/<host>):
#   OUT/framework-dependent/{server,worker}      needs the ASP.NET Core 10 runtime on the target
#   OUT/self-contained-linux-x64/{server,worker} carries its own runtime; needs nothing installed
# Usage: ops/publish.sh [--out DIR] [--framework-dependent-only] [--no-build] [--check-only] [server] [worker]
#   --out DIR                  default .local/publish
#   --framework-dependent-only skip the self-contained publish (the deployment tests use this)
#   --no-build                 publish what `dotnet build -c Release` already built (framework-dependent only)
#   server, worker             which hosts (default both)
#   --check-only               only run the check below on an existing self-contained publish in OUT
# The self-contained server is checked by starting it with no runtime on PATH or DOTNET_ROOT, an unreachable database
# and one setting out of range (Limits__SubmitPerSecond=0): it must run as far as its settings check, which stops it
# naming that setting before it touches the database.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.local/publish"
self_contained=1
check_only=0
build_args=()
hosts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --framework-dependent-only) self_contained=0; shift ;;
    --no-build) build_args=(--no-build); self_contained=0; shift ;;
    --check-only) check_only=1; shift ;;
    server|worker) hosts+=("$1"); shift ;;
    *) echo "usage: ops/publish.sh [--out DIR] [--framework-dependent-only] [--no-build] [--check-only] [server] [worker]" >&2; exit 2 ;;
  esac
done
[[ ${#hosts[@]} -gt 0 ]] || hosts=(server worker)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

check_self_contained_server() {
  local home check
  home="$(mktemp -d)"
  check="$(cd "$home" && env -i PATH=/usr/bin:/bin HOME="$home" DOTNET_ROOT=/nonexistent DOTNET_ENVIRONMENT=Production \
    ConnectionStrings__Complaints="Host=127.0.0.1;Port=1;Database=none" Auth__SigningKey="$(head -c 32 /dev/zero | base64)" \
    Limits__SubmitPerSecond=0 timeout 120 "$out/self-contained-linux-x64/server/ComplaintGrpc.Server" 2>&1 || true)"
  rm -rf "$home"
  if grep -q "OptionsValidationException.*SubmitPerSecond" <<<"$check"; then
    echo "self-contained server: runs with no .NET installed (stopped on its settings check, as it should)"
  else
    echo "publish: the self-contained server did not reach its settings check:" >&2
    grep -v '^ *at ' <<<"$check" | tail -20 >&2
    exit 1
  fi
}
if [[ $check_only == 1 ]]; then check_self_contained_server; exit 0; fi

project() { case "$1" in server) echo "$root/src/ComplaintGrpc.Server/ComplaintGrpc.Server.csproj" ;; worker) echo "$root/src/ComplaintGrpc.Worker/ComplaintGrpc.Worker.csproj" ;; esac; }
binary() { case "$1" in server) echo ComplaintGrpc.Server ;; worker) echo ComplaintGrpc.Worker ;; esac; }

for host in "${hosts[@]}"; do
  dir="$out/framework-dependent/$host"
  rm -rf "$dir"
  dotnet publish "$(project "$host")" -c Release --self-contained false -o "$dir" "${build_args[@]}" --nologo -v quiet
  [[ -x "$dir/$(binary "$host")" ]] || { echo "publish: no $dir/$(binary "$host")" >&2; exit 1; }
  echo "framework-dependent $host: $dir"
done

[[ $self_contained == 1 ]] || exit 0
for host in "${hosts[@]}"; do
  dir="$out/self-contained-linux-x64/$host"
  rm -rf "$dir"
  # Its own bin/obj for every project (--artifacts-path): a runtime-specific restore must not rewrite the assets files
  # the solution's build uses.
  dotnet publish "$(project "$host")" -c Release -r linux-x64 --self-contained true -o "$dir" \
    --artifacts-path "$out/artifacts/$host" --nologo -v quiet
  [[ -f "$dir/libcoreclr.so" ]] || { echo "publish: $dir carries no runtime (libcoreclr.so)" >&2; exit 1; }
  echo "self-contained linux-x64 $host: $dir"
done

if [[ " ${hosts[*]} " == *" server "* ]]; then check_self_contained_server; fi
