# Helpers shared by scripts/spark-cluster.sh, flink-cluster.sh and the submit scripts (sourced).
# Cluster processes run in the background; each has a pid file and a log under $cluster_dir.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# Where the clusters keep their installation, pid files, logs and work directories. Outside
# target/ on purpose: `mvn clean` must not pull the floor from under a running cluster.
clusters_root=${SIGNALS_CLUSTERS_DIR:-$project/.clusters}


# alive NAME: is the process of NAME's pid file running?
alive() {
  local pid_file="$cluster_dir/pids/$1.pid"
  [[ -s $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

# start_process [--stderr-apart] NAME COMMAND...: runs COMMAND in the background (its own
# session, so that a terminal's Ctrl-C does not reach it), output to logs/NAME.out (stderr too,
# unless --stderr-apart puts it in logs/NAME.err: a Flink TaskManager's stdout is the jobs'
# counts), pid to pids/NAME.pid.
start_process() {
  local stderr_apart=false
  [[ $1 == --stderr-apart ]] && { stderr_apart=true; shift; }
  local name=$1; shift
  mkdir -p "$cluster_dir/pids" "$cluster_dir/logs"
  if $stderr_apart; then
    setsid "$@" > "$cluster_dir/logs/$name.out" 2> "$cluster_dir/logs/$name.err" < /dev/null &
  else
    setsid "$@" > "$cluster_dir/logs/$name.out" 2>&1 < /dev/null &
  fi
  echo $! > "$cluster_dir/pids/$name.pid"
}

# stop_process NAME: TERM, up to 15 s to go, then KILL. Also stops what the process started
# (its session: a Spark Worker's executors, for one).
stop_process() {
  local name=$1 pid_file="$cluster_dir/pids/$1.pid" pid
  [[ -s $pid_file ]] || return 0
  pid=$(cat "$pid_file")
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$pid_file"
    say "$name was not running (it had exited; its pid file is removed)"
    return 0
  fi
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop within 15 s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Children left in the session (executors) go too.
  pkill -KILL -s "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  say "stopped $name (pid $pid)"
}

# process_status NAME...: one line per process of this cluster; true when all of them run.
process_status() {
  local running=0
  for name in "$@"; do
    if alive "$name"; then echo "$name: running (pid $(cat "$cluster_dir/pids/$name.pid"))"; running=$((running + 1))
    else echo "$name: not running"; fi
  done
  [[ $running -eq $# ]]
}

# wait_for_http URL SECONDS NAME: waits until URL answers, or fails naming NAME's log.
wait_for_http() {
  local url=$1 seconds=$2 name=$3 logs="" file
  for file in "$cluster_dir/logs/$name".{out,err}; do [[ -f $file ]] && logs+="$file "; done
  for _ in $(seq 1 $((seconds * 2))); do
    curl -fsS -m 2 "$url" > /dev/null 2>&1 && return 0
    # shellcheck disable=SC2086 # one or two files
    alive "$name" || { tail -20 $logs >&2; die "$name exited at start (log above: $logs)"; }
    sleep 0.5
  done
  # shellcheck disable=SC2086
  tail -20 $logs >&2
  die "$name did not answer at $url within $seconds s (log above: $logs)"
}

# port_open HOST PORT: can a TCP connection be made within 3 s?
port_open() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# java17_opens: the --add-opens list Spark needs on Java 17 (one line in .mvn/jvm.config).
java17_opens() { cat "$project/.mvn/jvm.config"; }

# bundled_jar RUNNER: builds target/...-RUNNER-bundled.jar when the sources or the pom changed
# since it was built; prints its path.
bundled_jar() {
  local runner=$1 jar
  jar=$(ls "$project"/target/beam-device-counter-*-"$runner"-bundled.jar 2>/dev/null | head -1 || true)
  if [[ -z $jar ]] || [[ -n $(find "$project/pom.xml" "$project/src/main" -newer "$jar" -print -quit) ]]; then
    say "Building the $runner bundle (mvn -P$runner-runner package -DskipTests)..."
    quiet_mvn "building the $runner bundle" -f "$project/pom.xml" -P"$runner-runner" -DskipTests package
    jar=$(ls "$project"/target/beam-device-counter-*-"$runner"-bundled.jar | head -1)
  fi
  echo "$jar"
}


# spark_environment: our Spark installation and configuration (a user's own SPARK_HOME wins).
spark_environment() {
  cluster_dir=$clusters_root/spark
  export SPARK_HOME=${SPARK_HOME:-$cluster_dir/home}
  export SPARK_CONF_DIR=${SPARK_CONF_DIR:-$project/runners/spark/conf}
  export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}   # binds the UIs to loopback too
  export SPARK_SCALA_VERSION=2.12                     # the Worker's executor launcher asks for it
}

install_spark() {
  [[ -d $SPARK_HOME/jars ]] && return 0
  say "Assembling Spark 3.5.0 from Maven Central into $SPARK_HOME (once, about a minute)..."
  quiet_mvn "assembling Spark" -f "$project/runners/spark/home/pom.xml" package -Dspark.home="$SPARK_HOME"
  echo "Spark 3.5.0 (Scala 2.12), jars from Maven Central by runners/spark/home/pom.xml" > "$SPARK_HOME/RELEASE"
}


# flink_environment: our Flink installation (lib/ from Maven Central) and configuration.
flink_environment() {
  cluster_dir=$clusters_root/flink
  flink_home=${FLINK_HOME:-$cluster_dir/home}
  flink_conf=${FLINK_CONF_DIR:-$project/runners/flink/conf}
}

install_flink() {
  [[ -d $flink_home/lib ]] && return 0
  say "Assembling Flink 1.19.0 from Maven Central into $flink_home (once)..."
  quiet_mvn "assembling Flink" -f "$project/runners/flink/home/pom.xml" package -Dflink.home="$flink_home"
}
