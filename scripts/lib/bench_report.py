#!/usr/bin/env python3
"""Turns scripts/bench.sh's results.csv into its markdown report: machine, versions, date, the
command, one table of all runs with the ratio of each Beam runner to its native baseline at the
same device count, the live heap per device at the largest device count, and, for runs with
state in RocksDB (runners named <runner>-rocksdb), the state on disk per device.

  bench_report.py <results.csv> <machine> <versions> <date> <command> <warmup> <measure>
"""
import csv
import sys

path, machine, versions, date, command, warmup, measure = sys.argv[1:8]
rows = list(csv.DictReader(open(path)))
NAMES = {"direct": "Beam, Direct", "flink": "Beam, Flink `[local]`", "spark": "Beam, Spark `local[2]`",
         "native-flink": "native Flink", "native-spark": "native Spark",
         "direct-groupstate": "Beam GroupState (seed's function), Direct",
         "flink-groupstate": "Beam GroupState (seed's function), Flink `[local]`",
         "spark-groupstate": "Beam GroupState (seed's function), Spark `local[2]`"}
for runner in ["direct", "flink", "spark"]:  # the devices kept in shards (withKeyShards)
    NAMES[runner + "-groupstate-sharded"] = NAMES[runner + "-groupstate"] + ", in shards"
BASELINE = {"flink": "native-flink", "spark": "native-spark",
            "flink-groupstate": "native-flink", "spark-groupstate": "native-spark"}
BASELINE.update({"flink-groupstate-sharded": "native-flink", "spark-groupstate-sharded": "native-spark"})
ORDER = ["direct", "direct-groupstate", "direct-groupstate-sharded", "flink", "flink-groupstate",
         "flink-groupstate-sharded", "native-flink", "spark", "spark-groupstate", "spark-groupstate-sharded",
         "native-spark"]
for runner in ["flink", "flink-groupstate", "flink-groupstate-sharded", "native-flink"]:  # state in RocksDB instead of the heap
    NAMES[runner + "-rocksdb"] = NAMES[runner] + ", RocksDB"
    ORDER.insert(ORDER.index(runner) + 1, runner + "-rocksdb")
    if runner in BASELINE:
        BASELINE[runner + "-rocksdb"] = BASELINE[runner] + "-rocksdb"
rows.sort(key=lambda r: (int(r["devices"]), ORDER.index(r["runner"])))
rate = {(r["runner"], r["devices"]): float(r["events_per_second"]) for r in rows if r["events_per_second"]}


def ratio(r, baseline=None):
    base = rate.get((baseline or BASELINE.get(r["runner"]), r["devices"]))
    mine = rate.get((r["runner"], r["devices"]))
    return f"**{mine / base:.2f}x**" if base and mine else ""


print(f"Measured {date} on {machine}; {versions}.  ")
print(f"`{command}`: one run each, unthrottled, 10 s ticks, warm-up {warmup} s, measured over at least {measure} s.")
print()
print("| devices | what | events/s | Beam / native | GroupState / tuned counter | first report after launch | tick lateness median / max | peak RSS | live heap |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if not r["events_per_second"]:
        print(f"| {int(r['devices']):,} | {NAMES[r['runner']]} | failed | | | | | | |")
        continue
    heap = f"{int(r['live_heap_mb']):,} MB" if r["live_heap_mb"] else "?"
    counter = r["runner"].replace("-groupstate-sharded", "").replace("-groupstate", "") \
        if "-groupstate" in r["runner"] else None
    print(f"| {int(r['devices']):,} | {NAMES[r['runner']]} | {float(r['events_per_second']):,.0f} | {ratio(r)} "
          f"| {ratio(r, counter) if counter else ''} "
          f"| {float(r['first_report_s']):.1f} s | {r['late_median_ms']} / {r['late_max_ms']} ms "
          f"| {int(r['peak_rss_mb']):,} MB | {heap} |")

# Heap per device at the largest device count, two ways: all live heap over the devices (an upper
# bound: the engine's own objects are in it), and the growth of live heap from the smallest device
# count (the engine's share cancels out, but in-flight data at the moment of the probe does not:
# Spark's batches of millions of rows can make it negative).
print()
print("Live heap per device at the largest device count (live heap from `jcmd <pid> GC.class_histogram`, "
      "which runs a full GC, 8 s before the end of the run):")
print()
print("| what | devices | live heap | live heap / devices | growth from the smallest count, per device |")
print("|---|---|---|---|---|")
for runner in ORDER:
    mine = [r for r in rows if r["runner"] == runner and r["live_heap_mb"] and r["events_per_second"]]
    if len(mine) < 2:
        continue  # no device count beyond the smallest was measured
    small = min(mine, key=lambda r: int(r["devices"]))
    large = max(mine, key=lambda r: int(r["devices"]))
    devices = int(large["devices"])
    upper = int(large["live_heap_mb"]) * 1048576 / devices
    per_device = (int(large["live_heap_mb"]) - int(small["live_heap_mb"])) * 1048576 / (
        devices - int(small["devices"]))
    growth = f"{per_device:,.0f} bytes" if per_device > 0 else \
        f"n/a (less live heap than at {int(small['devices']):,}: data in flight)"
    print(f"| {NAMES[runner]} | {devices:,} | {int(large['live_heap_mb']):,} MB | {upper:,.0f} bytes | {growth} |")

# State in RocksDB: its size on local disk (after RocksDB's compression) at the heap probe, over
# the devices that had reported by then.
on_disk = [r for r in rows if r.get("state_disk_mb") and r.get("devices_in_state")]
if on_disk:
    print()
    print("State in RocksDB on local disk, measured with the live heap (`du` of RocksDB's directory):")
    print()
    print("| what | devices | devices in state | state on disk | on disk / device | live heap / device in state |")
    print("|---|---|---|---|---|---|")
    for r in on_disk:
        in_state = int(r["devices_in_state"])
        heap = f"{int(r['live_heap_mb']) * 1048576 / in_state:,.0f} bytes" if r["live_heap_mb"] else "?"
        print(f"| {NAMES[r['runner']]} | {int(r['devices']):,} | {in_state:,} | {int(r['state_disk_mb']):,} MB "
              f"| {int(r['state_disk_mb']) * 1048576 / in_state:,.0f} bytes | {heap} |")
