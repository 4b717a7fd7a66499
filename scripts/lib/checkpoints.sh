# Checkpoints and restore, one way for every runner (sourced by run.sh and the submit scripts).
#
#   --checkpointDir=DIR   take checkpoints into DIR (created if missing); it must not hold a
#                         checkpoint already, unless --restore is given
#   --restore             go on from the newest complete checkpoint in DIR
#
# translated into what each runner needs:
#   Flink: --checkpointingInterval (2000 ms unless given), externalized checkpoints retained on
#          cancellation, --stateBackend (filesystem unless given; or rocksdb) with its storage in
#          DIR. With rocksdb, checkpoints are incremental (only the files RocksDB wrote since the
#          last one): Beam has no option for that, so in local mode it goes in a flink-conf.yaml
#          of a --flinkConfDir (state.backend.incremental); a cluster's own configuration says it
#          (runners/flink/conf). Restore: the newest DIR/<job>/chk-N holding a _metadata file. In
#          local mode ([local]) Beam ignores --savepointPath, so it goes in that flink-conf.yaml
#          too (execution.savepoint.path); on a cluster, --savepointPath. A --flinkConfDir of
#          the user's is copied into it.
#          With --sink=kafka (exactly once): --sinkGroupId, new for a fresh run and kept in
#          DIR/kafka-sink-group-id, read back on restore (KafkaIO refuses another job's group).
#   Spark: --checkpointDir=DIR with --checkpointDurationMillis equal to --batchIntervalMillis
#          (trials lost or doubled signals on restore when they differed), both 1000 ms unless
#          given: with 500 ms batches Spark's checkpoint writer fell behind (the newest
#          checkpoint 6 minutes old after 30 minutes, heap and disk growing; docs/checkpoints.md, Soak).
#          Spark restores from DIR by itself; --restore checks first that there is something
#          to restore.
# Both: the options that decide where a device's state is kept (--aggregation, --groupStateShards)
#   are written to DIR/state-layout by a fresh run; a restore with other values would read the
#   state in the wrong place (a device's shard depends on the number of shards), so it stops;
#   so does a restore of checkpoints written by a build with other pipeline classes.
# Bad input (a missing, empty, corrupt or unwritable DIR; a runner that cannot checkpoint; a
# restore with another state layout): one line, exit 2.

