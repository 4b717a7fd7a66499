#!/usr/bin/env bash
# A long run with checkpoints, watching memory (not part of `mvn verify` or CI).
#
#   scripts/soak.sh [flink|spark] [minutes]        (default: flink 60)
#
# Runs the pipeline at 1,000 signals/s over 1,000 devices with 10 s ticks and checkpoints, for
# the given minutes. Every minute it samples the JVM's resident set and its heap after a full GC
# (jcmd GC.run, then jstat) into samples.csv. The source runs on, but only seqs below
# 1,000 x (minutes x 60 - 90) are counted (the test-only --testCountSeqsBelow), so that at the
# end the counts can be checked exactly against the device function's histogram. Results, with
# the reports and logs, go to target/soak/<runner>-<date>/; the plot needs the bench project
# (bench/, built by scripts/bench.sh or here).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

runner=${1:-flink} minutes=${2:-60}
[[ $runner == flink || $runner == spark ]] || die "soak runs on flink or spark (they checkpoint), not '$runner'"
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 3 ]] || die "minutes must be a whole number, 3 or more, got '$minutes'"
rate=1000 devices=1000
counted=$((rate * (minutes * 60 - 90)))
out=$project/target/soak/$runner-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

"$project/scripts/run.sh" "$runner" --help > /dev/null # builds if needed, before the clock starts
"$project/scripts/run.sh" "$runner" --output=jsonl --rowsPerSecond=$rate --numDevices=$devices \
  --triggerIntervalSeconds=10 --checkpointDir="$out/checkpoints" --testCountSeqsBelow=$counted \
  --runSeconds=$((minutes * 60)) > "$out/reports.jsonl" 2> "$out/stderr.log" &
pid=$!   # run.sh execs the JVM: this is its pid
started=$(date +%s)
say "Soak of $runner for $minutes min (pid $pid); results in $out"

echo "minute,rss_mb,heap_after_gc_mb,reports" > "$out/samples.csv"
for minute in $(seq 1 "$minutes"); do
  sleep $((started + minute * 60 - $(date +%s)))
  kill -0 $pid 2>/dev/null || break
  rss_kb=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
  jcmd $pid GC.run > /dev/null 2>&1 || true
  # jstat -gc: survivor, eden and old generation in use (KB), after the full GC above.
  heap_kb=$(jstat -gc $pid 2>/dev/null | awk 'NR==2 {print $3 + $4 + $6 + $8}' || echo 0)
  reports=$(wc -l < "$out/reports.jsonl")
  printf '%s,%d,%d,%s\n' "$minute" $((rss_kb / 1024)) "${heap_kb%.*}" "$reports" | awk -F, -v OFS=, '{$3 = int($3 / 1024); print}' >> "$out/samples.csv"
  say "minute $minute: $(tail -1 "$out/samples.csv")"
done
wait $pid || say "the run exited with $? (see $out/stderr.log)"

verdict=$(python3 "$project/scripts/lib/final_counts.py" "$out/reports.jsonl" $counted $devices) && exact=0 || exact=1
echo "$verdict" | tee "$out/verdict.txt" >&2
if [[ -f $project/bench/pom.xml ]]; then
  mvn -B -q -f "$project/bench/pom.xml" -Pplot -DskipTests package >&2 \
    && java -cp "$project/bench/target/plot/classes:$(cat "$project/bench/target/plot/classpath.txt")" \
         dev.signals.bench.plot.PlotSoak "$out/samples.csv" "$out/memory.png" "$runner, $minutes min, $rate signals/s, $devices devices" \
    || say "(no plot: the bench project did not build or run)"
fi
exit $exact
