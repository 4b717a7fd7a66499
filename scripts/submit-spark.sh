#!/usr/bin/env bash
# Submits the device signal counter to a Spark standalone cluster and follows its output.
#
#   scripts/submit-spark.sh [--checkpointDir=DIR [--restore]] [pipeline options...]
#                           e.g. --output=jsonl --rowsPerSecond=20
#
# Builds the Spark bundle (mvn -Pspark-runner package: the job without Spark, which the cluster
# has), then runs spark-submit in client mode: the driver runs here, in this script's JVM, and
# the pipeline's steps run in the cluster's executors. So the counts land in the executors'
# stdout, not here: for our own cluster (scripts/spark-cluster.sh) this script follows that file
# and prints it; for another cluster it says where to look. Ctrl-C (or --runSeconds) stops the job.
#
# The master is --sparkMaster=spark://host:port (default spark://127.0.0.1:7077); its web UI,
# used to check for workers and find the job's executors, is SPARK_MASTER_UI (default port 8080
# on the master's host). The Spark installation for the driver is SPARK_HOME (default: ours).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
source "$project/scripts/lib/checkpoints.sh"
spark_environment

# --checkpointDir=DIR [--restore] (scripts/lib/checkpoints.sh). DIR must be where the driver
# and the executors can both write (shared storage on a real cluster).
checkpoint_options spark cluster "$@"
args=("${remaining_args[@]+"${remaining_args[@]}"}" "${checkpoint_args[@]+"${checkpoint_args[@]}"}")
master=$(option_value sparkMaster "${args[@]+"${args[@]}"}")
master=${master:-spark://127.0.0.1:7077}
[[ $master =~ ^spark://([^:/]+):([0-9]+)$ ]] \
  || die "--sparkMaster=$master is not a standalone master address; use spark://host:port (ours: spark://127.0.0.1:7077)"
host=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]}
master_ui=${SPARK_MASTER_UI:-http://$host:8080}
[[ -n $(option_value runner "${args[@]+"${args[@]}"}") ]] || args+=(--runner=SparkRunner)
[[ -n $(option_value sparkMaster "${args[@]+"${args[@]}"}") ]] || args+=(--sparkMaster="$master")

# Fail in seconds, not after Spark's minute of retries, when nobody is there.
port_open "$host" "$port" || die "no Spark master answers at $master; start ours with scripts/spark-cluster.sh start, or pass --sparkMaster=spark://host:port of a running one"
if cluster_json=$(curl -fsS -m 3 "$master_ui/json/" 2>/dev/null); then
  workers=$(json_query get aliveworkers <<<"$cluster_json")
  [[ $workers -ge 1 ]] || die "the Spark master at $master has no worker, so the job would wait forever; start one (scripts/spark-cluster.sh start starts both)"
else
  say "warning: no master web UI at $master_ui (set SPARK_MASTER_UI); cannot check for workers or follow the output"
fi

install_spark
jar=$(bundled_jar spark)

# A name of its own, to find this job's executors on the master.
app_name=$(option_value appName "${args[@]+"${args[@]}"}")
[[ -n $app_name ]] || { app_name=device-signal-counter-$(date +%Y%m%d-%H%M%S)-$$; args+=(--appName="$app_name"); }
submitted_ms=$(($(date +%s%N) / 1000000))

# shellcheck disable=SC2046 # the openings are one line of separate flags
java -Xmx1g $(java17_opens) "${jvm_logging[@]}" -Dlog4j2.configurationFile="$SPARK_CONF_DIR/log4j2.properties" \
  -cp "$SPARK_CONF_DIR:$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit \
  --master "$master" --deploy-mode client --class dev.signals.DeviceSignalCounter \
  "$jar" "${args[@]}" &
driver=$!
# Background jobs of a script ignore Ctrl-C, so pass it on: the driver stops the job.
trap 'kill -TERM $driver 2>/dev/null || true' INT TERM
say "Submitted $jar to $master as '$app_name' (driver pid $driver, here)."

app_id=""
find_app() {
  curl -fsS -m 2 "$master_ui/json/" 2>/dev/null \
    | json_query newest activeapps name "$app_name" starttime id $((submitted_ms - 60000)) 2>/dev/null || true
}
for _ in $(seq 1 120); do
  kill -0 $driver 2>/dev/null || break
  app_id=$(find_app); [[ -n $app_id ]] && break
  sleep 0.5
done

followers=()
if [[ -n $app_id && -d $clusters_root/spark/work && $host =~ ^(127\.0\.0\.1|localhost)$ ]]; then
  app_dir=$clusters_root/spark/work/$app_id
  say "Application $app_id: counts go to the executors' stdout, $app_dir/<executor>/stdout (followed here); progress to .../stderr. UI: $master_ui"
  for _ in $(seq 1 120); do
    compgen -G "$app_dir/*/stdout" > /dev/null && break
    kill -0 $driver 2>/dev/null || break
    sleep 0.5
  done
  if compgen -G "$app_dir/*/stdout" > /dev/null; then
    tail -q -n +1 -F --pid=$driver "$app_dir"/*/stdout &
    followers+=($!)
    tail -q -n +1 -F --pid=$driver "$app_dir"/*/stderr 2>/dev/null | grep --line-buffered 'dev\.signals' >&2 &
    followers+=($!)
  fi
elif [[ -n $app_id ]]; then
  say "Application $app_id: counts go to the executors' stdout on the cluster's workers (Spark UI $master_ui -> the application -> Executors -> stdout)."
fi

code=0
while kill -0 $driver 2>/dev/null; do
  wait $driver && code=0 || code=$?
done
for f in "${followers[@]+"${followers[@]}"}"; do wait "$f" 2>/dev/null || true; done
exit $code
