"""Checks that a run's last reports are exact: python3 final_counts.py REPORTS.jsonl N DEVICES

Per device, the count of its report with the latest tick (a later line wins a tie, as after a
restore) must equal how many of the seqs 0..N-1 the device function (ToSignal.deviceOf: the
SplitMix64 finaliser, floor-mod the number of devices) gives that device. Prints one line and
exits 0 if exact, 1 if not."""
import json
import sys

MASK = (1 << 64) - 1


def device_of(seq, devices):
    z = (seq + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    z ^= z >> 31
    signed = z - (1 << 64) if z >= 1 << 63 else z
    return signed % devices  # Python's % is a floor-mod, like Math.floorMod


def main(path, n, devices):
    expected = [0] * devices
    for seq in range(n):
        expected[device_of(seq, devices)] += 1
    latest = {}
    with open(path) as reports:
        for line in reports:
            if not line.startswith('{"tick"'):
                continue
            report = json.loads(line)
            device = report["deviceId"]
            if device not in latest or report["tick"] >= latest[device][0]:
                latest[device] = (report["tick"], report["count"])
    wrong = [d for d in range(devices) if latest.get(d, (None, 0))[1] != expected[d]]
    counted = sum(count for _, count in latest.values())
    if wrong:
        print(f"NOT exact: {len(wrong)} of {devices} devices differ; {counted:,} counted, {n:,} expected"
              f" (device {wrong[0]}: {latest.get(wrong[0], (None, 0))[1]} vs {expected[wrong[0]]})")
        return 1
    print(f"exact: {counted:,} signals over {devices:,} devices, every device's count as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
