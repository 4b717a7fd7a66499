#!/usr/bin/env bash
# Runs the device signal counter in the foreground, in local mode, on one runner.
#
#   scripts/run.sh [direct|flink|spark] [--verbose] [--checkpointDir=DIR [--restore]] [pipeline options...]
#
# Builds what is needed first (Maven, once per change), then starts one JVM. Counts go to stdout,
# logs to stderr; --verbose brings the runners' own INFO logs back. Ctrl-C stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$project/scripts/lib/checkpoints.sh"
runners="direct flink spark"

runner=direct
if [[ $# -gt 0 && $1 != --* ]]; then
  runner=$1
  shift
fi
case " $runners " in
  *" $runner "*) ;;
  *) echo "error: unknown runner '$runner'; use one of: $runners (e.g. scripts/run.sh flink --output=jsonl)" >&2
     exit 2 ;;
esac

# The JVM's own warnings to stderr (lib/common.sh): stdout carries reports only (a heap histogram
# asked for while the GC was locked once put a warning among a benchmark's reports).
jvm_args=("${jvm_logging[@]}")
args=()
for arg in "$@"; do
  if [[ $arg == --verbose ]]; then jvm_args+=(-Dlog.level=INFO); else args+=("$arg"); fi
done
# --checkpointDir and --restore become the runner's own options (scripts/lib/checkpoints.sh).
checkpoint_options "$runner" local "${args[@]+"${args[@]}"}"
args=("${remaining_args[@]+"${remaining_args[@]}"}" "${checkpoint_args[@]+"${checkpoint_args[@]}"}")

# What each runner needs on the command line, unless the user says otherwise.
given() { has_option "$1" "${args[@]+"${args[@]}"}"; }
runner_args=()
case $runner in
  direct) given runner || runner_args+=(--runner=DirectRunner) ;;
  flink)  given runner || runner_args+=(--runner=FlinkRunner)
          given flinkMaster || runner_args+=("--flinkMaster=[local]")
          # Tuning (runners/flink/pipeline-options; docs/performance.md says what each buys).
          mapfile -t tuning < <(flink_pipeline_options "${args[@]+"${args[@]}"}")
          runner_args+=("${tuning[@]+"${tuning[@]}"}")
          # Flink on Java 17 needs the module openings its own scripts add (Kryo copies state
          # such as the exactly-once Kafka sink's buffer); the cluster reads the same file.
          read -r -a flink_opens < "$project/runners/flink/conf/java-options"
          jvm_args+=("${flink_opens[@]}") ;;
  spark)  given runner || runner_args+=(--runner=SparkRunner)
          given sparkMaster || runner_args+=("--sparkMaster=local[2]")
          # Spark 3.5 on Java 17 needs the module openings its own launcher adds; Maven's JVM
          # (for exec:java) gets the same list from .mvn/jvm.config.
          read -r -a java17_opens < "$project/.mvn/jvm.config" || true   # one line; fine without its newline
          jvm_args+=("${java17_opens[@]}")
          export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1} ;;
esac

# Logging: src/main/resources/log4j2.xml, plus the runner's additions under runners/<runner>/.
log_config=log4j2.xml
[[ -f $project/runners/$runner/log4j2.xml ]] && log_config+=",$project/runners/$runner/log4j2.xml"

classpath=$(runtime_classpath "$runner")
exec java "${jvm_args[@]+"${jvm_args[@]}"}" -Dlog4j2.configurationFile="$log_config" \
  -cp "$classpath" \
  dev.signals.DeviceSignalCounter "${runner_args[@]}" "${args[@]+"${args[@]}"}"
