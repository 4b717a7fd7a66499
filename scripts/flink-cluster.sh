#!/usr/bin/env bash
# A Flink 1.19.0 session cluster on this machine: one JobManager and one TaskManager (2 slots)
# on 127.0.0.1, started from Flink's jars on Maven Central (flink-dist is not served there).
#
#   scripts/flink-cluster.sh start|stop|status
#   scripts/flink-cluster.sh jobs             # the running jobs
#   scripts/flink-cluster.sh cancel JOB_ID    # stop a job (its retained checkpoints stay)
#
# The first start assembles lib/ (runners/flink/home/pom.xml, about 110 MB) under
# .clusters/flink/home. Configuration: runners/flink/conf (flink-conf.yaml, log4j.properties).
#   REST API and web dashboard  http://127.0.0.1:8081  (what --flinkMaster=127.0.0.1:8081 names)
#   JobManager 1 GiB, TaskManager 1.7 GiB (process sizes, flink-conf.yaml)
# Logs, stdout and stderr: .clusters/flink/logs/{jobmanager,taskmanager}.{log,out,err}; a job's
# counts are in taskmanager.out (also on the dashboard: Task Managers -> Stdout).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
flink_environment
rest=http://127.0.0.1:8081

# flink_java NAME ENTRYPOINT RESOURCE_QUERY: start a Flink process with the JVM and memory
# settings Flink's own scripts would give it (BashJavaUtils works them out from the config).
flink_java() {
  local name=$1 main=$2 query=$3 params jvm dynamic
  params=$(java -cp "$flink_home/lib/*" org.apache.flink.runtime.util.bash.BashJavaUtils "$query" \
      --configDir "$flink_conf" 2>&1 | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://') \
    || die "could not work out the $name's memory from $flink_conf/flink-conf.yaml"
  jvm=$(head -1 <<<"$params") dynamic=$(tail -1 <<<"$params")
  # The JVM's own warnings to the .err file: the TaskManager's stdout (.out) carries the counts.
  # shellcheck disable=SC2086 # word splitting intended: lists of flags
  start_process --stderr-apart "$name" java $jvm $(cat "$flink_conf/java-options") \
    "${jvm_logging[@]}" \
    -Dlog.file="$cluster_dir/logs/$name.log" -Dlog4j.configurationFile="file:$flink_conf/log4j.properties" \
    -cp "$flink_home/lib/*" "$main" --configDir "$flink_conf" $dynamic
}

start() {
  if alive jobmanager || alive taskmanager; then
    status; die "the Flink cluster is already running; stop it first: scripts/flink-cluster.sh stop"
  fi
  for port in 8081 6123; do
    port_open 127.0.0.1 $port && die "port $port on 127.0.0.1 is taken by another process; stop it first (ss -ltnp 'sport = :$port' names it)"
  done
  install_flink
  flink_java jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS
  wait_for_http "$rest/overview" 60 jobmanager
  flink_java taskmanager org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
  for _ in $(seq 1 60); do
    [[ $(overview taskmanagers) -ge 1 ]] && break
    alive taskmanager || { tail -20 "$cluster_dir"/logs/taskmanager.{out,err,log} >&2; die "the TaskManager exited at start (logs above)"; }
    sleep 0.5
  done
  [[ $(overview taskmanagers) -ge 1 ]] || die "the TaskManager did not register within 30 s (see $cluster_dir/logs/taskmanager.log)"
  status
}

overview() {
  curl -fsS -m 2 "$rest/overview" 2>/dev/null \
    | json_query get "$1" 2>/dev/null || echo 0
}

status() {
  local all_running=0
  process_status jobmanager taskmanager || all_running=1
  if alive jobmanager; then
    echo "dashboard and REST: $rest, $(overview taskmanagers) TaskManager(s), $(overview slots-available) of $(overview slots-total) slots free, $(overview jobs-running) job(s) running"
  fi
  alive taskmanager && echo "jobs' stdout: $cluster_dir/logs/taskmanager.out"
  return $all_running
}

jobs() {
  local overview
  overview=$(curl -fsS -m 3 "$rest/jobs/overview" 2>/dev/null) \
    || die "no Flink cluster answers at $rest; start it with scripts/flink-cluster.sh start"
  json_query rows jobs jid state name <<<"$overview"
}

cancel() {
  local job=${1:-}
  [[ $job =~ ^[0-9a-f]{32}$ ]] || die "cancel needs a job id (32 hex digits), e.g. from: scripts/flink-cluster.sh jobs"
  curl -fsS -m 10 -X PATCH "$rest/jobs/$job?mode=cancel" > /dev/null 2>&1 \
    || die "could not cancel job $job at $rest: is the cluster up and the id right? (scripts/flink-cluster.sh jobs)"
  say "cancelled job $job"
}

case ${1:-} in
  start) start ;;
  stop) stop_process taskmanager; stop_process jobmanager ;;
  status) status ;;
  jobs) jobs ;;
  cancel) cancel "${2:-}" ;;
  *) die "usage: scripts/flink-cluster.sh start|stop|status|jobs|cancel JOB_ID" ;;
esac
