# What every script here shares (sourced).
project=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# die MESSAGE: the one line a user sees for bad input; exit 2.
die() { echo "error: $*" >&2; exit 2; }
say() { echo "$*" >&2; }

# Flags for every JVM whose stdout carries reports or counts: the JVM's own warnings (unified
# logging, which writes to stdout by default) go to stderr. JFR's start-up lines would still go
# to stdout (JFR adds stdout for them), hence jfr+startup only at error. The tests' launcher
# (LaunchedProgram) and Spark's executors (runners/spark/conf/spark-defaults.conf) repeat them.
jvm_logging=(-Xlog:disable -Xlog:all=warning,jfr+startup=error:stderr:uptime,level,tags)

# json_query QUERY ARGS...: reads the JSON on stdin (a cluster's REST answer); see json_query.py.
json_query() { python3 "$project/scripts/lib/json_query.py" "$@"; }

# option_value NAME ARGS...: the value of --NAME=value among ARGS (last one wins), or nothing.
option_value() {
  local name=$1 value=""; shift
  for a in "$@"; do [[ $a == --$name=* ]] && value=${a#--"$name"=}; done
  echo "$value"
}

# has_option NAME ARGS...: whether ARGS set --NAME=...
has_option() {
  local name=$1 a; shift
  for a in "$@"; do [[ $a == --$name=* ]] && return 0; done
  return 1
}

# flink_pipeline_options ARGS...: the Flink runner's tuning options (runners/flink/pipeline-options)
# that ARGS do not set themselves, one per line.
flink_pipeline_options() {
  local option name
  while read -r option; do
    name=${option#--}; name=${name%%=*}
    has_option "$name" "$@" || echo "$option"
  done < <(grep -E '^--' "$project/runners/flink/pipeline-options")
}

# quiet_mvn WHAT MAVEN-ARGS...: runs Maven with its output in a temporary log; on failure shows
# the log's ERROR lines (or its tail), then one line naming WHAT failed, and exits 1.
quiet_mvn() {
  local what=$1 log; shift
  log=$(mktemp)
  if ! mvn -B -Dstyle.color=never "$@" > "$log" 2>&1; then
    grep -E 'ERROR|FATAL' "$log" >&2 || tail -20 "$log" >&2
    rm -f "$log"
    echo "error: $what failed (Maven output above); run 'mvn $*' to see all of it" >&2
    exit 1
  fi
  rm -f "$log"
}

# heap_after_full_gc_mb PID: the JVM's heap in use right after a full GC (jcmd GC.run; then
# jstat -gc: survivor, eden and old generation in use), in MB; 0 if the JVM is gone.
heap_after_full_gc_mb() {
  jcmd "$1" GC.run > /dev/null 2>&1 || true
  { jstat -gc "$1" 2>/dev/null || true; } | awk 'NR == 2 {mb = int(($3 + $4 + $6 + $8) / 1024)} END {print mb + 0}'
}

# runtime_classpath RUNNER: the program's classpath for RUNNER (direct, flink or spark), compiled
# first when the sources or the pom changed since the last build for that runner.
runtime_classpath() {
  local runner=$1 classpath_file="$project/target/classpath-$1.txt"
  if [[ ! -s $classpath_file ]] || [[ -n $(find "$project/pom.xml" "$project/src/main" -newer "$classpath_file" -print -quit) ]]; then
    say "Building for the $runner runner (mvn -P$runner-runner compile)..."
    rm -f "$classpath_file"
    # Spark is 'provided' in the pom (a cluster brings it); here it runs in-process.
    quiet_mvn "the build" -f "$project/pom.xml" -P"$runner-runner" -Dspark.scope=runtime -DskipTests \
      compile dependency:build-classpath -Dmdep.outputFile="$classpath_file" -DincludeScope=runtime
  fi
  echo "$project/target/classes:$(cat "$classpath_file")"
}
