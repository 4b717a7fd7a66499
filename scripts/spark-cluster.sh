#!/usr/bin/env bash
# A Spark 3.5.0 standalone cluster on this machine: one Master and one Worker on 127.0.0.1.
#
#   scripts/spark-cluster.sh start|stop|status
#
# The first start assembles a Spark installation from Maven Central (runners/spark/home/pom.xml,
# about 210 MB, a minute) under .clusters/spark/home. Configuration: runners/spark/conf.
#   Master  spark://127.0.0.1:7077, UI http://127.0.0.1:8080
#   Worker  2 cores, 2 GiB for executors, UI http://127.0.0.1:8082 (8081 is Flink's)
# Logs: .clusters/spark/logs; executors' stdout and stderr: .clusters/spark/work/<app>/<n>/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

spark_environment
master_port=7077 master_ui=8080 worker_ui=8082

spark_java() {
  local name=$1 heap=$2; shift 2
  # shellcheck disable=SC2046 # the openings are one line of separate flags
  start_process "$name" java -Xmx"$heap" $(java17_opens) -Dsignals.log.level=info \
    -cp "$SPARK_CONF_DIR:$SPARK_HOME/jars/*" "$@"
}

start() {
  if alive master || alive worker; then
    status; die "the Spark cluster is already running; stop it first: scripts/spark-cluster.sh stop"
  fi
  for port in $master_port $master_ui $worker_ui; do
    port_open 127.0.0.1 $port && die "port $port on 127.0.0.1 is taken by another process; stop it first (ss -ltnp 'sport = :$port' names it)"
  done
  install_spark
  mkdir -p "$cluster_dir/work"
  spark_java master 512m org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port $master_port --webui-port $master_ui
  wait_for_http "http://127.0.0.1:$master_ui/json/" 60 master
  spark_java worker 512m org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --webui-port $worker_ui --cores 2 --memory 2g \
    --work-dir "$cluster_dir/work" spark://127.0.0.1:$master_port
  for _ in $(seq 1 60); do
    [[ $(alive_workers) -ge 1 ]] && break
    alive worker || { tail -20 "$cluster_dir/logs/worker.out" >&2; die "the Worker exited at start (log above)"; }
    sleep 0.5
  done
  [[ $(alive_workers) -ge 1 ]] || die "the Worker did not register with the Master within 30 s (see $cluster_dir/logs/worker.out)"
  status
}

alive_workers() {
  curl -fsS -m 2 "http://127.0.0.1:$master_ui/json/" 2>/dev/null \
    | json_query get aliveworkers 2>/dev/null || echo 0
}

status() {
  local all_running=0
  process_status master worker || all_running=1
  if alive master; then
    echo "master: spark://127.0.0.1:$master_port, UI http://127.0.0.1:$master_ui, $(alive_workers) worker(s) registered"
  fi
  alive worker && echo "worker: UI http://127.0.0.1:$worker_ui, executors' output under $cluster_dir/work/"
  return $all_running
}

case ${1:-} in
  start) start ;;
  stop) stop_process worker; stop_process master ;;
  status) status ;;
  *) die "usage: scripts/spark-cluster.sh start|stop|status" ;;
esac
