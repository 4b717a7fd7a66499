#!/usr/bin/env bash
# Throughput benchmark of the Beam pipeline (not part of `mvn verify`): each runner, unthrottled
# (--rowsPerSecond=0, --output=jsonl, 10 s ticks), for each device count; prints a markdown table.
#
#   scripts/bench.sh [--runners "direct flink spark"] [--devices "10 100000"]
#                    [--warmup SECONDS] [--measure SECONDS]
#
# Per run: steady-state events/s (growth of the sum of all devices' counts between ticks, after
# the warm-up, over at least --measure seconds), time from launch to the first report, how late
# each tick's first report appears after the tick (median/max), and peak RSS. Nothing else may
# run on the machine meanwhile. Still to come (issue 5): native Flink and Spark baselines, heap
# per device, plot.
set -euo pipefail
project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runners="direct flink spark" devices="10 100000" warmup=20 measure=60
while [[ $# -gt 0 ]]; do
  case $1 in
    --runners) runners=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --measure) measure=$2; shift 2 ;;
    *) echo "error: unknown argument '$1'; use --runners, --devices, --warmup or --measure" >&2; exit 2 ;;
  esac
done
for n in $warmup $measure $devices; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "error: '$n' is not a positive whole number" >&2; exit 2; }
done
command -v python3 >/dev/null || { echo "error: python3 is needed to read the results" >&2; exit 2; }

run_seconds=$((warmup + measure + 40)) # start-up, the tick before the warm-up ends, a spare tick
stamp='import sys, time
for line in sys.stdin: sys.stdout.write(f"{time.time():.3f} {line}")'

echo "| runner | devices | events/s | first report after launch | tick lateness median / max | peak RSS |"
echo "|---|---|---|---|---|---|"
for runner in $runners; do
  "$project/scripts/run.sh" "$runner" --help >/dev/null # builds if needed, untimed
  for n in $devices; do
    out=$(mktemp) rss=$(mktemp)
    launched=$(date +%s.%N)
    /usr/bin/time -f %M -o "$rss" "$project/scripts/run.sh" "$runner" --rowsPerSecond=0 \
        --output=jsonl --numDevices="$n" --runSeconds=$run_seconds 2>/dev/null \
      | python3 -u -c "$stamp" > "$out" || true
    if figures=$(python3 "$project/scripts/lib/bench_stats.py" "$out" "$launched" "$warmup" "$measure"); then
      read -r rate first late_p50 late_max measured <<<"$figures"
      printf '| %s | %s | %s | %s s | %s / %s ms | %s MB |\n' "$runner" "$n" \
        "$rate" "$first" "$late_p50" "$late_max" "$(( $(tail -1 "$rss") / 1024 ))"
    else
      printf '| %s | %s | failed: see above | | | |\n' "$runner" "$n"
    fi
    rm -f "$out" "$rss"
  done
done
