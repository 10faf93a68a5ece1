#!/usr/bin/env bash
# ops/mint-token.sh — prints a development bearer token for a caller, signed with the key ops/run.sh made
# (.local/secrets/jwt-signing.key) or with Auth__SigningKeyFile / Auth__SigningKey from the environment.
#
#   ops/mint-token.sh --sub desk-1 --role supervisor --role admin                 # may do anything
#   ops/mint-token.sh --sub h-0042 --role handler --unit js-nj-jiangning-dongshan # a handler of one station
#   ops/mint-token.sh --sub intake-95598 --role intake                            # an intake system
#   options: --unit UNIT (bind to a unit subtree), --perm personal_data, --hours 8
#
# Roles: intake, handler, supervisor, inspector, admin, auditor (see ops/README.md, Security).
# Production tokens come from the OIDC authority (Auth__Authority), never from this script.
# It runs `complaintctl mint-token` (src/ComplaintGrpc.Ctl), building the tool first if it is not built.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [[ -z ${Auth__SigningKey:-}${Auth__SigningKeyFile:-} ]]; then
  export Auth__SigningKeyFile=$ROOT/.local/secrets/jwt-signing.key
  [[ -s $Auth__SigningKeyFile ]] || { echo "mint-token.sh: no signing key; run ops/run.sh once, or set Auth__SigningKeyFile" >&2; exit 1; }
fi
dll=$ROOT/src/ComplaintGrpc.Ctl/bin/Release/net10.0/complaintctl.dll
[[ -f $dll ]] || dotnet build "$ROOT/src/ComplaintGrpc.Ctl/ComplaintGrpc.Ctl.csproj" -c Release -nologo -v quiet >&2
exec dotnet "$dll" mint-token "$@"
