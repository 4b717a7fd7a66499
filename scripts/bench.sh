#!/usr/bin/env bash
# Throughput benchmark (issue 5; not part of `mvn verify`): the Beam pipeline on each runner and,
# in the same run, the same workload written natively for Flink and Spark (bench/), unthrottled,
# for each device count. Nothing else may run on the machine meanwhile.
#
#   scripts/bench.sh [--runners "direct flink spark native-flink native-spark flink-groupstate spark-groupstate"]
#                    [--devices "10 100000"] [--flink-devices "10 100000 1000000"]
#                    [--warmup SECONDS] [--measure SECONDS] [--out DIR] [--beam-args "..."]
#                    [--state-backend hashmap|rocksdb] [--sample-every SECONDS] [--groupstate-shards N]
#                    [--repeat N]
#
# Beam: scripts/run.sh <runner> --rowsPerSecond=0 --output=jsonl --numDevices=N (10 s ticks).
# <runner>-groupstate: the same with --aggregation=groupstate (the seed's function through the
# generic GroupState transform) instead of the tuned counter; <runner>-groupstate-sharded the
# same with the devices kept in --groupstate-shards shards (64 by default; GroupsWithState.withKeyShards).
# native-flink: DataStream, KeyedProcessFunction + ValueState + processing-time timers.
# native-spark: rate-micro-batch source, flatMapGroupsWithState + GroupState, 10 s trigger.
# --flink-devices (default: --devices plus 1,000,000) is for flink and native-flink. --beam-args
# adds pipeline options to the Beam runs (to try a lever, e.g. "--objectReuse=true").
# --state-backend rocksdb (Flink runs only: flink, flink-groupstate, native-flink) keeps state in
# RocksDB on local disk instead of the heap, for Beam (--stateBackend=rocksdb) and the native
# baseline alike; those rows are named <runner>-rocksdb and also give the size of the state on
# disk when the heap is probed and the devices in it. --sample-every (60 s with rocksdb, else 0:
# off) adds a time series per run, samples/<runner>-<devices>.csv: live heap, state on disk, RSS.
# --repeat N (default 1) runs the whole list N times, in rounds, the runners' order reversed every
# other round (so that no runner always runs first or last); the report then gives each figure's
# median over the rounds, its range, and the ratios as the median of each round's own ratio.
#
# Per run: steady-state events/s (growth of the sum of all devices' counts between ticks, after
# the warm-up, over at least --measure seconds), time from launch to the first report, how late
# each tick's first report appears after the tick (median/max; GroupState's early calls, over
# the per-key cap, report before their tick and are left out), peak RSS, and live heap (after
# a full GC, `jcmd GC.class_histogram`, near the end of the run). Writes to --out (default
# bench/results): results.csv, results.md (machine, versions, date, the table with ratios Beam /
# native and heap per device), events-per-second.png, and heap/<runner>-<devices>.txt (the
# histogram's top 30 classes; <runner>-<devices>-<round>.txt with --repeat).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
runners="direct flink spark native-flink native-spark flink-groupstate spark-groupstate" devices="10 100000" flink_devices=""
warmup=20 measure=60 out="$project/bench/results" beam_args="" state_backend=hashmap sample_every="" groupstate_shards=64 repeat=1
command_line="scripts/bench.sh $*"
while [[ $# -gt 0 ]]; do
  case $1 in
    --runners) runners=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --flink-devices) flink_devices=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --measure) measure=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --beam-args) beam_args=$2; shift 2 ;;
    --state-backend) state_backend=$2; shift 2 ;;
    --sample-every) sample_every=$2; shift 2 ;;
    --groupstate-shards) groupstate_shards=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) die "unknown argument '$1'; use --runners, --devices, --flink-devices, --warmup, --measure, --out, --beam-args, --state-backend, --sample-every, --groupstate-shards or --repeat" ;;
  esac
done
flink_devices=${flink_devices:-"$devices 1000000"}
case $state_backend in
  hashmap) sample_every=${sample_every:-0} ;;
  rocksdb) sample_every=${sample_every:-60}
           for runner in $runners; do
             [[ $runner == *flink* ]] || die "--state-backend rocksdb is for the Flink runs (flink, flink-groupstate, native-flink), not '$runner'; set --runners"
           done ;;
  *) die "unknown --state-backend '$state_backend'; use hashmap (the default: state on the heap) or rocksdb" ;;
esac
[[ $sample_every =~ ^[0-9]+$ ]] || die "--sample-every '$sample_every' is not a whole number of seconds (0: off)"
for option in warmup measure devices flink_devices groupstate_shards repeat; do
  for n in ${!option}; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "--${option//_/-} '$n' is not a positive whole number"
  done
