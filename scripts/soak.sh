#!/usr/bin/env bash
# A long run with checkpoints, watching memory (not part of `mvn verify` or CI).
#
#   scripts/soak.sh [flink|spark] [minutes] [pipeline options...]    (default: flink 60)
#
# Runs the pipeline at 1,000 signals/s over 1,000 devices with 10 s ticks and checkpoints, for
# the given minutes. Every minute it samples the JVM's resident set, its heap after a full GC
# (jcmd GC.run, then jstat), the checkpoint directory's size and the age of its newest
# checkpoint (a checkpointer falling behind shows as a growing age) into samples.csv. The source runs
# on, but only seqs below 1,000 x (minutes x 60 - 90) are counted (the test-only
# --testCountSeqsBelow), so that at the end the counts can be checked exactly against the device
# function's histogram (scripts/lib/final_counts.py). Results, with the reports and logs, go to
# target/soak/<runner>-<date>/; the plot is drawn by the bench project (bench/, built here).
# A soak of an hour or more is also published: bench/results/soak-<runner>.{csv,png,md}.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

runner=${1:-flink} minutes=${2:-60}
shift $(($# < 2 ? $# : 2))   # the rest: pipeline options, e.g. --batchIntervalMillis=1000 on Spark
[[ $runner == flink || $runner == spark ]] || die "soak runs on flink or spark (they checkpoint), not '$runner'"
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 3 ]] || die "minutes must be a whole number, 3 or more, got '$minutes'"
rate=1000 devices=1000
counted=$((rate * (minutes * 60 - 90)))
out=$project/target/soak/$runner-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

"$project/scripts/run.sh" "$runner" --help > /dev/null # builds if needed, before the clock starts
"$project/scripts/run.sh" "$runner" --output=jsonl --rowsPerSecond=$rate --numDevices=$devices \
  --triggerIntervalSeconds=10 --checkpointDir="$out/checkpoints" --testCountSeqsBelow=$counted \
  --runSeconds=$((minutes * 60)) "$@" > "$out/reports.jsonl" 2> "$out/stderr.log" &
pid=$!   # run.sh execs the JVM: this is its pid
started=$(date +%s)
say "Soak of $runner for $minutes min (pid $pid); results in $out"

# newest_checkpoint_age: seconds since the newest complete checkpoint was taken (Flink: its
# _metadata file's time; Spark: the batch time in the name of its newest checkpoint-<millis>).
newest_checkpoint_age() {
  local newest=0
  if [[ $runner == flink ]]; then
    newest=$(find "$out/checkpoints" -name _metadata -printf '%T@\n' 2>/dev/null | sort -n | tail -1)
  else
    newest=$(find "$out/checkpoints" -name 'checkpoint-[0-9]*' ! -name '*.bk' -printf '%f\n' 2>/dev/null \
      | sed 's/checkpoint-//' | sort -n | tail -1 | awk '{print $1 / 1000}')
  fi
  awk -v now="$(date +%s.%N)" -v newest="${newest:-0}" 'BEGIN {print (newest > 0) ? int(now - newest) : -1}'
}

echo "minute,rss_mb,heap_after_gc_mb,checkpoint_mb,reports,checkpoint_age_s" > "$out/samples.csv"
for minute in $(seq 1 "$minutes"); do
  wait_seconds=$((started + minute * 60 - $(date +%s)))
  [[ $wait_seconds -gt 0 ]] && sleep $wait_seconds
  kill -0 $pid 2>/dev/null || break
  rss_kb=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
  heap_mb=$(heap_after_full_gc_mb $pid)
  # du complains (and fails) when the runner deletes a file under it mid-walk; its total stands.
  checkpoint_mb=$({ du -sm "$out/checkpoints" 2>/dev/null || true; } | awk 'NR == 1 {print $1}')
  reports=$(wc -l < "$out/reports.jsonl")
  printf '%s,%d,%d,%s,%s,%s\n' "$minute" $((rss_kb / 1024)) "$heap_mb" "${checkpoint_mb:-0}" "$reports" \
    "$(newest_checkpoint_age)" >> "$out/samples.csv"
  say "minute $minute: $(tail -1 "$out/samples.csv")"
done
wait $pid || say "the run exited with $? (see $out/stderr.log)"

verdict=$(python3 "$project/scripts/lib/final_counts.py" "$out/reports.jsonl" $counted $devices) && exact=0 || exact=1
echo "$verdict" | tee "$out/verdict.txt" >&2
title="$runner, $minutes min, $rate signals/s, $devices devices, checkpoints${*:+, $*}"
(quiet_mvn "building the plot" -f "$project/bench/pom.xml" -Pplot -DskipTests package) \
  && java -cp "$project/bench/target/plot/classes:$(cat "$project/bench/target/plot/classpath.txt")" \
       dev.signals.bench.plot.PlotSoak "$out/samples.csv" "$out/memory.png" "$title" \
  || say "(no plot: the bench project did not build or run)"

samples=$(($(wc -l < "$out/samples.csv") - 1))
if [[ $minutes -ge 60 && $samples -eq $minutes ]]; then
  published=$project/bench/results/soak-$runner
  cp "$out/samples.csv" "$published.csv"
  [[ -f $out/memory.png ]] && cp "$out/memory.png" "$published.png"
  { echo "# Soak: $title"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(java -version 2>&1 | head -1), scripts/soak.sh $runner $minutes"
    echo
    echo "Counts at the end: $verdict"
    echo
    echo "| minute | RSS (MB) | heap after full GC (MB) | checkpoints on disk (MB) | report lines | newest checkpoint's age (s) |"
    echo "|---:|---:|---:|---:|---:|---:|"
    tail -n +2 "$out/samples.csv" | awk -F, '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}'
  } > "$published.md"
  say "published: $published.{csv,png,md}"
fi
exit $exact
