#!/usr/bin/env bash
# ops/buf/check.sh lint|breaking — buf lint and buf breaking for protos/ (config: buf.yaml at the repository root).
#
# breaking compares the working tree's protos with the contract of a base commit:
#   - BUF_AGAINST (any git revision) when set;
#   - on main (or a detached HEAD, as in CI's clone of main): HEAD~1, main before its last commit (the first parent,
#     so after a merge it is main before the merge);
#   - on another branch: the merge-base with main, the main the branch started from.
# A shallow clone is deepened by one commit when the base is missing. An incompatible change (FILE category: wire,
# JSON and generated source) fails; a new version package (complaints/v2) is new files and breaks nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUF=$ROOT/ops/buf/node_modules/.bin/buf
cd "$ROOT"

if [[ ! -x $BUF ]]; then
  echo "check.sh: $BUF is missing; run npm ci --prefix ops/buf" >&2
  exit 2
fi

base_revision() {
  if [[ -n ${BUF_AGAINST:-} ]]; then
    echo "$BUF_AGAINST"
    return
  fi
  local branch
  branch=$(git symbolic-ref --quiet --short HEAD || true)
  if [[ -z $branch || $branch == main ]]; then
    echo "HEAD~1"
  elif git rev-parse --verify --quiet main >/dev/null; then
    git merge-base HEAD main
  else
    echo "HEAD~1"
  fi
}

breaking() {
  local base commit tmp rc=0
  base=$(base_revision)
  if ! commit=$(git rev-parse --verify --quiet "$base^{commit}"); then
    if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
      echo "check.sh: $base is not in this shallow clone; fetching one more commit" >&2
      git fetch --quiet --deepen=1 || true
    fi
    commit=$(git rev-parse --verify --quiet "$base^{commit}") || {
      echo "check.sh: cannot resolve the base revision $base (set BUF_AGAINST to compare with another)" >&2
      return 2
    }
  fi
  echo "check.sh: buf breaking against $base ($(git log -1 --format='%h %s' "$commit"))"

  if ! git cat-file -e "$commit:buf.yaml" 2>/dev/null; then
    # The rules start with the commit that adds buf.yaml: that commit also renamed fields added the same day and not
    # yet in a release (AIP-142 names), which a comparison with the commit before it would report.
    echo "check.sh: the base has no buf.yaml (it predates the contract's rules); nothing to compare with"
    return 0
  fi

  tmp=$(mktemp -d)
  # The base's contract is built into an image in a temporary folder: its files as committed, with today's
  # node_modules for the google protos it imports (git keeps no node_modules).
  git archive "$commit" protos buf.yaml | tar -x -C "$tmp"
  mkdir -p "$tmp/ops/buf"
  ln -s "$ROOT/ops/buf/node_modules" "$tmp/ops/buf/node_modules"
  "$BUF" build "$tmp/protos" -o "$tmp/against.binpb" || rc=$?
  if ((rc == 0)); then
    "$BUF" breaking protos --against "$tmp/against.binpb" || rc=$?
  fi
  rm -rf "$tmp"
  return "$rc"
}

case ${1:-} in
  lint) "$BUF" lint ;;
  breaking) breaking ;;
  *)
    echo "usage: ops/buf/check.sh lint|breaking" >&2
    exit 2
    ;;
esac
