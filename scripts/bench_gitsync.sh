#!/usr/bin/env bash
# Measures Acervo's mirror syncs against the git CLI on the same
# repositories served over loopback HTTP (git http-backend), in one run:
#   - no-change sync of 200 repositories vs a `git ls-remote` loop (target ≤ 1.2×)
#   - first mirror of a 5,000-commit, 200-tag repository vs `git clone --mirror` (≤ 1.3×)
#   - fetch after 20 new commits vs `git fetch` (≤ 1.3×)
#   - peak memory of each (≤ 2× the CLI's)
# Wall time is the median of --reps runs, with each run, the median of the
# ratios of each run to the git run just before it ("paired", steadier when
# the machine's load changes) and the load average; CPU time and peak memory
# come from /usr/bin/time (the measured process and its children; the memory
# floor of the acervo process with the store open is printed too). The first
# mirror goes into a data directory whose store already exists.
#
# With -real first, the acervo executable itself is built the same way and
# its `acervo sync` is measured: the same code as the default child-sync,
# with everything else acervo links (its start-up and memory included).
#
# Usage: scripts/bench_gitsync.sh [-real] [-repos 200] [-commits 5000] [-tags 200] [-reps 3]
#                                 [-concurrency 1] [-fetcher cli|gogit] [-json FILE] [-work DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v git >/dev/null || { echo "bench_gitsync: git is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_gitsync: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
bin="$(mktemp -d)/benchcmd"
trap 'rm -rf "$(dirname "$bin")"' EXIT
# Built as the Dockerfile builds acervo (static, no cgo, stripped): the
# measured process's memory includes its executable's pages.
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin" ./gitsync/internal/benchcmd
if [ "${1:-}" = "-real" ]; then
	shift
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$(dirname "$bin")/acervo" .
	set -- -acervo "$(dirname "$bin")/acervo" "$@"
fi
"$bin" "$@"
