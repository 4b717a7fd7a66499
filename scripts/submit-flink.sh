#!/usr/bin/env bash
# Submits the device signal counter to a Flink session cluster, detached, and follows its output.
#
#   scripts/submit-flink.sh [--no-follow] [--checkpointDir=DIR [--restore]] [pipeline options...]
#                           e.g. --output=jsonl --rowsPerSecond=20
#
# Builds the Flink bundle (mvn -Pflink-runner package), then runs it as the client:
# --runner=FlinkRunner --flinkMaster=host:port (default 127.0.0.1:8081, the cluster's REST port)
# --attachedMode=false --detached: the client uploads the jar, the job starts on the cluster, the
# client exits and the job runs on. Its counts land in the TaskManagers' stdout: for our own
# cluster (scripts/flink-cluster.sh) this script follows that file until the job ends or Ctrl-C
# (which stops the following, not the job); --no-follow returns at once. Stop the job with
#   scripts/flink-cluster.sh cancel JOB_ID
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
source "$project/scripts/lib/checkpoints.sh"
flink_environment

follow=true args=()
for arg in "$@"; do
  if [[ $arg == --no-follow ]]; then follow=false; else args+=("$arg"); fi
done
# --checkpointDir=DIR [--restore] (scripts/lib/checkpoints.sh); on a cluster the restore goes
# through --savepointPath. DIR must be where the TaskManagers can write (shared storage).
checkpoint_options flink cluster "${args[@]+"${args[@]}"}"
args=("${remaining_args[@]+"${remaining_args[@]}"}" "${checkpoint_args[@]+"${checkpoint_args[@]}"}")
master=$(option_value flinkMaster "${args[@]+"${args[@]}"}")
master=${master:-127.0.0.1:8081}
[[ $master =~ ^([^:/]+):([0-9]+)$ ]] \
  || die "--flinkMaster=$master is not a cluster address; use host:port of the JobManager's REST endpoint (ours: 127.0.0.1:8081)"
rest=http://$master
[[ -z $(option_value runSeconds "${args[@]+"${args[@]}"}") ]] \
  || die "--runSeconds does not apply: the job runs detached on the cluster; stop it with scripts/flink-cluster.sh cancel JOB_ID"

# Fail in seconds, not after the client's minute of retries, when nobody is there.
overview=$(curl -fsS -m 3 "$rest/overview" 2>/dev/null) \
  || die "no Flink cluster answers at $rest; start ours with scripts/flink-cluster.sh start, or pass --flinkMaster=host:port of a running one"
read -r slots_free slots_total < <(json_query get slots-available slots-total <<<"$overview")
parallelism=$(option_value parallelism "${args[@]+"${args[@]}"}")
parallelism=${parallelism:-2}
[[ $slots_free -ge $parallelism ]] \
  || die "the Flink cluster at $master has $slots_free free task slots of $slots_total and the job needs $parallelism: cancel a job (scripts/flink-cluster.sh jobs, then cancel JOB_ID) or pass --parallelism=$slots_free"

jar=$(bundled_jar flink)
job_name=$(option_value jobName "${args[@]+"${args[@]}"}")
[[ -n $job_name ]] || { job_name=device-signal-counter-$(date +%Y%m%d-%H%M%S)-$$; args+=(--jobName="$job_name"); }
runner_args=(--runner=FlinkRunner --flinkMaster="$master" --parallelism="$parallelism"
  --attachedMode=false --detached=true)
# The same tuning as scripts/run.sh (runners/flink/pipeline-options), unless the user sets it.
mapfile -t tuning < <(flink_pipeline_options "${args[@]+"${args[@]}"}")
runner_args+=("${tuning[@]+"${tuning[@]}"}")

# Output of our own cluster: where the TaskManager's stdout and log stand now.
local_cluster=false
tm_out=$clusters_root/flink/logs/taskmanager.out tm_log=$clusters_root/flink/logs/taskmanager.log
if [[ $master =~ ^(127\.0\.0\.1|localhost):8081$ && -f $tm_out ]] && alive taskmanager; then
  local_cluster=true
fi
out_from=$(($(stat -c %s "$tm_out" 2>/dev/null || echo 0) + 1))
log_from=$(($(stat -c %s "$tm_log" 2>/dev/null || echo 0) + 1))

say "Submitting $jar to the Flink cluster at $master as '$job_name' (detached)..."
java -Dlog4j2.configurationFile="log4j2.xml,$project/runners/flink/log4j2.xml" -jar "$jar" \
  "${runner_args[@]}" "${args[@]+"${args[@]}"}" >&2 || exit $?  # its stdout too: ours carries only counts

job_id=$(curl -fsS -m 3 "$rest/jobs/overview" | json_query newest jobs name "$job_name" start-time jid) || true
[[ -n $job_id ]] || die "the client said the job was submitted, but the cluster at $rest lists no job '$job_name'"
say "Job $job_id runs on the cluster. Dashboard: $rest/#/job/running/$job_id/overview"
say "Stop it with: scripts/flink-cluster.sh cancel $job_id"
if ! $local_cluster; then
  say "Its counts go to the TaskManagers' stdout (dashboard: Task Managers -> Stdout)."
  exit 0
fi
say "Its counts go to $tm_out; progress lines to $tm_log."
$follow || exit 0
say "Following them (Ctrl-C stops following; the job runs on)."

job_state() {
  curl -fsS -m 3 "$rest/jobs/$job_id" 2>/dev/null | json_query get state 2>/dev/null || echo UNKNOWN
}
tail -c +"$out_from" -F "$tm_out" 2>/dev/null &
followers=($!)
tail -c +"$log_from" -F "$tm_log" 2>/dev/null | grep --line-buffered 'dev\.signals' >&2 &
followers+=($!)
stop_following() { kill "${followers[@]}" 2>/dev/null || true; pkill -P $$ tail 2>/dev/null || true; }
trap 'stop_following; say "Stopped following; job $job_id still runs (scripts/flink-cluster.sh cancel $job_id stops it)."; exit 0' INT TERM
while true; do
  state=$(job_state)
  case $state in
    FINISHED|CANCELED) sleep 1; stop_following; say "Job $job_id is $state."; exit 0 ;;
    FAILED) sleep 1; stop_following; say "error: job $job_id FAILED; see $tm_log and the dashboard"; exit 1 ;;
    UNKNOWN) stop_following; say "error: the cluster at $rest stopped answering"; exit 1 ;;
  esac
  sleep 2
done