done
for runner in $runners; do
  case $runner in direct|flink|spark|native-flink|native-spark) ;;
    direct-groupstate|flink-groupstate|spark-groupstate) ;;
    direct-groupstate-sharded|flink-groupstate-sharded|spark-groupstate-sharded) ;;
    *) die "unknown runner '$runner'; use direct, flink, spark, native-flink, native-spark, <direct|flink|spark>-groupstate or <direct|flink|spark>-groupstate-sharded" ;; esac
done
command -v python3 >/dev/null || die "python3 is needed to read the results"
mkdir -p "$out"
csv="$out/results.csv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Build everything first, untimed: the pipeline per runner, each baseline, the plot.
for runner in $runners; do
  case $runner in
    native-*) part=${runner#native-}
              mvn -B -q -f "$project/bench/pom.xml" -P"$part" -DskipTests package >&2 ;;
    *) "$project/scripts/run.sh" "${runner%%-*}" --help >/dev/null ;;
  esac
done
mvn -B -q -f "$project/bench/pom.xml" -Pplot -DskipTests package >&2
read -r -a java17_opens < "$project/.mvn/jvm.config" || true   # one line; fine without its newline
bench_classpath() { echo "$project/bench/target/$1/classes:$(cat "$project/bench/target/$1/classpath.txt")"; }
bench_log="-Dlog4j2.configurationFile=$project/bench/src/main/resources/log4j2.xml"

# rate-micro-batch rows per batch for native Spark: enough that a batch takes longer than the
# 10 s trigger (measured about 2 M rows/s at 10 and 100,000 devices), so Spark never waits
# for the trigger, i.e. runs unthrottled; see NativeSparkCounter.
spark_rows_per_batch=25000000

# The command for one run, into the array `cmd`; its running time into `run_seconds`. With
# RocksDB, its files go under $3 (Beam reads state.backend.rocksdb.localdir from a Flink
# configuration of its own; it needs a storage path for checkpoints, though it takes none).
command_for() {
  local runner=$1 n=$2 state_dir=$3 backend_args=() native_args=()
  run_seconds=$((warmup + measure + 50)) # start-up, the warm-up's tick, a spare tick, the heap probe
  if [[ $state_backend == rocksdb ]]; then
    mkdir -p "$state_dir/rocksdb" "$state_dir/conf"
    echo "state.backend.rocksdb.localdir: $state_dir/rocksdb" > "$state_dir/conf/flink-conf.yaml"
    backend_args=(--stateBackend=rocksdb --stateBackendStoragePath="file://$state_dir/checkpoints"
                  --flinkConfDir="$state_dir/conf")
    native_args=(--stateBackend=rocksdb --rocksDbDir="$state_dir/rocksdb")
  fi
  case $runner in
    native-flink) cmd=(java "${jvm_logging[@]}" "$bench_log" -cp "$(bench_classpath flink)"
                       dev.signals.bench.flink.NativeFlinkCounter --numDevices="$n" --runSeconds=$run_seconds
                       "${native_args[@]+"${native_args[@]}"}") ;;
    native-spark) run_seconds=$((run_seconds + 30)) # batches, hence ticks, come about 12 s apart
                  cmd=(env SPARK_LOCAL_IP=127.0.0.1 java "${java17_opens[@]}" "${jvm_logging[@]}" "$bench_log" -cp "$(bench_classpath spark)"
                       dev.signals.bench.spark.NativeSparkCounter --numDevices="$n" --runSeconds=$run_seconds
                       --rowsPerBatch=$spark_rows_per_batch) ;;
    *-groupstate|*-groupstate-sharded)
            shards=0
            [[ $runner != *-sharded ]] || shards=$groupstate_shards
            cmd=("$project/scripts/run.sh" "${runner%%-*}" --aggregation=groupstate --groupStateShards=$shards
            --rowsPerSecond=0 --output=jsonl --numDevices="$n" --runSeconds=$run_seconds
            "${backend_args[@]+"${backend_args[@]}"}" $beam_args) ;;
    *) cmd=("$project/scripts/run.sh" "$runner" --rowsPerSecond=0 --output=jsonl --numDevices="$n"
            --runSeconds=$run_seconds "${backend_args[@]+"${backend_args[@]}"}" $beam_args) ;;
  esac
}

stamp='import sys, time
for line in sys.stdin: sys.stdout.write(f"{time.time():.3f} {line}")'
echo "runner,devices,events_per_second,first_report_s,late_median_ms,late_max_ms,peak_rss_mb,live_heap_mb,state_disk_mb,devices_in_state,round" > "$csv"

# Whole seconds from the epoch instant $1 (date +%s.%N) to now.
seconds_since() { awk -v since="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%d\n", now - since + 0.5 }'; }

