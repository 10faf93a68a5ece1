#!/usr/bin/env bash
# ops/test.sh — build once, run every test suite, print one summary line. CI runs this (via .ci/run).
#
# The last line of output is always the summary that CI reads:
#   tests: N passed, M failed            (", K skipped" is appended when K > 0)
# Exit status is non-zero when M > 0; a build failure, a test project that crashes or a suite that
# cannot run counts as 1 failed. TRX files land in .local/test-results/.
#
# Adding a suite (Node.js gRPC client, Chromium dashboard, ...): write a run_<suite> function that
# runs it, works out its passed/failed/skipped counts, calls `add_counts P F [S]`, and never exits
# the script; then call it in main after the .NET projects.
set -euo pipefail

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESULTS=${TEST_RESULTS_DIR:-$ROOT/.local/test-results}

PASSED=0
FAILED=0
SKIPPED=0

add_counts() {
  PASSED=$((PASSED + $1))
  FAILED=$((FAILED + $2))
  SKIPPED=$((SKIPPED + ${3:-0}))
}

step() { printf '\n=== %s ===\n' "$*"; }

# Whatever ends this script (Ctrl-C, TERM from CI or a person, HUP of a closed terminal), what it started goes with it:
# each long step runs as a background child that `guarded` waits for (a trap runs at once during `wait`, but only
# after a foreground command ends), and the trap stops that child's whole process tree (dotnet test, its testhost,
# the benchmark's processes). The throwaway PostgreSQL of a test host goes with the host (pg.sh start --owner-pid).
CHILD=

descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    printf '%s\n' "$child"
    descendants "$child"
  done
}

