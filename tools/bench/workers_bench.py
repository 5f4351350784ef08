"""Workers through PostgreSQL against one engine on SQLite (docs/distributed.md).

The same DAG of no-op command tasks runs (a) on SQLite, in the engine of `dagrun
trigger`, and (b) on PostgreSQL, each task with a `queue`, by 1, 2 and 4 `dagrun
worker` processes of 2 slots each, the engine only dispatching. Each measurement has a
fresh schema. Besides the wall time, the history gives how long each try waited in the
queue for a worker (task_dispatch.claimed_at - queued_at): p50 and p99.
"""
import os
import signal
import statistics
import subprocess
import time
import uuid

TASKS = 300
IN_FLIGHT = 8  # max_active_tasks: the most any configuration below can use (4 workers x 2 slots)
SLOTS = 2
WORKER_COUNTS = (1, 2, 4)


def start_postgres(top):
    """The URL of tools/pg-up's throw-away cluster (installed and started when missing)."""
    r = subprocess.run([os.path.join(top, "tools", "pg-up")], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        raise RuntimeError("workers benchmark: PostgreSQL could not be started (tools/pg-up): " + r.stderr[-1000:])
    return r.stdout.strip().splitlines()[-1]


def psql(url, sql):
    r = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"psql: {r.stderr.strip()}")
    return r.stdout.strip()


class Schema:
    """A schema of its own for one measurement, dropped afterwards."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.name = "bench_" + uuid.uuid4().hex[:12]
        psql(base_url, f'CREATE SCHEMA "{self.name}"')
        self.url = base_url + ("&" if "?" in base_url else "?") + "options=-csearch_path%3D" + self.name

    def drop(self):
        psql(self.base_url, f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


def start_worker(dagrun, home, url):
    os.makedirs(home, exist_ok=True)
    out = open(os.path.join(home, "worker.out"), "w")
    proc = subprocess.Popen([dagrun, "--home", home, "--db", url, "worker", "--queue", "bench", "--slots",
                             str(SLOTS), "--lease", "30s"], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while "dagrun worker" not in open(out.name).read():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("workers benchmark: a worker did not start: " + open(out.name).read()[-1000:])
        time.sleep(0.02)
    return proc, out


def cpu_seconds(pid, children=False):
    """CPU time of a process (user + system), or of the children it reaped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    first = 13 if children else 11
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds():
    """CPU time of every PostgreSQL server process on the machine (the test cluster's)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().startswith("postgres"):
                    total += cpu_seconds(entry)
        except OSError:
            pass
    return total


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def through_workers(work, dagrun, timed, base_url, workers):
    """One run of the queued DAG with `workers` workers: (seconds, peak RSS, queue waits in s,
    CPU seconds of the workers themselves, of the tries' processes, of PostgreSQL)."""
    schema = Schema(base_url)
    procs = []
    try:
        for i in range(workers):
            procs.append(start_worker(dagrun, os.path.join(work.path, f"worker-{schema.name}-{i}"), schema.url))
        pg_before = postgres_cpu_seconds()
        seconds, rss = timed([dagrun, "--home", work.path, "--db", schema.url, "trigger", "queued"])
        pg = postgres_cpu_seconds() - pg_before
        own = sum(cpu_seconds(p.pid) for p, _ in procs)
        tries = sum(cpu_seconds(p.pid, children=True) for p, _ in procs)  # every try ended: all reaped
        waits = [float(x) for x in psql(schema.url, "SELECT extract(epoch FROM claimed_at - queued_at) "
                                                    "FROM task_dispatch").split()]
        return seconds, rss, waits, (own, tries, pg)
    finally:
        for proc, out in procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            out.close()
        schema.drop()


def bench_workers(work, dagrun, dag_json, timed, top, repeat):
    base_url = start_postgres(top)
    local = [{"task_id": f"t{i}", "command": ["true"]} for i in range(TASKS)]
    queued = [dict(t, queue="bench") for t in local]
    work.write("dags/local.json", dag_json("local", local, max_active_tasks=IN_FLIGHT))
    work.write("dags/queued.json", dag_json("queued", queued, max_active_tasks=IN_FLIGHT))

    def sqlite_once():
        work.fresh_home()
        return timed([dagrun, "--home", work.path, "trigger", "local"])

    ref = statistics.median(sqlite_once()[0] for _ in range(repeat))
    by_count = {}
    for n in WORKER_COUNTS:
        runs = [through_workers(work, dagrun, timed, base_url, n) for _ in range(repeat)]
        waits = [w for r in runs for w in r[2]]
        by_count[n] = {"s": statistics.median(r[0] for r in runs), "rss": max(r[1] for r in runs),
                       "p50": percentile(waits, 50), "p99": percentile(waits, 99),
                       "cpu": [statistics.median(r[3][i] for r in runs) for i in range(3)]}

    one, two, four = (by_count[n] for n in WORKER_COUNTS)
    scaling = one["s"] / two["s"]
    own, tries, pg = one["cpu"]
    notes = "; ".join(f"{n} worker{'s' if n > 1 else ''}: {TASKS / c['s']:,.0f} tasks/s, {c['s'] / ref:.2f}x, "
                      f"queue wait p50 {c['p50'] * 1000:.0f} ms p99 {c['p99'] * 1000:.0f} ms"
                      for n, c in by_count.items())
    notes += (f"; SQLite {TASKS / ref:,.0f} tasks/s; CPU per task with 1 worker: the try's processes (keeper and "
              f"command) {tries / TASKS * 1000:.2f} ms, the worker {own / TASKS * 1000:.2f} ms, PostgreSQL "
              f"{pg / TASKS * 1000:.2f} ms; engine peak RSS {four['rss'] / 1024:.1f} MiB")
    return {
        "name": "workers_pg",
        "what": f"{TASKS:,} no-op command tasks with a `queue`, {IN_FLIGHT} at a time, through PostgreSQL "
                f"to 4 workers of {SLOTS} slots (1 and 2 workers in the notes)",
        "reference": f"the same tasks without `queue` on SQLite, run by the engine itself, {IN_FLIGHT} at a time",
        "ref_s": ref, "ours_s": four["s"], "ratio": four["s"] / ref,
        "target": "queue wait p99 <= 50 ms with every worker count",
        "met": all(c["p99"] <= 0.05 for c in by_count.values()), "rss_kib": four["rss"],
        "notes": notes + f"; 2 workers / 1: {scaling:.2f}x",
    }
