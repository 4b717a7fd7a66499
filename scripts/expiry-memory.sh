#!/usr/bin/env bash
# Does state go away when devices expire? (not part of `mvn verify` or CI)
#
#   scripts/expiry-memory.sh [flink|spark] [devices]       (default: flink 1000000)
#
# Sends 3 signals per device on average (seqs below 3 x devices, at 200,000/s) over the given
# number of devices, with --deviceTimeoutSeconds=20 and 10 s ticks, then nothing more (the
# source runs on, but the test-only --testCountSeqsBelow drops the rest). Every 10 s it prints
# the JVM's heap after a full GC (jcmd GC.run, then jstat) and how many devices have been
# reported and expired so far, for 3 minutes: the heap should rise while devices arrive and
# fall back once they have expired.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

runner=${1:-flink} devices=${2:-1000000}
[[ $runner == flink || $runner == spark || $runner == direct ]] || die "unknown runner '$runner'; use flink or spark"
[[ $devices =~ ^[1-9][0-9]*$ ]] || die "devices must be a positive whole number, got '$devices'"
out=$(mktemp -d)
"$project/scripts/run.sh" "$runner" --help > /dev/null # builds if needed
"$project/scripts/run.sh" "$runner" --output=jsonl --numDevices="$devices" --rowsPerSecond=200000 \
  --testCountSeqsBelow=$((3 * devices)) --deviceTimeoutSeconds=20 --triggerIntervalSeconds=10 \
  --runSeconds=190 > "$out/reports.jsonl" 2> "$out/stderr.log" &
pid=$!
started=$(date +%s)
echo "| seconds | heap after full GC | tick reports so far | expiries so far |"
echo "|---|---|---|---|"
for step in $(seq 1 18); do
  wait_seconds=$((started + step * 10 - $(date +%s)))
  [[ $wait_seconds -gt 0 ]] && sleep $wait_seconds
  kill -0 $pid 2>/dev/null || break
  heap_mb=$(heap_after_full_gc_mb $pid)
  reported=$(grep -c '"tick"' "$out/reports.jsonl" || true)
  expired=$(grep -c '"expired":true' "$out/reports.jsonl" || true)
  printf '| %d | %d MB | %s | %s |\n' $((step * 10)) "$heap_mb" "$reported" "$expired"
done
wait $pid || true
say "reports and logs: $out"