stop_tree() {
  local root=$1 pid deadline
  local -a tree
  mapfile -t tree < <(descendants "$root")
  tree=("$root" "${tree[@]}")
  kill -TERM "${tree[@]}" 2>/dev/null || true
  deadline=$((SECONDS + 15))
  for pid in "${tree[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

on_signal() {
  local name=$1 status=$2
  trap - INT TERM HUP
  echo "test.sh: stopped by SIG$name; stopping the running step" >&2
  if [[ -n $CHILD ]]; then
    stop_tree "$CHILD"
  fi
  printf '\ntests: %s passed, %s failed (stopped by SIG%s)\n' "$PASSED" "$((FAILED + 1))" "$name"
  exit "$status"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# guarded CMD... — runs CMD as a background child and waits for it; returns its status. A background child of a
# script starts with SIGINT and SIGQUIT ignored, and every process under it inherits that (a test that stops ops/run.sh
# with Ctrl-C's SIGINT would wait forever): env --default-signal gives CMD the default handling back.
guarded() {
  local rc=0
  env --default-signal=INT,QUIT "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=
  return "$rc"
}

# Prints the summary line last and exits 1 if anything failed.
finish() {
  # MSBuild nodes and the compiler server outlive `dotnet build`; stop them so CI is not left waiting.
  dotnet build-server shutdown >/dev/null 2>&1 || true
  local line="tests: $PASSED passed, $FAILED failed"
  if ((SKIPPED > 0)); then
    line+=", $SKIPPED skipped"
  fi
  printf '\n%s\n' "$line"
  if ((FAILED > 0)); then
    exit 1
  fi
  exit 0
}

# "passed failed skipped" from a TRX file's <Counters/> element. Failed includes error, timeout and
# aborted; skipped is what was not executed. "0 1 0" if the file cannot be read.
trx_counts() {
  python3 - "$1" <<'PY' || echo "0 1 0"
import sys
import xml.etree.ElementTree as ET

try:
    counters = next(e for e in ET.parse(sys.argv[1]).getroot().iter() if e.tag.rsplit("}", 1)[-1] == "Counters")
except (ET.ParseError, OSError, StopIteration) as e:
    print(f"test.sh: cannot read counters from {sys.argv[1]}: {e}", file=sys.stderr)
    print("0 1 0")
    sys.exit(0)

def n(name):
    return int(counters.get(name, "0") or 0)

# VSTest leaves xUnit's skipped tests out of "executed" without always counting them as notExecuted.
skipped = max(n("notExecuted"), n("total") - n("executed"))
print(n("passed"), n("failed") + n("error") + n("timeout") + n("aborted"), skipped)
PY
}

# Debian packages the tests start as real services (python3-aiosmtpd: the SMTP server of the e-mail tests).
# apt-get update runs only when one is missing; failure is reported, and the tests that need it fail loudly.
ensure_packages() {
  local package
  local -a missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "test.sh: installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# ops/client's npm packages (the Node.js client that NodeClientTests runs): `npm ci` when node_modules is
# missing or package-lock.json changed since the last install (a copy of the lock in node_modules is the stamp).
ensure_node_client() {
  local lock=ops/client/package-lock.json stamp=ops/client/node_modules/.test-sh-package-lock.json
  cmp -s "$lock" "$stamp" && return 0
  npm ci --prefix ops/client --no-audit --no-fund && cp "$lock" "$stamp"
}

# playwright-core for the dashboard browser tests (it drives Debian's chromium; no browser is downloaded): `npm ci`
# when node_modules is missing or the lock changed, with the same stamp as ensure_node_client.
ensure_dashboard_browser() {
  local dir=tests/ComplaintGrpc.IntegrationTests/Dashboard/browser
  local lock=$dir/package-lock.json stamp=$dir/node_modules/.test-sh-package-lock.json
  cmp -s "$lock" "$stamp" && return 0
  npm ci --prefix "$dir" --no-audit --no-fund && cp "$lock" "$stamp"
}

# ops/buf's npm packages (buf, and google-proto-files for google/api): `npm ci` when the lock changed, as above.
ensure_buf() {
  local lock=ops/buf/package-lock.json stamp=ops/buf/node_modules/.test-sh-package-lock.json
  cmp -s "$lock" "$stamp" && return 0
  npm ci --prefix ops/buf --no-audit --no-fund && cp "$lock" "$stamp"
}

# buf lint and buf breaking of protos/ (ops/buf/check.sh; rules in buf.yaml): one test each, failed on any finding.
run_contract_checks() {
  local check
  for check in lint breaking; do
    step "buf $check (ops/buf/check.sh $check)"
    if guarded ops/buf/check.sh "$check"; then
      add_counts 1 0
    else
      echo "test.sh: buf $check failed; see its findings above" >&2
      add_counts 0 1
    fi
  done
}

# run_dotnet_test_project PROJECT [NAME FILTER] — NAME (default: the project's) names the step and its TRX file.
run_dotnet_test_project() {
  local project=$1 name=${2:-} filter=${3:-} rc=0 passed failed skipped
  [[ -n $name ]] || name=$(basename "$project" .csproj)
  local -a filter_args=()
  [[ -z $filter ]] || filter_args=(--filter "$filter")
  step "dotnet test $name${filter:+ ($filter)}"
  # --blame-hang-timeout: a hung test is killed (counted failed) instead of eating CI's 90 minutes.
  guarded dotnet test "$project" --no-build -c Release "${filter_args[@]}" \
    --logger "trx;LogFileName=$name.trx" \
    --logger "console;verbosity=normal" \
    --results-directory "$RESULTS" \
    --blame-hang-timeout 10m --blame-hang-dump-type none || rc=$?

  if [[ ! -f $RESULTS/$name.trx ]]; then
    echo "test.sh: $name wrote no $name.trx (exit $rc); counting it as 1 failed" >&2
    add_counts 0 1
    return 0
  fi
  read -r passed failed skipped < <(trx_counts "$RESULTS/$name.trx")
  if ((rc != 0 && failed == 0)); then
    echo "test.sh: $name exited $rc but its trx shows no failed test (crashed or aborted run); counting 1 failed" >&2
    failed=1
  fi
  echo "test.sh: $name: $passed passed, $failed failed, $skipped skipped" >&2
  add_counts "$passed" "$failed" "$skipped"
}

# The benchmark harness in its small form (ops/bench.sh --quick): 1 passed when it ran end to end and printed its
# table, 1 failed otherwise. Speed is not asserted here; the figures are for reading, not for passing.
run_bench_quick() {
  step "ops/bench.sh --quick"
  local out=$RESULTS/bench-quick.txt rc=0
  guarded bash -c 'set -o pipefail; timeout 600 ops/bench.sh --quick --no-build 2>&1 | tee "$1"' bench "$out" || rc=$?
  if ((rc == 0)) && grep -q '^| bench | what | figure |' "$out"; then
    add_counts 1 0
  else
    echo "test.sh: ops/bench.sh --quick did not run end to end (exit $rc); see $out and .local/bench/" >&2
    add_counts 0 1
  fi
}

main() {
  cd "$ROOT"
  rm -rf "$RESULTS"
  mkdir -p "$RESULTS"

  step "PostgreSQL server binaries"
  if ! ops/pg.sh ensure-installed; then
    echo "test.sh: PostgreSQL is not available" >&2
    add_counts 0 1
    finish
  fi

  step "Debian packages for the tests"
  ensure_packages python3-aiosmtpd || echo "test.sh: could not install python3-aiosmtpd; the e-mail tests will fail" >&2
  # chromium: the backlog report's HTML is opened in it headless (tests/…/Reports/ReportHtmlBrowserTests.cs), and the
  # Hangfire dashboard is driven in it through playwright-core (tests/…/Dashboard/DashboardBrowserTests.cs); both fail,
  # never skip, without it. Their screenshots land beside the TRX files.
  ensure_packages chromium || echo "test.sh: could not install chromium; the report and dashboard browser tests will fail" >&2
  # fonts-noto-cjk: without CJK fonts Chromium draws Chinese as empty boxes; the monthly report's browser test
  # (tests/…/Reports/AnalysisReportBrowserTests.cs) compares rendered glyphs and fails without them.
  ensure_packages fonts-noto-cjk || echo "test.sh: could not install fonts-noto-cjk; the monthly report's browser test will fail" >&2
  export REPORT_SCREENSHOT_DIR=$RESULTS/reports
  # The Python caller suite (ops/client/python, run by tests/…/Clients/PythonClientTests.cs with /usr/bin/python3): Debian's
  # gRPC runtime and stub generator; its google/rpc protos come from ops/client's npm packages (next step).
  ensure_packages python3-grpcio python3-grpc-tools || echo "test.sh: could not install python3-grpcio python3-grpc-tools; the Python client tests will fail" >&2

  step "npm ci --prefix ops/client"
  if ! ensure_node_client; then
    echo "test.sh: npm ci --prefix ops/client failed; counting 1 failed (the Node.js client tests will fail too)" >&2
    add_counts 0 1
  fi

  step "npm ci for the dashboard browser tests"
  if ! ensure_dashboard_browser; then
    echo "test.sh: npm ci in tests/ComplaintGrpc.IntegrationTests/Dashboard/browser failed; counting 1 failed (the dashboard browser tests will fail too)" >&2
    add_counts 0 1
  fi

  step "npm ci --prefix ops/buf"
  if ensure_buf; then
    run_contract_checks
  else
    echo "test.sh: npm ci --prefix ops/buf failed; counting buf lint and buf breaking as failed" >&2
    add_counts 0 2
  fi

  step "dotnet build ComplaintGrpc.sln -c Release"
  if ! guarded dotnet build ComplaintGrpc.sln -c Release; then
    echo "test.sh: build failed" >&2
    add_counts 0 1
    finish
  fi

  # Every tests/*/*.csproj: the fast tier first (tests/*.Tests: Domain.Tests, Server.Tests, ...; no database, no sockets,
  # [assembly: AssemblyTrait("Tier", "Fast")]), then the rest (IntegrationTests) in name order.
  local project
  local -a projects=()
  shopt -s nullglob
  for project in tests/*.Tests/*.csproj; do projects+=("$project"); done
  for project in tests/*/*.csproj; do
    [[ $project == tests/*.Tests/* ]] || projects+=("$project")
  done
  shopt -u nullglob
  # The fault suite (tests/…/Faults, trait Suite=Faults: real server and worker processes killed, PostgreSQL stopped
  # under load) runs on its own after the rest of its project, so its processes do not compete with other tests.
  for project in "${projects[@]}"; do
    if [[ $project == */ComplaintGrpc.IntegrationTests.csproj ]]; then
      run_dotnet_test_project "$project" ComplaintGrpc.IntegrationTests 'Suite!=Faults'
      run_dotnet_test_project "$project" ComplaintGrpc.FaultSuite 'Suite=Faults'
    else
      run_dotnet_test_project "$project"
    fi
  done

  # Later suites go here, one step each, e.g.: run_node_client_tests; run_dashboard_tests
  run_bench_quick

  finish
}

main "$@"
