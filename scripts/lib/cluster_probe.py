"""One look at a soak's job on a cluster, for scripts/soak.sh (every minute):

    python3 cluster_probe.py flink REST_URL JOB_ID SEEN_FILE
    python3 cluster_probe.py spark DRIVER_UI_URL APP_ID SEEN_FILE

Prints one line, "STATE LOST RETRIES":
  STATE    the job's state (Flink: RUNNING, FAILED, ...; Spark: RUNNING while the driver's UI
           lists the application), or UNKNOWN when nobody answers
  LOST     workers seen earlier in this soak that are gone: TaskManagers (Flink; the ids seen
           are kept in SEEN_FILE) or removed executors (Spark's list keeps them)
  RETRIES  the job's restarts (Flink's numRestarts) or failed tasks (Spark)
"""
import json
import sys
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def flink(rest, job_id, seen_file):
    state = get(f"{rest}/jobs/{job_id}")["state"]
    current = {tm["id"] for tm in get(f"{rest}/taskmanagers")["taskmanagers"]}
    try:
        with open(seen_file) as f:
            seen = set(json.load(f))
    except (OSError, ValueError):
        seen = set()
    seen |= current
    with open(seen_file, "w") as f:
        json.dump(sorted(seen), f)
    metrics = get(f"{rest}/jobs/{job_id}/metrics?get=numRestarts")
    restarts = int(float(metrics[0]["value"])) if metrics else 0
    return state, len(seen - current), restarts


def spark(ui, app_id, _seen_file):
    executors = [e for e in get(f"{ui}/api/v1/applications/{app_id}/allexecutors") if e["id"] != "driver"]
    lost = sum(1 for e in executors if not e["isActive"])
    failed = sum(e.get("failedTasks", 0) for e in executors)
    return "RUNNING", lost, failed


def main(kind, url, job, seen_file):
    try:
        state, lost, retries = (flink if kind == "flink" else spark)(url, job, seen_file)
    except Exception:  # nobody answered, or not what was expected: say so in the row
        state, lost, retries = "UNKNOWN", -1, -1
    print(state, lost, retries)


if __name__ == "__main__":
    main(*sys.argv[1:5])
