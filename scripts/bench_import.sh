#!/usr/bin/env bash
# bench_import.sh — time `acervo import` of a generated SECOP II CSV into the
# embedded store against sqlite3's `.import` of the same file into one table.
#
#   scripts/bench_import.sh [ROWS]      (default 1000000; ACERVO_BENCH_ROWS too)
#
# Prints rows/s, the ratio to sqlite3 and the peak RSS of each, and one JSON
# line {"bench":"import",...} for scripts/bench to collect. Targets: ≤ 3×
# sqlite3's time, ≥ 50,000 rows/s, peak ≤ 500 MB. Exits 0 even when a target
# is missed (it reports; it does not judge); 2 when it cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-${ACERVO_BENCH_ROWS:-1000000}}"
WORK="${ACERVO_BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$WORK"
trap '[ -z "${ACERVO_BENCH_KEEP:-}" ] && rm -rf "$WORK"' EXIT

if ! command -v sqlite3 >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
  fi
fi
command -v sqlite3 >/dev/null || { echo "bench_import: sqlite3 is not installed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_import: /usr/bin/time (GNU time) is needed for peak memory" >&2; exit 2; }

go build -o "$WORK/acervo" . 
CSV="$WORK/contratos.csv"
if [ ! -s "$CSV" ]; then
  echo "bench_import: generating $ROWS rows…" >&2
  go run ./procurement/internal/gencsv/cmd/gencsv -n "$ROWS" -o "$CSV"
fi
SIZE=$(stat -c %s "$CSV")

# peak RSS (kB) and wall seconds of a command, from GNU time.
measure() { # out-prefix command...
  local pfx=$1; shift
  /usr/bin/time -f '%e %M' -o "$WORK/$pfx.time" "$@" >"$WORK/$pfx.out" 2>"$WORK/$pfx.err" || {
    echo "bench_import: $pfx failed:" >&2; tail -5 "$WORK/$pfx.err" >&2; exit 2; }
  read -r "${pfx}_secs" "${pfx}_kb" < "$WORK/$pfx.time"
}

rm -rf "$WORK/data" "$WORK/ref.db"
measure acervo "$WORK/acervo" import secop2 "$CSV" --data "$WORK/data" --json
measure sqlite sqlite3 "$WORK/ref.db" -cmd ".mode csv" ".import $CSV contratos"

stored=$(sqlite3 "$WORK/data/acervo.db" "select count(*) from purchases" 2>/dev/null || echo "?")
ref=$(sqlite3 "$WORK/ref.db" "select count(*) from contratos")
summary=$(tail -1 "$WORK/acervo.out")
rate=$(awk -v r="$ROWS" -v s="$acervo_secs" 'BEGIN{printf "%.0f", r/s}')
srate=$(awk -v r="$ROWS" -v s="$sqlite_secs" 'BEGIN{printf "%.0f", r/s}')
ratio=$(awk -v a="$acervo_secs" -v b="$sqlite_secs" 'BEGIN{printf "%.2f", a/b}')
cat >&2 <<REPORT
file:    $CSV ($ROWS rows, $((SIZE / 1048576)) MiB)
acervo:  ${acervo_secs}s, $rate rows/s, peak $((acervo_kb / 1024)) MiB, stored $stored, $summary
sqlite3: ${sqlite_secs}s, $srate rows/s, peak $((sqlite_kb / 1024)) MiB, rows $ref
ratio:   ${ratio}× sqlite3 (targets: ≤ 3×, ≥ 50000 rows/s, ≤ 500 MiB)
REPORT
printf '{"bench":"import","rows":%s,"bytes":%s,"acervo_seconds":%s,"acervo_rows_per_second":%s,"acervo_peak_mib":%s,"sqlite3_seconds":%s,"sqlite3_rows_per_second":%s,"sqlite3_peak_mib":%s,"ratio":%s}\n' \
  "$ROWS" "$SIZE" "$acervo_secs" "$rate" "$((acervo_kb / 1024))" "$sqlite_secs" "$srate" "$((sqlite_kb / 1024))" "$ratio"
