#!/usr/bin/env bash
# Publishes the hosts for deployment (the systemd units in ops/deploy/systemd expect them in /opt/complaintgrpc/<host>):
#   OUT/framework-dependent/{server,worker}      needs the ASP.NET Core 10 runtime on the target
#   OUT/self-contained-linux-x64/{server,worker} carries its own runtime; needs nothing installed
# Usage: ops/publish.sh [--out DIR] [--framework-dependent-only] [--no-build] [server] [worker]
#   --out DIR                  default .local/publish
#   --framework-dependent-only skip the self-contained publish (the deployment tests use this)
#   --no-build                 publish what `dotnet build -c Release` already built (framework-dependent only)
#   server, worker             which hosts (default both)
# The self-contained server is checked by starting it with no runtime on PATH or DOTNET_ROOT and no database setting:
# it must run and stop on its own settings check, naming ConnectionStrings:Complaints.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.local/publish"
self_contained=1
build_args=()
hosts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --framework-dependent-only) self_contained=0; shift ;;
    --no-build) build_args=(--no-build); self_contained=0; shift ;;
    server|worker) hosts+=("$1"); shift ;;
    *) echo "usage: ops/publish.sh [--out DIR] [--framework-dependent-only] [--no-build] [server] [worker]" >&2; exit 2 ;;
  esac
done
[[ ${#hosts[@]} -gt 0 ]] || hosts=(server worker)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

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

if [[ " ${hosts[*]} " == *" server "* ]]; then
  check="$(cd /tmp && env -i PATH=/usr/bin:/bin HOME=/tmp DOTNET_ROOT=/nonexistent DOTNET_ENVIRONMENT=Production \
    Auth__SigningKey="$(head -c 32 /dev/zero | base64)" \
    timeout 60 "$out/self-contained-linux-x64/server/ComplaintGrpc.Server" 2>&1 || true)"
  if grep -q "ConnectionStrings:Complaints" <<<"$check"; then
    echo "self-contained server: runs without an installed runtime (stopped on its settings check, as expected)"
  else
    echo "publish: the self-contained server did not reach its settings check:" >&2
    tail -20 <<<"$check" >&2
    exit 1
  fi
fi
