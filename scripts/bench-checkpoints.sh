#!/usr/bin/env bash
# Checkpoints and a restore of a large state in RocksDB (issue 15; a measurement, not a test):
# Beam on Flink, unthrottled, --numDevices devices, state in RocksDB, a checkpoint every
# --interval seconds; after --seconds the JVM is killed (SIGKILL) and restored from its newest
# checkpoint. Nothing else may run on the machine meanwhile.
#
#   scripts/bench-checkpoints.sh [--devices 10000000] [--seconds 480] [--interval 60]
#                                [--full] [--out bench/results/rocksdb]
#
# Checkpoints are incremental (scripts/run.sh does that for rocksdb); --full takes whole ones
# instead (state.backend.incremental: false in a --flinkConfDir), to compare.
# Per checkpoint (Flink's CheckpointCoordinator log line): when it completed, the devices in state
# by then (devices reported so far), the state's full size and how long the checkpoint took. For
# the restore: the time from launch until every task is RUNNING (Flink restores state while a
# task is INITIALIZING), beside the same for the fresh start, and until the first report; and the
# restored run's first counts against the killed run's last (did it go on from the checkpoint).
# Writes checkpoints[-full].md to --out.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
devices=10000000 seconds=480 interval=60 full=false out="$project/bench/results/rocksdb"
command_line="scripts/bench-checkpoints.sh $*"
while [[ $# -gt 0 ]]; do
  case $1 in
    --devices) devices=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --full) full=true; shift ;;
    --out) out=$2; shift 2 ;;
    *) die "unknown argument '$1'; use --devices, --seconds, --interval, --full or --out" ;;
  esac
done
for n in $devices $seconds $interval; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "'$n' is not a positive whole number"
done
command -v python3 >/dev/null || die "python3 is needed to read the results"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$project/scripts/run.sh" flink --help > /dev/null # build first, untimed

run_args=(flink --verbose --output=jsonl --rowsPerSecond=0 --numDevices="$devices" --stateBackend=rocksdb
  --checkpointDir="$work/checkpoints" --checkpointingInterval=$((interval * 1000)))
if $full; then
  mkdir -p "$work/conf" && echo "state.backend.incremental: false" > "$work/conf/flink-conf.yaml"
  run_args+=(--flinkConfDir="$work/conf")
fi

# run NAME SECONDS [ARGS...]: runs the pipeline, stdout stamped with the epoch seconds of each
# line, then kills it with SIGKILL (run.sh execs the JVM); its launch time into NAME.launched.
stamp='import sys, time
for line in sys.stdin: sys.stdout.write(f"{time.time():.3f} {line}")'
run() {
  local name=$1 run_for=$2; shift 2
  date +%s.%N > "$work/$name.launched"
  ( "$project/scripts/run.sh" "${run_args[@]}" "$@" 2> "$work/$name.stderr" \
    | python3 -u -c "$stamp" > "$work/$name.stdout" ) 2>/dev/null & # no "Killed" notice
  sleep "$run_for"
  local jvm; jvm=$(pgrep -f "$work/checkpoints" || true)
  [[ -n $jvm ]] || { tail -5 "$work/$name.stderr" >&2; die "the $name run ended before it was killed"; }
  kill -9 $jvm 2>/dev/null || true
  wait || true
}

echo "$(date -u +%H:%M:%S) fresh run, $devices devices, killed after $seconds s..." >&2
run fresh "$seconds"
checkpoint_bytes=$(du -sb "$work/checkpoints" | cut -f1)
echo "$(date -u +%H:%M:%S) restore, run for 90 s..." >&2
run restored 90 --restore

python3 "$project/scripts/lib/checkpoint_stats.py" "$work" "$checkpoint_bytes" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$command_line" "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)" \
  "$($full && echo full || echo incremental)" > "$out/checkpoints$($full && echo -full || true).md"
cat "$out/checkpoints$($full && echo -full || true).md"
