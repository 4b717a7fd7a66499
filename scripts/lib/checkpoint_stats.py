#!/usr/bin/env python3
"""Reads scripts/bench-checkpoints.sh's two runs (fresh, then restored) and prints its markdown
report: each checkpoint of the fresh run, and the restore's start-up beside the fresh start's.

  checkpoint_stats.py <work-dir> <checkpoint-dir-bytes> <date> <command> <machine> <kind>

<work-dir> holds <run>.launched (epoch seconds), <run>.stderr (the pipeline's log with Flink's
INFO lines, each starting HH:MM:SS.mmm, UTC) and <run>.stdout ("<epoch seconds> <json>" lines).
"""
import json
import re
import sys
from datetime import datetime, timezone

work, checkpoint_bytes, date, command, machine, kind = sys.argv[1:7]
COMPLETED = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) .*Completed checkpoint (\d+) for job \S+ \((\d+) bytes, "
                       r"checkpointDuration=(\d+) ms")
RUNNING = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) .*switched from INITIALIZING to RUNNING")


def launched(run):
    return float(open(f"{work}/{run}.launched").read())


def log_time(run, clock):
    """A log line's HH:MM:SS.mmm as epoch seconds, on the day of the run's launch."""
    day = datetime.fromtimestamp(launched(run), timezone.utc).date()
    moment = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
    return moment.timestamp()


def reports(run):
    """(read at, device) of each report, in order."""
    out = []
    for line in open(f"{work}/{run}.stdout"):
        read_at, _, payload = line.partition(" ")
        try:
            out.append((float(read_at), json.loads(payload)["deviceId"]))
        except (ValueError, KeyError):
            pass  # the JVM was killed while printing its last line
    return out


def counted(run, first):
    """The sum over devices of each one's first (or last) reported count in a run."""
    counts = {}
    for line in open(f"{work}/{run}.stdout"):
        try:
            report = json.loads(line.partition(" ")[2])
        except ValueError:
            continue  # the JVM was killed while printing its last line
        if not first or report["deviceId"] not in counts:
            counts[report["deviceId"]] = report["count"]
    return sum(counts.values())


def all_running(run):
    """Seconds from launch until the last task switched to RUNNING (restored state included)."""
    times = [log_time(run, m.group(1)) for m in map(RUNNING.match, open(f"{work}/{run}.stderr")) if m]
    return max(times) - launched(run) if times else None


def first_report(run):
    seen = reports(run)
    return seen[0][0] - launched(run) if seen else None


fresh = reports("fresh")
print(f"Measured {date} on {machine}: Beam on Flink `[local]`, state in RocksDB, {kind} checkpoints.  ")
print(f"`{command}`")
print()
print("| checkpoint | completed after launch | devices in state by then | state (full size) | took |")
print("|---|---|---|---|---|")
for line in open(f"{work}/fresh.stderr"):
    m = COMPLETED.match(line)
    if not m:
        continue
    at = log_time("fresh", m.group(1))
    devices = len({device for read_at, device in fresh if read_at <= at})
    print(f"| {m.group(2)} | {at - launched('fresh'):.0f} s | {devices:,} | {int(m.group(3)) / 1048576:,.0f} MB "
          f"| {int(m.group(4)) / 1000:.1f} s |")
print()
print(f"The checkpoint directory held {int(checkpoint_bytes) / 1048576:,.0f} MB when the run was killed.")
print()
print("| start | every task RUNNING after launch | first report after launch |")
print("|---|---|---|")
for run, name in (("fresh", "fresh (no state)"), ("restored", "restored from the newest checkpoint")):
    running, first = all_running(run), first_report(run)
    print(f"| {name} | {f'{running:.1f} s' if running is not None else '?'} "
          f"| {f'{first:.1f} s' if first is not None else '?'} |")
print()
print(f"The restored run went on from the checkpoint: its first reports add up to {counted('restored', True):,} "
      f"signals; the killed run had reported {counted('fresh', False):,} (the checkpoint restored is older "
      "than its last reports; a run started afresh would first report one tick's signals).")
