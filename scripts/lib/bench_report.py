#!/usr/bin/env python3
"""Turns scripts/bench.sh's results.csv into its markdown report: machine, versions, date, the
command, one table of all runs with the ratio of each Beam runner to its native baseline at the
same device count, the live heap per device at the largest device count, and, for runs with
state in RocksDB (runners named <runner>-rocksdb), the state on disk per device.

With several rounds (scripts/bench.sh --repeat N), each figure is the median of the runner's runs
at that device count, events/s with its range, and each ratio is the median of the rounds' own
ratios (a runner against its baseline in the same round), with their range; a second table then
gives events/s run by run.

  bench_report.py <results.csv> <machine> <versions> <date> <command> <warmup> <measure>
"""
import csv
import statistics
import sys

path, machine, versions, date, command, warmup, measure = sys.argv[1:8]
runs = list(csv.DictReader(open(path)))
for run in runs:
    run["round"] = run.get("round") or "1"  # results.csv files from before --repeat have no round
rounds = max((int(run["round"]) for run in runs), default=1)
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
rate = {(r["runner"], r["devices"], r["round"]): float(r["events_per_second"])
        for r in runs if r["events_per_second"]}


def median_of(values, whole=True):
    """The median of the values that are there, or '' when none is."""
    present = [float(v) for v in values if v not in ("", None)]
    if not present:
        return ""
    middle = statistics.median(present)
    return str(round(middle)) if whole else str(middle)


# One row per runner and device count: medians over its measured rounds (the one run's own
# figures with a single round); the largest peak RSS of all.
rows = []
for key in dict.fromkeys((r["runner"], r["devices"]) for r in runs):
    mine = [r for r in runs if (r["runner"], r["devices"]) == key]
    measured = [r for r in mine if r["events_per_second"]]
    row = {"runner": key[0], "devices": key[1], "runs": len(mine), "measured": len(measured),
           "rates": [float(r["events_per_second"]) for r in measured]}
    for field in ["events_per_second", "first_report_s"]:
        row[field] = median_of([r[field] for r in measured], whole=False)
    for field in ["late_median_ms", "late_max_ms", "live_heap_mb", "state_disk_mb", "devices_in_state"]:
        row[field] = median_of([r.get(field) for r in measured])
    row["peak_rss_mb"] = str(max(int(r["peak_rss_mb"]) for r in measured)) if measured else ""
    rows.append(row)
rows.sort(key=lambda r: (int(r["devices"]), ORDER.index(r["runner"])))


def ratio(r, baseline=None):
    """The runner's events/s over its baseline's, round by round; their median, and range."""
    baseline = baseline or BASELINE.get(r["runner"])
    each = sorted(rate[(r["runner"], r["devices"], n)] / rate[(baseline, r["devices"], n)]
                  for n in map(str, range(1, rounds + 1))
                  if (r["runner"], r["devices"], n) in rate and (baseline, r["devices"], n) in rate)
    if not each:
        return ""
    text = f"**{statistics.median(each):.2f}x**"
    return text if len(each) == 1 else f"{text} ({each[0]:.2f}-{each[-1]:.2f}x, {len(each)} rounds)"


def events_per_second(r):
    text = f"{float(r['events_per_second']):,.0f}"
    if rounds == 1:
        return text
    spread = f"{min(r['rates']):,.0f}-{max(r['rates']):,.0f}, " if len(r["rates"]) > 1 else ""
    failed = f", {r['runs'] - r['measured']} failed" if r["measured"] < r["runs"] else ""
    return f"{text} ({spread}{r['measured']} runs{failed})"


print(f"Measured {date} on {machine}; {versions}.  ")
if rounds == 1:
    print(f"`{command}`: one run each, unthrottled, 10 s ticks, warm-up {warmup} s, measured over at least {measure} s.")
else:
    print(f"`{command}`: {rounds} runs each, in rounds (the runners' order reversed every other round), "
          f"unthrottled, 10 s ticks, warm-up {warmup} s, measured over at least {measure} s. Each figure is "
          "the median of the runs (events/s with their range), each ratio the median of the rounds' own "
          "ratios (with their range); peak RSS the largest.")
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
    print(f"| {int(r['devices']):,} | {NAMES[r['runner']]} | {events_per_second(r)} | {ratio(r)} "
          f"| {ratio(r, counter) if counter else ''} "
          f"| {float(r['first_report_s']):.1f} s | {r['late_median_ms']} / {r['late_max_ms']} ms "
          f"| {int(r['peak_rss_mb']):,} MB | {heap} |")

if rounds > 1:
    print()
    print("Events/s run by run (a blank: failed or not run):")
    print()
    print("| round | " + " | ".join(f"{NAMES[r['runner']]}, {int(r['devices']):,}" for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for n in map(str, range(1, rounds + 1)):
        cells = [f"{rate[(r['runner'], r['devices'], n)]:,.0f}" if (r["runner"], r["devices"], n) in rate else ""
                 for r in rows]
        print(f"| {n}{' (reversed)' if int(n) % 2 == 0 else ''} | " + " | ".join(cells) + " |")

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
