#!/usr/bin/env bash
# Kafka benchmark (issue 14; not part of `mvn verify`): signals/s from Kafka through the pipeline
# into Kafka on Flink and Spark, and how long the exactly-once sink makes reports wait on Flink.
# Starts the broker if none runs (scripts/kafka.sh). Nothing else may run on the machine meanwhile.
#
#   scripts/bench-kafka.sh [--runners "flink spark"] [--devices "10 100000"] [--signals N]
#                          [--latency-seconds S]
#
# Throughput: N signals (default 6,000,000) are put on a 4-partition topic first; then the
# pipeline (scripts/run.sh RUNNER --source=kafka --sink=kafka --output=jsonl, 2 s ticks) works
# the backlog off; events/s = growth of the counts' sum between the first tick that counted
# anything and the first that had all N (scripts/lib/kafka_bench_stats.py).
# Latency (Flink, 10 devices, 2,000 signals/s for S seconds, default 60): each report's Kafka
# record timestamp less its tick, with --checkpointDir (exactly once: reports wait for the
# checkpoint, every 2 s) and without (at least once).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
runners="flink spark" devices="10 100000" signals=6000000 latency_seconds=60
while [[ $# -gt 0 ]]; do
  case $1 in
    --runners) runners=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --signals) signals=$2; shift 2 ;;
    --latency-seconds) latency_seconds=$2; shift 2 ;;
    *) die "unknown argument '$1'; see the comment at the top of scripts/bench-kafka.sh" ;;
  esac
done
kafka=$project/scripts/kafka.sh
$kafka status > /dev/null 2>&1 || $kafka start > /dev/null
work=$(mktemp -d)
stamp=$(date -u +%Y%m%dT%H%M%S)

for d in $devices; do
  in=bench-in-$d-$stamp
  $kafka create-topic "$in" 4
  $kafka produce --topic="$in" --numEvents="$signals" --numDevices="$d"
  for runner in $runners; do
    out=bench-out-$runner-$d-$stamp
    $kafka create-topic "$out" 4
    # Long enough for the slowest backlog here; the run stops itself.
    timeout 600 "$project/scripts/run.sh" "$runner" --source=kafka --inputTopic="$in" --sink=kafka \
      --outputTopic="$out" --output=jsonl --triggerIntervalSeconds=2 --runSeconds=$((40 + signals / 40000)) \
      > "$work/$runner-$d.jsonl" 2> "$work/$runner-$d.stderr" || true
    echo "kafka $runner $d devices: $(python3 "$project/scripts/lib/kafka_bench_stats.py" catch-up "$signals" < "$work/$runner-$d.jsonl")"
  done
done

if [[ " $runners " == *" flink "* ]]; then
  for mode in exactly-once at-least-once; do
    in=latency-in-$mode-$stamp out=latency-out-$mode-$stamp
    $kafka create-topic "$in" 4
    $kafka create-topic "$out" 4
    checkpoint=(--output=jsonl)
    [[ $mode == exactly-once ]] && checkpoint+=(--checkpointDir="$work/checkpoints-$mode")
    "$project/scripts/run.sh" flink --source=kafka --inputTopic="$in" --sink=kafka --outputTopic="$out" \
      --triggerIntervalSeconds=2 --runSeconds=$((latency_seconds + 30)) "${checkpoint[@]}" \
      > /dev/null 2> "$work/latency-$mode.stderr" &
    pipeline=$!
    sleep 15 # the job is up and reading
    $kafka produce --topic="$in" --numEvents=$((2000 * latency_seconds)) --numDevices=10 --rowsPerSecond=2000
    wait $pipeline || true
    echo "kafka flink latency, $mode: $($kafka consume --topic="$out" --idleSeconds=3 --timestamps=true \
      | python3 "$project/scripts/lib/kafka_bench_stats.py" latency)"
  done
fi
say "runs' output in $work"
