#!/usr/bin/env bash
# The contract as packages a caller can depend on, both versioned from ops/pack/VERSION:
#   .local/packages/ComplaintGrpc.Contracts.Client.VERSION.nupkg   messages and gRPC client stubs (no server base classes)
#   .local/packages/complaintgrpc-protos-VERSION.tgz               protos/ as an npm package (npm install ./that.tgz)
# Usage: ops/pack.sh [--out DIR]
# Each package is checked after it is built: the NuGet assembly has the client stubs and no server base class, and the
# tarball has every .proto under protos/. Any miss fails the script.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.local/packages"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    *) echo "usage: ops/pack.sh [--out DIR]" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
version="$(tr -d '[:space:]' < "$root/ops/pack/VERSION")"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "ops/pack/VERSION: '$version' is not a semantic version" >&2; exit 1; }
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# NuGet: its own obj/bin under the temp folder, so nothing the solution builds is touched.
dotnet pack "$root/ops/pack/nuget/ComplaintGrpc.Contracts.Client.csproj" -c Release -p:Version="$version" \
  -p:BaseOutputPath="$work/bin/" -p:PackageOutputPath="$out" --nologo -v quiet
nupkg="$out/ComplaintGrpc.Contracts.Client.$version.nupkg"
[[ -f "$nupkg" ]] || { echo "pack: $nupkg was not made" >&2; exit 1; }
python3 -m zipfile -e "$nupkg" "$work/nupkg"
dll="$work/nupkg/lib/netstandard2.0/ComplaintGrpc.Contracts.Client.dll"
[[ -f "$dll" ]] || { echo "pack: the package has no lib/netstandard2.0 assembly" >&2; exit 1; }
# Type names are in the assembly's metadata string heap: each service's client is there, no service's base class is.
services="$(grep -ho '^service [A-Za-z]*' "$root"/protos/complaints/v1/*.proto | cut -d' ' -f2 | sort -u)"
for service in $services; do
  grep -aq "${service}Client" "$dll" || { echo "pack: no ${service}Client in the NuGet assembly" >&2; exit 1; }
  if grep -aq "${service}Base" "$dll"; then echo "pack: the NuGet assembly has a server base class ${service}Base" >&2; exit 1; fi
done
if grep -aq "BindService" "$dll"; then echo "pack: the NuGet assembly has BindService (server side)" >&2; exit 1; fi
echo "nuget: $nupkg ($(echo $services | wc -w) client stubs, no server base classes)"

# npm: package.json and index.js from ops/pack/npm, the protos copied beside them, the version stamped in.
stage="$work/npm"
mkdir -p "$stage"
cp "$root/ops/pack/npm/package.json" "$root/ops/pack/npm/index.js" "$stage/"
cp -r "$root/protos" "$stage/protos"
(cd "$stage" && npm pkg set version="$version" >/dev/null && npm pack --silent --pack-destination "$out" >/dev/null)
tarball="$out/complaintgrpc-protos-$version.tgz"
[[ -f "$tarball" ]] || { echo "pack: $tarball was not made" >&2; exit 1; }
expected="$(cd "$root" && find protos -name '*.proto' | sort)"
packed="$(tar -tzf "$tarball" | sed -n 's|^package/\(protos/.*\.proto\)$|\1|p' | sort)"
[[ "$expected" == "$packed" ]] || { echo "pack: the tarball's protos differ from protos/:"; diff <(echo "$expected") <(echo "$packed"); exit 1; } >&2
echo "npm: $tarball ($(echo "$packed" | wc -l) .proto files)"