# checkpoint_options RUNNER MODE ARGS...: reads --checkpointDir and --restore from ARGS; sets
# checkpoint_args (to add) and remaining_args (ARGS without ours). MODE: local or cluster.
checkpoint_options() {
  local runner=$1 mode=$2; shift 2
  local dir="" restore=false
  checkpoint_args=() remaining_args=()
  for arg in "$@"; do
    case $arg in
      --checkpointDir=*) dir=${arg#--checkpointDir=} ;;
      --restore|--restore=true) restore=true ;;
      --restore=false) ;;
      *) remaining_args+=("$arg") ;;
    esac
  done
  if [[ -z $dir ]]; then
    $restore && die "--restore needs --checkpointDir=DIR, the directory the earlier run checkpointed into"
    return 0
  fi
  [[ $runner != direct ]] || die "the DirectRunner does not checkpoint; use flink or spark with --checkpointDir"
  [[ $dir == /* ]] || dir=$PWD/$dir
  dir=${dir%/}
  if $restore; then
    [[ -d $dir ]] || die "--restore: the checkpoint directory $dir does not exist; give the --checkpointDir of the earlier run"
    [[ -n $(ls -A "$dir") ]] || die "--restore: the checkpoint directory $dir is empty; there is nothing to restore (drop --restore to start afresh)"
  else
    mkdir -p "$dir" 2>/dev/null || die "--checkpointDir: cannot create $dir; choose a directory you can write to"
  fi
  [[ -w $dir ]] || die "--checkpointDir: $dir is not writable; checkpoints could not be taken (fix its permissions or choose another directory)"

  state_layout "$dir" "$restore"
  case $runner in
    flink) flink_checkpoint_options "$dir" "$restore" "$mode" ;;
    spark) spark_checkpoint_options "$dir" "$restore" ;;
  esac
}

has_arg() { has_option "$1" "${remaining_args[@]+"${remaining_args[@]}"}"; }

flink_checkpoint_options() {
  local dir=$1 restore=$2 mode=$3 newest
  newest=$(ls -t "$dir"/*/chk-*/_metadata 2>/dev/null | head -1 || true)
  $restore || [[ -z $newest ]] || holds_checkpoint "$dir"
  has_arg checkpointingInterval || checkpoint_args+=(--checkpointingInterval=2000)
  has_arg stateBackend || checkpoint_args+=(--stateBackend=filesystem)
  checkpoint_args+=(--externalizedCheckpointsEnabled=true --retainExternalizedCheckpointsOnCancellation=true
    --stateBackendStoragePath="file://$dir")
  kafka_sink_group "$dir" "$restore"
  kafka_sink_shards "$dir" "$restore"
  local conf_lines=() backend
  backend=$(option_value stateBackend "${remaining_args[@]+"${remaining_args[@]}"}")
  if [[ ${backend,,} == rocksdb ]]; then conf_lines+=("state.backend.incremental: true"); fi
  if $restore; then
    # The newest complete checkpoint: a chk-N folder with its _metadata written last.
    [[ -n $newest ]] || die "--restore: no complete Flink checkpoint (*/chk-N/_metadata) in $dir; was it written by a Flink run with --checkpointDir=$dir?"
    # A Flink checkpoint's metadata begins with the magic number 0x4960672d (Checkpoints.HEADER_MAGIC_NUMBER).
    [[ $(od -An -tx1 -N4 "$newest" | tr -d ' \n') == 4960672d ]] \
      || die "--restore: $newest is not a Flink checkpoint (corrupt or truncated); delete that chk folder to fall back to an older one"
    local checkpoint=${newest%/_metadata}
    say "Restoring from $checkpoint"
    if [[ $mode == local ]]; then
      conf_lines+=("execution.savepoint.path: file://$checkpoint")
    else
      checkpoint_args+=(--savepointPath="file://$checkpoint")
    fi
  fi
  if [[ $mode == local && ${#conf_lines[@]} -gt 0 ]]; then
    local conf_dir user_conf_dir conf_file=flink-conf.yaml
    conf_dir=$(mktemp -d)
    user_conf_dir=$(option_value flinkConfDir "${remaining_args[@]+"${remaining_args[@]}"}")
    if [[ -n $user_conf_dir ]]; then
      [[ -f $user_conf_dir/config.yaml ]] && conf_file=config.yaml
      [[ -f $user_conf_dir/$conf_file ]] \
        || die "--flinkConfDir=$user_conf_dir holds no flink-conf.yaml or config.yaml; point it at Flink's configuration directory"
      cp "$user_conf_dir/$conf_file" "$conf_dir/$conf_file"
      local kept=() arg
      for arg in "${remaining_args[@]}"; do [[ $arg == --flinkConfDir=* ]] || kept+=("$arg"); done
      remaining_args=("${kept[@]+"${kept[@]}"}")
    fi
    # The user's own setting wins, except the checkpoint to restore, which --restore names.
    local line key
    for line in "${conf_lines[@]}"; do
      key=${line%%:*}
      [[ $key != execution.savepoint.path ]] || sed -i "/^$key:/d" "$conf_dir/$conf_file" 2>/dev/null || true
      grep -q "^$key:" "$conf_dir/$conf_file" 2>/dev/null || echo "$line" >> "$conf_dir/$conf_file"
    done
    checkpoint_args+=(--flinkConfDir="$conf_dir")
  fi
}

# kafka_sink_group DIR RESTORE: with --sink=kafka, the exactly-once sink's group id, the same
# for a run and its restores, new for a fresh run in DIR.
kafka_sink_group() {
  local dir=$1 restore=$2 file=$1/kafka-sink-group-id
  [[ $(option_value sink "${remaining_args[@]+"${remaining_args[@]}"}") == kafka ]] || return 0
  has_arg sinkGroupId && return 0
  if $restore; then
    [[ -s $file ]] || die "--restore: $file is missing; the earlier run did not write to Kafka exactly once, so its output cannot be continued (start afresh in an empty --checkpointDir)"
  else
    echo "beam-device-counter-$(date -u +%Y%m%dT%H%M%SZ)-$RANDOM$RANDOM" > "$file"
  fi
  checkpoint_args+=(--sinkGroupId="$(cat "$file")")
}

# kafka_sink_shards DIR RESTORE: with --sink=kafka, the exactly-once sink's number of producers,
# the same for a run and its restores (a device's producer depends on it). A run written before
# the number was kept had one.
kafka_sink_shards() {
  local dir=$1 restore=$2 file=$1/kafka-sink-shards given kept
  [[ $(option_value sink "${remaining_args[@]+"${remaining_args[@]}"}") == kafka ]] || return 0
  given=$(option_value sinkShards "${remaining_args[@]+"${remaining_args[@]}"}")
  if $restore; then
    kept=1
    [[ -s $file ]] && kept=$(cat "$file")
    [[ -z $given || $given == "$kept" ]] \
      || die "--restore: --sinkShards=$given, but the run in $dir wrote to Kafka through $kept producer(s), and a device's producer depends on that number; drop --sinkShards or give $kept"
    [[ -n $given ]] || checkpoint_args+=(--sinkShards="$kept")
  else
    echo "${given:-1}" > "$file"
  fi
}

# The revision of the pipeline's classes as checkpoints hold them: both runners keep coders and
# functions in a checkpoint by class name, and Flink's also elements in flight, coded; so a build
# that moves or renames such a class, or changes how a coder writes, cannot read older
# checkpoints; nor one that replaces a stateful step (Flink finds a step's state by its name).
# Raise it with any such change (5: GroupState keeps waiting values coded, 2026-12-05).
pipeline_classes_revision=5

# state_layout DIR RESTORE: writes what decides how the state is kept (the options that place each
# device's state, and the classes' revision) to DIR/state-layout (fresh run), or checks them
# against it (restore; a checkpoint written before the file existed is not checked).
state_layout() {
  local dir=$1 restore=$2 file=$1/state-layout aggregation shards layout written classes
  aggregation=$(option_value aggregation "${remaining_args[@]+"${remaining_args[@]}"}")
  shards=$(option_value groupStateShards "${remaining_args[@]+"${remaining_args[@]}"}")
  aggregation=${aggregation:-counter}
  # --groupStateShards' default (CounterOptions): 64 with --aggregation=groupstate, else 0.
  [[ -n $shards ]] || { [[ $aggregation == groupstate ]] && shards=64 || shards=0; }
  layout="--aggregation=$aggregation --groupStateShards=$shards"
  if ! $restore; then
    printf '%s\npipeline classes: %s\n' "$layout" "$pipeline_classes_revision" > "$file"
    return 0
  fi
  [[ -s $file ]] || return 0
  written=$(sed -n 1p "$file")
  [[ $written == "$layout" ]] \
    || die "--restore: the checkpoints in $dir were written with $written, this run has $layout; restore with the same options (they decide where each device's state is kept), or start afresh in another --checkpointDir"
  classes=$(sed -n 's/^pipeline classes: //p' "$file")
  [[ ${classes:-1} == "$pipeline_classes_revision" ]] \
    || die "--restore: the checkpoints in $dir were written by a build with other pipeline classes (revision ${classes:-1}; this build has $pipeline_classes_revision), which this build cannot read; start afresh in another --checkpointDir"
}

spark_checkpoint_options() {
  local dir=$1 restore=$2 batch=1000 given
  given=$(option_value batchIntervalMillis "${remaining_args[@]+"${remaining_args[@]}"}")
  [[ -n $given ]] && batch=$given
  if has_arg checkpointDurationMillis; then
    given=$(option_value checkpointDurationMillis "${remaining_args[@]}")
    [[ $given == "$batch" ]] || say "warning: --checkpointDurationMillis=$given differs from the batch interval ($batch ms); restores lost or doubled signals in trials"
  else
    checkpoint_args+=(--checkpointDurationMillis="$batch")
  fi
  has_arg batchIntervalMillis || checkpoint_args+=(--batchIntervalMillis="$batch")
  checkpoint_args+=(--checkpointDir="$dir")
  local files
  files=$(ls -t "$dir"/spark-checkpoint/checkpoint-* 2>/dev/null | grep -v '\.bk$' || true)
  if $restore; then
    [[ -n $files ]] || die "--restore: no Spark checkpoint (spark-checkpoint/checkpoint-*) in $dir; was it written by a Spark run with --checkpointDir=$dir?"
    # Spark writes its checkpoints through its compression codec (LZ4 by default).
    [[ $(head -c 8 "$(head -1 <<<"$files")") == LZ4Block ]] \
      || die "--restore: $(head -1 <<<"$files") is not a Spark checkpoint (corrupt or truncated); delete it to fall back to an older one"
    say "Restoring from $dir (Spark reads its newest checkpoint)"
  else
    [[ -z $files ]] || holds_checkpoint "$dir"
  fi
}

holds_checkpoint() {
  die "--checkpointDir: $1 holds a checkpoint of an earlier run; add --restore to go on from it, or choose an empty directory"
}
