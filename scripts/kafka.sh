#!/usr/bin/env bash
# A single-node Kafka 4.1 broker on this machine (KRaft: broker and controller in one JVM) on
# 127.0.0.1:9092, from Kafka's jars on Maven Central, and the tools to feed and read it.
#
#   scripts/kafka.sh start|stop|status       # stop --wipe also deletes the topics and their data
#   scripts/kafka.sh create-topic NAME PARTITIONS
#   scripts/kafka.sh produce --topic=T --numEvents=N --numDevices=D [--rowsPerSecond=R]
#   scripts/kafka.sh consume --topic=T [--idleSeconds=S] [--timestamps=true]
#
# The first start assembles libs/ (runners/kafka/home/pom.xml) under .clusters/kafka/home and
# formats the storage (.clusters/kafka/data). Configuration: runners/kafka/conf. Log:
# .clusters/kafka/logs/kafka.out. produce puts the signals of seqs 0..N-1 on the topic as JSON,
# with the rate source's device function (unthrottled without --rowsPerSecond); consume prints
# every committed record's value from the beginning of the topic and exits once none came for S
# seconds (5 by default). The tools take --bootstrapServers=HOST:PORT for another broker.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
cluster_dir=$clusters_root/kafka
kafka_home=$cluster_dir/home
kafka_conf=$project/runners/kafka/conf
ports="9092 9093" # clients, controller

install_kafka() {
  # The broker's own jar is copied last but one; without it an assembly was broken off: redo it.
  compgen -G "$kafka_home/libs/kafka_2.13-*.jar" > /dev/null && return 0
  say "Assembling Kafka 4.1.1 from Maven Central into $kafka_home (once)..."
  quiet_mvn "assembling Kafka" -f "$project/runners/kafka/home/pom.xml" package -Dkafka.home="$kafka_home"
}

kafka_java() {
  java -Dlog4j2.configurationFile="file:$kafka_conf/log4j2.properties" -cp "$kafka_home/libs/*" "$@"
}

start() {
  if alive kafka; then
    status; die "the Kafka broker is already running; stop it first: scripts/kafka.sh stop"
  fi
  for port in $ports; do
    port_open 127.0.0.1 "$port" && die "port $port on 127.0.0.1 is taken by another process; stop it first (ss -ltnp 'sport = :$port' names it)"
  done
  install_kafka
  mkdir -p "$cluster_dir/data" "$cluster_dir/logs"
  { cat "$kafka_conf/server.properties"; echo "log.dirs=$cluster_dir/data"; } > "$cluster_dir/server.properties"
  if [[ ! -f $cluster_dir/data/meta.properties ]]; then
    local cluster_id
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2> "$cluster_dir/logs/format.out" | tail -1) \
      || { cat "$cluster_dir/logs/format.out" >&2; die "could not run Kafka's StorageTool from $kafka_home/libs (output above); delete $kafka_home to assemble it again"; }
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$cluster_dir/server.properties" \
      > "$cluster_dir/logs/format.out" 2>&1 \
      || { cat "$cluster_dir/logs/format.out" >&2; die "could not format the broker's storage in $cluster_dir/data (output above)"; }
  fi
  start_process kafka java -Xms512m -Xmx512m -XX:+UseG1GC \
    -Dlog4j2.configurationFile="file:$kafka_conf/log4j2.properties" \
    -cp "$kafka_home/libs/*" kafka.Kafka "$cluster_dir/server.properties"
  for _ in $(seq 1 120); do
    grep -q 'Kafka Server started' "$cluster_dir/logs/kafka.out" 2>/dev/null && port_open 127.0.0.1 9092 && { status; return 0; }
    alive kafka || { tail -20 "$cluster_dir/logs/kafka.out" >&2; die "the Kafka broker exited at start (log above: $cluster_dir/logs/kafka.out)"; }
    sleep 0.5
  done
  tail -20 "$cluster_dir/logs/kafka.out" >&2
  stop_process kafka
  die "the Kafka broker did not come up within 60 s (log above: $cluster_dir/logs/kafka.out)"
}

status() {
  if process_status kafka; then
    echo "broker: 127.0.0.1:9092 (data: $cluster_dir/data, log: $cluster_dir/logs/kafka.out)"
  else
    return 1
  fi
}

stop() {
  case ${1:-} in
    "") ;;
    --wipe) ;;
    *) die "stop takes nothing or --wipe (also delete the topics and their data), not '$1'" ;;
  esac
  if [[ ! -s $cluster_dir/pids/kafka.pid ]]; then
    say "no Kafka broker started by this script is running"
  fi
  stop_process kafka
  if [[ ${1:-} == --wipe ]]; then
    rm -rf "$cluster_dir/data" "$cluster_dir/server.properties"
    say "deleted $cluster_dir/data"
  fi
}

# tool COMMAND ARGS...: the producer, consumer and topic maker (dev.signals.kafka.KafkaTool).
tool() {
  if [[ -z $(option_value bootstrapServers "$@") ]] && ! port_open 127.0.0.1 9092; then
    die "no Kafka broker answers at 127.0.0.1:9092; start one first: scripts/kafka.sh start"
  fi
  local classpath
  classpath=$(runtime_classpath direct)
  exec java "${jvm_logging[@]}" -Dlog4j2.configurationFile=log4j2.xml -cp "$classpath" dev.signals.kafka.KafkaTool "$@"
}

command=${1:-}
[[ $# -gt 0 ]] && shift
case $command in
  start) [[ $# -eq 0 ]] || die "start takes no arguments"; start ;;
  stop) stop "$@" ;;
  status) status ;;
  create-topic|produce|consume) tool "$command" "$@" ;;
  *) die "usage: scripts/kafka.sh start|stop [--wipe]|status|create-topic NAME PARTITIONS|produce --topic=T --numEvents=N --numDevices=D [--rowsPerSecond=R]|consume --topic=T [--idleSeconds=S] [--timestamps=true]" ;;
esac
