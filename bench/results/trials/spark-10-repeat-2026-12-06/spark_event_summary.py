#!/usr/bin/env python3
"""Sums a Spark event log (spark.eventLog.enabled=true) after its first SKIP seconds: per stage
name, the stages, their wall time, tasks, task run / CPU / GC time and shuffle writes; per job
kind, the jobs and their wall time. A log cut off by `timeout` (".inprogress") is read up to
its last whole line.

  spark_event_summary.py <event log> [SKIP, default 30]
"""
import collections
import json
import re
import sys

path = sys.argv[1]
skip_s = float(sys.argv[2]) if len(sys.argv) > 2 else 30
events = []
for line in open(path):
    try:
        events.append(json.loads(line))
    except json.JSONDecodeError:
        break  # the line the run was stopped in
start = next(e["Timestamp"] for e in events if e["Event"] == "SparkListenerApplicationStart")
since = start + skip_s * 1000
stages, jobs = {}, {}
tasks = collections.defaultdict(collections.Counter)
for e in events:
    kind = e["Event"]
    if kind == "SparkListenerJobStart":
        name = e["Stage Infos"][-1]["Stage Name"] if e["Stage Infos"] else "?"
        jobs[e["Job ID"]] = {"start": e["Submission Time"], "name": name}
    elif kind == "SparkListenerJobEnd":
        jobs[e["Job ID"]]["end"] = e["Completion Time"]
    elif kind == "SparkListenerStageCompleted":
        info = e["Stage Info"]
        if "Submission Time" in info:
            stages[info["Stage ID"]] = (info["Stage Name"], info["Submission Time"], info["Completion Time"])
    elif kind == "SparkListenerTaskEnd":
        metrics = e.get("Task Metrics") or {}
        shuffle = metrics.get("Shuffle Write Metrics") or {}
        t = tasks[e["Stage ID"]]
        t["tasks"] += 1
        t["run"] += metrics.get("Executor Run Time", 0) / 1000
        t["cpu"] += metrics.get("Executor CPU Time", 0) / 1e9
        t["gc"] += metrics.get("JVM GC Time", 0) / 1000
        t["shuffle_mb"] += shuffle.get("Shuffle Bytes Written", 0) / 1e6

by_name = collections.defaultdict(collections.Counter)
end = since
for stage_id, (name, submitted, completed) in stages.items():
    if submitted < since:
        continue
    end = max(end, completed)
    totals = by_name[re.sub(r"\s+", " ", name)]
    totals["stages"] += 1
    totals["wall"] += (completed - submitted) / 1000
    totals.update(tasks[stage_id])
print(f"{(end - since) / 1000:.1f} s of stages after the first {skip_s:.0f} s")
print(f"| stage | stages | wall s | tasks | task run s | task CPU s | GC s | shuffle written MB |")
print("|---|---|---|---|---|---|---|---|")
for name, t in sorted(by_name.items(), key=lambda item: -item[1]["run"]):
    print(f"| {name[:60]} | {t['stages']} | {t['wall']:.1f} | {t['tasks']} | {t['run']:.1f} | {t['cpu']:.1f} "
          f"| {t['gc']:.1f} | {t['shuffle_mb']:.1f} |")
print()
print("| job (its last stage) | jobs | wall s | ms per job |")
print("|---|---|---|---|")
per_kind = collections.defaultdict(lambda: [0, 0.0])
for job in jobs.values():
    if job["start"] >= since and "end" in job:
        entry = per_kind[re.sub(r"\s+", " ", job["name"])]
        entry[0] += 1
        entry[1] += (job["end"] - job["start"]) / 1000
for name, (n, wall) in sorted(per_kind.items(), key=lambda item: -item[1][1]):
    print(f"| {name[:60]} | {n} | {wall:.1f} | {wall / n * 1000:.0f} |")
