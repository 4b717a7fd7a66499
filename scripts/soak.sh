#!/usr/bin/env bash
# A long run with checkpoints, watching memory (not part of `mvn verify` or CI).
#
#   scripts/soak.sh [flink|spark|flink-cluster|spark-cluster] [minutes] [pipeline options...]
#                   (default: flink 60)
#
# Runs the pipeline at 1,000 signals/s over 1,000 devices with 10 s ticks and checkpoints, for
# the given minutes: flink and spark in this JVM (scripts/run.sh), flink-cluster and
# spark-cluster on our session and standalone clusters (scripts/submit-*.sh; started here if
# they are not running, and stopped at the end only then). Every minute it samples each JVM's
# resident set and heap after a full GC (jcmd GC.run, then jstat) - on a cluster every process:
# JobManager and TaskManager, or driver, Master, Worker and executor -, the checkpoint
# directory's size and the age of its newest checkpoint (a checkpointer falling behind shows as
# a growing age) into samples.csv; on a cluster also the job's state, the TaskManagers or
# executors lost so far and the job's restarts or failed tasks (scripts/lib/cluster_probe.py).
# The source runs on, but only seqs below 1,000 x (minutes x 60 - 90) are counted (the
# test-only --testCountSeqsBelow), so that at the end the counts can be checked exactly against
# the device function's histogram (scripts/lib/final_counts.py). Results, with the reports and
# logs, go to target/soak/<runner>-<date>/; the plot is drawn by the bench project (bench/,
# built here). A soak of an hour or more is also published: bench/results/soak-<runner>.{csv,png,md}.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

runner=${1:-flink} minutes=${2:-60}
shift $(($# < 2 ? $# : 2))   # the rest: pipeline options, e.g. --batchIntervalMillis=1000 on Spark
case $runner in
  flink|spark|flink-cluster|spark-cluster) ;;
  *) die "soak runs on flink, spark, flink-cluster or spark-cluster (they checkpoint), not '$runner'" ;;