# live_heap_mb: live heap after a full GC (`jcmd GC.class_histogram`) of the run's JVM (the child
# of `time`; run.sh execs java).
live_heap_mb() {
  jcmd "$1" GC.class_histogram > "$2" 2>/dev/null && awk '$1 == "Total" { printf "%.0f", $3 / 1048576 }' "$2"
}
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
all_devices=$(printf '%s\n' $devices $flink_devices | sort -n -u)
reversed=$(printf '%s\n' $runners | tac | paste -sd' ')
for round in $(seq 1 "$repeat"); do
  order=$runners
  (( round % 2 == 1 )) || order=$reversed
  # With --repeat, each run's files are named after its round too.
  suffix=""
  (( repeat == 1 )) || suffix="-$round"
  for n in $all_devices; do
    for runner in $order; do
      case $runner in
        *flink*) [[ " $flink_devices " == *" $n "* ]] || continue ;;
        *) [[ " $devices " == *" $n "* ]] || continue ;;
      esac
      label=$runner
      [[ $state_backend == hashmap ]] || label=$runner-$state_backend
      state_dir="$work/state-$label-$n"
      command_for "$runner" "$n" "$state_dir"
      echo "$(date -u +%H:%M:%S) $label, $n devices, ${run_seconds} s$( (( repeat == 1 )) || echo ", round $round of $repeat")..." >&2
      stdout="$work/stdout" rss="$work/rss" fifo="$work/fifo"
      rm -f "$fifo" && mkfifo "$fifo"
      python3 -u -c "$stamp" < "$fifo" > "$stdout" &
      stamper=$!
      launched=$(date +%s.%N)
      /usr/bin/time -f %M -o "$rss" "${cmd[@]}" > "$fifo" 2> "$work/stderr-$label-$n" &
      timed=$!
      sampler=""
      if (( sample_every > 0 )); then
        mkdir -p "$out/samples"
        ( echo "seconds,live_heap_mb,state_disk_mb,rss_mb"
          while sleep "$sample_every"; do
            jvm=$(pgrep -P "$timed" java || true)
            [[ -n $jvm ]] || break
            heap=$(live_heap_mb "$jvm" "$work/sample-histogram" || true)
            disk=$( [[ -d $state_dir ]] && du -sm "$state_dir" | cut -f1 || true)
            echo "$(seconds_since "$launched"),$heap,$disk,$(( $(ps -o rss= -p "$jvm" || echo 0) / 1024 ))"
          done ) > "$out/samples/$label-$n$suffix.csv" &
        sampler=$!
      fi
      # Live heap near the end. Ticks from then on are left out of the figures.
      sleep "$(awk -v launched="$launched" -v run="$run_seconds" -v now="$(date +%s.%N)" \
        'BEGIN { left = launched + run - 8 - now; printf "%.3f\n", (left > 0 ? left : 0) }')"
      [[ -z $sampler ]] || kill "$sampler" 2>/dev/null || true
      probed=$(date +%s.%N)
      jvm=$(pgrep -P "$timed" java || true) live="" disk=""
      if [[ -n $jvm ]] && live=$(live_heap_mb "$jvm" "$work/histogram"); then
        mkdir -p "$out/heap" && head -n 33 "$work/histogram" > "$out/heap/$label-$n$suffix.txt" # the top 30 classes
      fi
      [[ $state_backend == hashmap ]] || disk=$(du -sm "$state_dir" | cut -f1)
      wait "$timed" || true
      wait "$stamper" || true
      rm -rf "$state_dir"
      if figures=$(python3 "$project/scripts/lib/bench_stats.py" "$stdout" "$launched" "$warmup" "$measure" "$probed"); then
        read -r rate first late_p50 late_max measured in_state <<<"$figures"
        [[ -n $disk ]] || in_state=""
        echo "$label,$n,${rate//,/},$first,$late_p50,$late_max,$(( $(tail -1 "$rss") / 1024 )),${live:-},$disk,$in_state,$round" >> "$csv"
      else
        echo "$label,$n,,,,,,,,,$round"  >> "$csv"
        cp "$stdout" "$out/failed-$label-$n$suffix.stdout"; cp "$work/stderr-$label-$n" "$out/failed-$label-$n$suffix.stderr"
        echo "  failed; its output is in $out/failed-$label-$n$suffix.*; its stderr ends:" >&2
        tail -5 "$work/stderr-$label-$n" >&2
      fi
      tail -1 "$csv" >&2
    done
  done
done

# The report: machine, versions, date, the table with ratios; then the plot.
versions=$(sed -n 's:.*<\(beam\|flink\|spark\)\.version>\(.*\)</.*:\1 \2:p' "$project/pom.xml" | paste -sd, | sed 's/,/, /g')
python3 "$project/scripts/lib/bench_report.py" "$csv" \
  "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)" \
  "Java $(java -version 2>&1 | sed -n 's/.*version "\(.*\)".*/\1/p'), $versions" \
  "$started" "$command_line" "$warmup" "$measure" > "$out/results.md"
java -cp "$(bench_classpath plot)" dev.signals.bench.plot.PlotResults "$csv" "$out/events-per-second.png"
cat "$out/results.md"
