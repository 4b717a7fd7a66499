#!/usr/bin/env bash
# Measures, per runner: how long scripts/run.sh takes from launch to the first report; how late
# reports appear after their tick (median and max over the run); how long the JVM takes to exit
# once --runSeconds is up (from the "stopping" log line to the exit). Builds first, untimed.
#
#   scripts/measure-startup.sh [direct] [flink] [spark]      (default: all three)
#
# Ticks are 1 s apart here, so "first report" is start-up plus at most 1 s.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
runners=("$@")
[[ ${#runners[@]} -gt 0 ]] || runners=(direct flink spark)
run_seconds=20
stamp() { while IFS= read -r line; do echo "$(date +%s.%N) $line"; done; }

for runner in "${runners[@]}"; do
  case $runner in direct|flink|spark) ;; *)
    die "unknown runner '$runner'; use direct, flink or spark" ;; esac
done

printf '%-8s %-24s %-28s %-24s\n' runner "first report after (s)" "report after tick (ms) p50/max" "exit after stopping (s)"
for runner in "${runners[@]}"; do
  "$project/scripts/run.sh" "$runner" --help >/dev/null   # builds if needed
  stdout=$(mktemp) stderr=$(mktemp)
  launched=$(date +%s.%N)
  "$project/scripts/run.sh" "$runner" --output=jsonl --rowsPerSecond=20 --triggerIntervalSeconds=1 \
      --runSeconds=$run_seconds 2> >(stamp > "$stderr") | stamp > "$stdout"
  exited=$(date +%s.%N)
  sleep 0.2 # let the stderr stamper finish
  first=$(head -1 "$stdout" | cut -d' ' -f1)
  stopping=$(grep -m1 'as asked; stopping' "$stderr" | cut -d' ' -f1 || true)
  # Lateness of each report: when it was read minus its tick's instant.
  lateness=$(sed -E 's/^([0-9.]+) \{"tick":"([^"]+)".*/\1 \2/' "$stdout" \
    | while read -r read_at tick; do echo "($read_at - $(date -d "$tick" +%s)) * 1000" | bc; done | sort -n)
  rm -f "$stdout" "$stderr"
  [[ -n $first && -n $stopping ]] || { echo "error: $runner printed no report or did not stop" >&2; exit 1; }
  p50=$(awk '{ v[NR] = $1 } END { printf "%d", v[int((NR + 1) / 2)] }' <<<"$lateness")
  max=$(tail -1 <<<"$lateness" | cut -d. -f1)
  awk -v r="$runner" -v l="$launched" -v f="$first" -v s="$stopping" -v e="$exited" -v lat="$p50/$max" \
    'BEGIN { printf "%-8s %-24.1f %-28s %-24.1f\n", r, f - l, lat, e - s }'
done
