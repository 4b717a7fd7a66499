#!/usr/bin/env python3
"""Reads scripts/bench-checkpoints.sh's two runs (fresh, then restored) and prints its markdown
report: each checkpoint of the fresh run, and the restore's start-up beside the fresh start's.

  checkpoint_stats.py <work-dir> <checkpoint-dir-bytes> <date> <command> <machine> <kind>

<work-dir> holds <run>.launched (epoch seconds), <run>.stderr (the pipeline's log with Flink's
INFO lines, each starting HH:MM:SS.mmm, UTC) and <run>.stdout ("<epoch seconds> <json>" lines).
"""
import bisect
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


class Reports:
    """One pass over a run's stdout: when each device first reported, and its first and last
    reported counts."""

    def __init__(self, run):
        self.first_seen, self.first_count, self.last_count = {}, {}, {}
        for line in open(f"{work}/{run}.stdout"):
            read_at, _, payload = line.partition(" ")
            try:
                report = json.loads(payload)
                device, count = report["deviceId"], report["count"]
            except (ValueError, KeyError):
                continue  # the JVM was killed while printing its last line
            self.first_seen.setdefault(device, float(read_at))
            self.first_count.setdefault(device, count)
            self.last_count[device] = count
        self.seen_times = sorted(self.first_seen.values())

    def devices_by(self, moment):
        """How many devices had reported by then."""
        return bisect.bisect_right(self.seen_times, moment)

    def first_report_after(self, launch):
        return self.seen_times[0] - launch if self.seen_times else None


def all_running(run):
    """Seconds from launch until the last task switched to RUNNING (restored state included)."""
    times = [log_time(run, m.group(1)) for m in map(RUNNING.match, open(f"{work}/{run}.stderr")) if m]
    return max(times) - launched(run) if times else None


fresh, restored = Reports("fresh"), Reports("restored")
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
    print(f"| {m.group(2)} | {at - launched('fresh'):.0f} s | {fresh.devices_by(at):,} | {int(m.group(3)) / 1048576:,.0f} MB "
          f"| {int(m.group(4)) / 1000:.1f} s |")
print()
print(f"The checkpoint directory held {int(checkpoint_bytes) / 1048576:,.0f} MB when the run was killed.")
print()
print("| start | every task RUNNING after launch | first report after launch |")
print("|---|---|---|")
for run, reports, name in (("fresh", fresh, "fresh (no state)"),
                           ("restored", restored, "restored from the newest checkpoint")):
    running, first = all_running(run), reports.first_report_after(launched(run))
    print(f"| {name} | {f'{running:.1f} s' if running is not None else '?'} "
          f"| {f'{first:.1f} s' if first is not None else '?'} |")
print()
print(f"The restored run went on from the checkpoint: its first reports add up to {sum(restored.first_count.values()):,} "
      f"signals; the killed run had reported {sum(fresh.last_count.values()):,} (the checkpoint restored is older "
      "than its last reports; a run started afresh would first report one tick's signals).")