esac
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 3 ]] || die "minutes must be a whole number, 3 or more, got '$minutes'"
rate=1000 devices=1000
counted=$((rate * (minutes * 60 - 90)))
name=soak-$runner-$(date +%Y%m%d-%H%M%S)
out=$project/target/soak/${name#soak-}
mkdir -p "$out"
options=(--output=jsonl --rowsPerSecond=$rate --numDevices=$devices --triggerIntervalSeconds=10
  --checkpointDir="$out/checkpoints" --testCountSeqsBelow=$counted)

# await_submitted PATTERN: the job's id, the second word of PATTERN's match in what the submit
# script (pid $pid) says; fails if it ends first or says nothing of it within 2 minutes.
await_submitted() {
  local id
  for _ in $(seq 1 120); do
    id=$(grep -oE "$1" "$out/stderr.log" | awk '{print $2}' || true)
    [[ -n $id ]] && { echo "$id"; return 0; }
    kill -0 $pid 2>/dev/null || { cat "$out/stderr.log" >&2; die "the submission failed (above)"; }
    sleep 1
  done
  die "the job did not start within 2 minutes (see $out/stderr.log)"
}

# processes: "name pid" per line, the JVMs to sample (on Spark the executor can change).
started_cluster=false job_id="" probe_url=""
case $runner in
  flink|spark)
    "$project/scripts/run.sh" "$runner" --help > /dev/null # builds if needed, before the clock starts
    "$project/scripts/run.sh" "$runner" "${options[@]}" --runSeconds=$((minutes * 60)) "$@" \
      > "$out/reports.jsonl" 2> "$out/stderr.log" &
    pid=$!   # run.sh execs the JVM: this is its pid
    processes() { echo "jvm $pid"; }
    ;;
  flink-cluster)
    flink_environment
    if ! { alive jobmanager && alive taskmanager; }; then
      "$project/scripts/flink-cluster.sh" start >&2; started_cluster=true
    fi
    bundled_jar flink > /dev/null   # builds if needed, before the clock starts
    "$project/scripts/submit-flink.sh" --jobName="$name" "${options[@]}" "$@" \
      > "$out/reports.jsonl" 2> "$out/stderr.log" &
    pid=$!   # follows the TaskManager's stdout until the job ends
    probe_url=http://127.0.0.1:8081
    job_id=$(await_submitted 'Job [0-9a-f]{32} runs')
    processes() { echo "jobmanager $(cat "$cluster_dir/pids/jobmanager.pid")"; echo "taskmanager $(cat "$cluster_dir/pids/taskmanager.pid")"; }
    ;;
  spark-cluster)
    spark_environment
    if ! { alive master && alive worker; }; then
      "$project/scripts/spark-cluster.sh" start >&2; started_cluster=true
    fi
    bundled_jar spark > /dev/null   # builds if needed, before the clock starts
    # The driver's clock starts before the application is up: a minute more, so the last sample
    # finds it running (counting stopped 90 s before the end anyway).
    "$project/scripts/submit-spark.sh" --appName="$name" "${options[@]}" --runSeconds=$((minutes * 60 + 60)) "$@" \
      > "$out/reports.jsonl" 2> "$out/stderr.log" &
    pid=$!   # waits for the driver, which stops the job after --runSeconds
    job_id=$(await_submitted 'Application app-[0-9-]+')
    for _ in $(seq 1 30); do   # the driver's UI: on 4040 unless taken, up soon after the application
      for port in $(seq 4040 4050); do
        curl -fsS -m 2 "http://127.0.0.1:$port/api/v1/applications/$job_id" > /dev/null 2>&1 \
          && { probe_url=http://127.0.0.1:$port; break 2; }
      done
      sleep 1
    done
    [[ -n $probe_url ]] || say "warning: no driver UI on ports 4040-4050 lists $job_id; executors lost are not counted"
    processes() {
      echo "driver $(pgrep -f "SparkSubmit.*--appName=$name" | head -1)"
      echo "master $(cat "$cluster_dir/pids/master.pid")"
      echo "worker $(cat "$cluster_dir/pids/worker.pid")"
      echo "executor $(pgrep -f "CoarseGrainedExecutorBackend.*$job_id" | head -1)"
    }
    ;;
esac
# stop_own_cluster: stops the cluster if this soak started it.
stop_own_cluster() { if $started_cluster; then "$project/scripts/${runner}.sh" stop >&2 || true; fi; }
# An interrupted soak (Ctrl-C, a failure) leaves no detached job or cluster of its own behind.
clean_up() {
  [[ $runner == flink-cluster && -n $job_id ]] && { "$project/scripts/flink-cluster.sh" cancel "$job_id" 2>/dev/null || true; }
  kill "$pid" 2>/dev/null || true
  stop_own_cluster
}
trap 'clean_up; exit 130' INT TERM
started=$(date +%s)
say "Soak of $runner for $minutes min (pid $pid${job_id:+, job $job_id}); results in $out"

# newest_checkpoint_age: seconds since the newest complete checkpoint was taken (Flink: its
# _metadata file's time; Spark: the batch time in the name of its newest checkpoint-<millis>).
newest_checkpoint_age() {
  local newest=0
  if [[ $runner == flink* ]]; then
    newest=$(find "$out/checkpoints" -name _metadata -printf '%T@\n' 2>/dev/null | sort -n | tail -1)
  else
    newest=$(find "$out/checkpoints" -name 'checkpoint-[0-9]*' ! -name '*.bk' -printf '%f\n' 2>/dev/null \
      | sed 's/checkpoint-//' | sort -n | tail -1 | awk '{print $1 / 1000}')
  fi
  awk -v now="$(date +%s.%N)" -v newest="${newest:-0}" 'BEGIN {print (newest > 0) ? int(now - newest) : -1}'
}

# One column pair per JVM: NAME_rss_mb,NAME_heap_after_gc_mb (just rss_mb,heap_after_gc_mb for
# a local run's one JVM).
header=minute
while read -r process _; do
  prefix=${process}_; [[ $process == jvm ]] && prefix=""
  header+=",${prefix}rss_mb,${prefix}heap_after_gc_mb"
done < <(processes)
header+=",checkpoint_mb,reports,checkpoint_age_s"
[[ -n $probe_url ]] && header+=",job_state,workers_lost,retries"
echo "$header" > "$out/samples.csv"
for minute in $(seq 1 "$minutes"); do
  wait_seconds=$((started + minute * 60 - $(date +%s)))
  [[ $wait_seconds -gt 0 ]] && sleep $wait_seconds
  kill -0 $pid 2>/dev/null || break
  row=$minute
  while read -r _ process_pid; do
    rss_kb=0 heap_mb=0
    if [[ -n $process_pid ]]; then
      rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$process_pid/status" 2>/dev/null || echo 0)
      heap_mb=$(heap_after_full_gc_mb "$process_pid")
    fi
    row+=",$((${rss_kb:-0} / 1024)),$heap_mb"
  done < <(processes)
  # du complains (and fails) when the runner deletes a file under it mid-walk; its total stands.
  checkpoint_mb=$({ du -sm "$out/checkpoints" 2>/dev/null || true; } | awk 'NR == 1 {print $1}')
  row+=",${checkpoint_mb:-0},$(wc -l < "$out/reports.jsonl"),$(newest_checkpoint_age)"
  if [[ -n $probe_url ]]; then
    read -r job_state lost retries < <(python3 "$project/scripts/lib/cluster_probe.py" "${runner%-cluster}" \
      "$probe_url" "$job_id" "$out/workers-seen.json" || echo UNKNOWN -1 -1) || true
    row+=",$job_state,$lost,$retries"
  fi
  echo "$row" >> "$out/samples.csv"
  say "minute $minute: $row"
done
# A Flink job runs detached until cancelled; Spark's driver stops after --runSeconds.
if [[ $runner == flink-cluster ]]; then
  "$project/scripts/flink-cluster.sh" cancel "$job_id" || true
fi
wait $pid || say "the run exited with $? (see $out/stderr.log)"
trap - INT TERM

verdict=$(python3 "$project/scripts/lib/final_counts.py" "$out/reports.jsonl" $counted $devices) && exact=0 || exact=1
if [[ $runner == spark-cluster ]]; then
  # A heartbeat thread killed (Runners: Spark on Java 17) is logged by the executor, not seen by the probe.
  heartbeat_errors=$(cat "$clusters_root/spark/work/$job_id"/*/stderr 2>/dev/null | grep -c 'executor-heartbeater' || true)
  verdict+="; executor heartbeat errors: ${heartbeat_errors:-0}"
fi
if [[ -n $probe_url ]]; then
  last=$(tail -1 "$out/samples.csv")
  verdict+="; $(awk -F, '{print $(NF - 1)}' <<<"$last") $([[ $runner == flink-cluster ]] && echo TaskManagers || echo executors) lost, $(awk -F, '{print $NF}' <<<"$last") $([[ $runner == flink-cluster ]] && echo restarts || echo 'failed tasks')"
fi
echo "$verdict" | tee "$out/verdict.txt" >&2
stop_own_cluster

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
    head -1 "$out/samples.csv" | awk -F, '{row = "|"; rule = "|"; for (i = 1; i <= NF; i++) {row = row " " $i " |"; rule = rule "---:|"} print row; print rule}'
    tail -n +2 "$out/samples.csv" | awk -F, '{row = "|"; for (i = 1; i <= NF; i++) row = row " " $i " |"; print row}'
  } > "$published.md"
  say "published: $published.{csv,png,md}"
fi
exit $exact
