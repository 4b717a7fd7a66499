#!/usr/bin/env python3
"""Reads a benchmark run's stamped jsonl ("<epoch seconds> <json>" per line) and prints one
line of figures: steady-state events/s, time from launch to the first report, how late each
tick's first report appeared after the tick (median and max), the seconds measured, and how many
devices had reported by <until> (the devices in state when bench.sh measured it).

Lateness counts the reports read at or after their tick: GroupState calls a key over its cap of
waiting values early, as part of the tick ahead, and those reports, read before their tick, say
nothing of how late the tick's calls are.

  bench_stats.py <stamped-stdout> <launch-epoch-seconds> <warmup-seconds> <measure-seconds> [<until>]

<until> (epoch seconds): ignore ticks from then on (bench.sh probes the heap then, which pauses
the JVM).
"""
import json
import statistics
import sys
from datetime import datetime

stamped, launched, warmup, measure = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
until = float(sys.argv[5]) if len(sys.argv) > 5 else float("inf")
latest = {}          # deviceId -> last reported count
total = 0            # sum of latest counts: the signals counted so far
total_at_tick = {}   # tick (epoch s) -> total once that tick's reports are in
first_read = {}      # tick -> when its first report was read at or after the tick
first_report = None
seen_by_until = set()
lines = open(stamped).readlines()
for number, line in enumerate(lines, 1):
    read_at, _, payload = line.partition(" ")
    try:
        report = json.loads(payload)
    except ValueError:
        if number == len(lines) and not line.endswith("\n"):
            break  # the JVM was halted while printing its last line
        sys.exit(f"error: line {number} is not a report: {line[:200]!r}")
    if "tick" not in report:
        continue
    tick = datetime.fromisoformat(report["tick"].replace("Z", "+00:00")).timestamp()
    first_report = first_report or float(read_at)
    if float(read_at) >= tick:
        first_read.setdefault(tick, float(read_at))
    device = report["deviceId"]
    if float(read_at) < until:
        seen_by_until.add(device)
    total += report["count"] - latest.get(device, 0)
    latest[device] = report["count"]
    total_at_tick[tick] = total

ticks = sorted(t for t in total_at_tick if t < until)
if len(ticks) < 3:
    sys.exit("error: fewer than 3 ticks with reports; run longer")
start = next((t for t in ticks if t >= ticks[0] + warmup), None)
end = ticks[-2]  # the last tick may have been cut short by the end of the run
if start is None or end - start < measure:
    sys.exit(f"error: only {end - (start or end):.0f} s measured after a {warmup:.0f} s warm-up; run longer")
rate = (total_at_tick[end] - total_at_tick[start]) / (end - start)
late_ms = [(first_read[t] - t) * 1000 for t in ticks[:-1] if t in first_read]
if not late_ms:
    sys.exit("error: no tick had a report at or after it; run longer")
print(f"{rate:,.0f} {first_report - launched:.1f} {statistics.median(late_ms):.0f} {max(late_ms):.0f} "
      f"{end - start:.0f} {len(seen_by_until)}")
