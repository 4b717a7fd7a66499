#!/usr/bin/env python3
"""Figures for scripts/bench-kafka.sh.

  kafka_bench_stats.py catch-up N < jsonl-stdout
      events/s while the pipeline works off a backlog of N signals: the growth of the sum of
      all devices' counts from the first tick that counted anything to the last tick before
      all N were counted, over the time between those ticks.
  kafka_bench_stats.py latency < "<record-timestamp-millis> <report-json>" lines
      how long after its tick each report reached Kafka (the record's timestamp less the
      tick): median, 90th percentile and max, in ms.
"""
import json
import statistics
import sys
from datetime import datetime


def tick_millis(report):
    return int(datetime.fromisoformat(report["tick"].replace("Z", "+00:00")).timestamp() * 1000)


def catch_up(n):
    latest, total_at, total = {}, {}, 0
    for line in sys.stdin:
        try:
            report = json.loads(line)
        except ValueError:
            continue
        if "tick" not in report or report.get("final"):
            continue
        total += report["count"] - latest.get(report["deviceId"], 0)
        latest[report["deviceId"]] = report["count"]
        total_at[tick_millis(report)] = total
    ticks = sorted(total_at)
    if len(ticks) < 2:
        sys.exit("too few ticks to measure (%d)" % len(ticks))
    first = ticks[0]
    # The first tick that saw all N ends the catch-up; measure up to it.
    done = [t for t in ticks if total_at[t] >= n]
    end = done[0] if done else ticks[-1]
    if end == first:
        sys.exit("the whole backlog was counted within one tick; produce more signals")
    rate = (total_at[end] - total_at[first]) / ((end - first) / 1000)
    print("%.0f events/s over %.0f s (%d -> %d counted)" % (rate, (end - first) / 1000, total_at[first], total_at[end]))


def latency():
    delays = []
    for line in sys.stdin:
        stamp, _, payload = line.partition(" ")
        try:
            report = json.loads(payload)
        except ValueError:
            continue
        if "tick" in report:
            delays.append(int(stamp) - tick_millis(report))
    if not delays:
        sys.exit("no reports")
    delays.sort()
    print("median %d ms, p90 %d ms, max %d ms over %d reports" % (
        statistics.median(delays), delays[int(len(delays) * 0.9)], delays[-1], len(delays)))


if sys.argv[1] == "catch-up":
    catch_up(int(sys.argv[2]))
else:
    latency()
