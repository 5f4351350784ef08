#!/usr/bin/env python3
"""dagrun's benchmarks, each against a reference measured in the same run.

Usage: tools/bench/run [--only NAME[,NAME]] [--repeat N] [--json FILE] [--write-doc [FILE]]

Every benchmark prints the reference, dagrun, and their ratio. Numbers are wall
times, the median of --repeat runs (default 3); memory is the peak RSS of the
dagrun process. Nothing here asserts: --write-doc puts the results into
docs/performance.md, between its bench markers.
"""
import argparse
import datetime
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

import ui_bench
import web_bench
import workers_bench

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("DAGRUN_BUILD_DIR", os.path.join(TOP, "build"))
DAGRUN = os.path.join(BUILD, "bin", "dagrun")


def timed(argv, cwd=None, env=None):
    """Runs argv; returns (seconds, peak RSS in KiB of that process).

    The peak comes from GNU time: ru_maxrss survives execve, so a process
    started straight from this (large) Python process would report Python's
    size; GNU time forks from a small process of its own.
    """
    with tempfile.NamedTemporaryFile(prefix="dagrun-bench-rss-") as rss_file:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss_file.name, *argv], cwd=cwd,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        rss = int(open(rss_file.name).read().split()[-1] or 0)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace")
        raise RuntimeError(f"{' '.join(argv[:4])}... exited {proc.returncode}: {err[-2000:]}")
    return elapsed, rss


def median_of(repeat, fn):
    runs = [fn() for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


class Workdir:
    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix=f"dagrun-bench-{name}-")
        os.makedirs(os.path.join(self.path, "dags"))

    def write(self, rel, text):
        full = os.path.join(self.path, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        return full

    def fresh_home(self):
        """A home with only the DAGs: no history, logs or data from an earlier repeat."""
        for sub in ("logs", "data"):
            shutil.rmtree(os.path.join(self.path, sub), ignore_errors=True)
        for f in ("dagrun.db", "dagrun.db-wal", "dagrun.db-shm"):
            try:
                os.remove(os.path.join(self.path, f))
            except FileNotFoundError:
                pass

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def dag_json(dag_id, tasks, **keys):
    d = {"dag_id": dag_id, "tasks": tasks}
    d.update(keys)
    return json.dumps(d)


def ninja_manifest(n, chain):
    lines = ["rule r", "  command = true", ""]
    for i in range(n):
        dep = f" out{i - 1}" if chain and i > 0 else ""
        lines.append(f"build out{i}: r{dep}")
    return "\n".join(lines) + "\n"


def run_dag(work, dag_id, repeat, extra=()):
    def once():
        work.fresh_home()
        return timed([DAGRUN, "--home", work.path, "trigger", dag_id, *extra])
    return median_of(repeat, once)


def run_ninja(work, repeat):
    def once():
        for f in (".ninja_log", ".ninja_deps"):
            try:
                os.remove(os.path.join(work.path, f))
            except FileNotFoundError:
                pass
        return timed(["ninja", "-j2", "-f", "build.ninja"], cwd=work.path)
    return median_of(repeat, once)


def bench_commands(repeat, chain):
    name = "chain" if chain else "wide"
    n = 1000
    work = Workdir(name)
    try:
        tasks = [{"task_id": f"t{i}", "command": ["true"]} for i in range(n)]
        if chain:
            for i in range(1, n):
                tasks[i]["upstream"] = [f"t{i - 1}"]
        work.write("dags/bench.json", dag_json("bench", tasks, max_active_tasks=2))
        work.write("build.ninja", ninja_manifest(n, chain))
        ref, _ = run_ninja(work, repeat)
        ours, rss = run_dag(work, "bench", repeat)
    finally:
        work.cleanup()
    shape = "a chain of" if chain else "independent,"
    return {
        "name": f"commands_{name}",
        "what": f"1,000 {shape} `true` command tasks, 2 at a time",
        "reference": "ninja -j2, same commands",
        "ref_s": ref, "ours_s": ours, "ratio": ours / ref, "target": "<= 1.2x",
        "met": ours / ref <= 1.2, "rss_kib": rss,
    }


def sqlite_reference(n, path):
    """The same rows dagrun writes for n one-try tasks, each state change its own
    transaction, from a bare loop: what the storage alone costs."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE ti (run_id TEXT, task_id TEXT, state TEXT, try_number INT, PRIMARY KEY(run_id, task_id))")
    conn.execute("CREATE TABLE tt (run_id TEXT, task_id TEXT, try_number INT, state TEXT, start_date TEXT, end_date TEXT, PRIMARY KEY(run_id, task_id, try_number))")
    start = time.perf_counter()
    for i in range(n):
        t = f"t{i}"
        for sql, args in (
            ("INSERT OR REPLACE INTO ti VALUES ('r', ?, 'running', 1)", (t,)),
            ("INSERT OR REPLACE INTO tt VALUES ('r', ?, 1, 'running', '2026-11-29T00:00:00.000Z', NULL)", (t,)),
            ("INSERT OR REPLACE INTO tt VALUES ('r', ?, 1, 'success', '2026-11-29T00:00:00.000Z', '2026-11-29T00:00:00.001Z')", (t,)),
            ("INSERT OR REPLACE INTO ti VALUES ('r', ?, 'success', 1)", (t,)),
        ):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(sql, args)
            conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def bench_inprocess(repeat):
    n = 10000
    work = Workdir("inprocess")
    try:
        tasks = [{"task_id": f"t{i}", "plugin": "noop", "isolation": "in_process"} for i in range(n)]
        work.write("dags/bench.json", dag_json("bench", tasks))
        ours, rss = run_dag(work, "bench", repeat)
        ref = statistics.median(sqlite_reference(n, os.path.join(work.path, f"ref{i}.db")) for i in range(repeat))
    finally:
        work.cleanup()
    rate = n / ours
    return {
        "name": "inprocess_plugins",
        "what": "10,000 no-op `in_process` plugin tasks (wide), every state change recorded",
        "reference": "bare SQLite loop: the same 4 row changes per task, one transaction each",
        "ref_s": ref, "ours_s": ours, "ratio": ours / ref,
        "target": ">= 20,000 tasks/s, peak RSS < 50 MB",
        "met": rate >= 20000 and rss < 50 * 1024, "rss_kib": rss, "tasks_per_s": rate,
    }


def dagrun_against_dagrun(name, repeat, ref_tasks, our_tasks, what, reference, limit):
    """Two DAGs of one home, each run 2 tasks at a time: ours against the reference."""
    work = Workdir(name)
    try:
        work.write("dags/reference.json", dag_json("reference", ref_tasks, max_active_tasks=2))
        work.write("dags/ours.json", dag_json("ours", our_tasks, max_active_tasks=2))
        ref, _ = run_dag(work, "reference", repeat)
        ours, rss = run_dag(work, "ours", repeat)
    finally:
        work.cleanup()
    return {
        "name": name, "what": what, "reference": reference,
        "ref_s": ref, "ours_s": ours, "ratio": ours / ref, "target": f"<= {limit}x",
        "met": ours / ref <= limit, "rss_kib": rss,
    }


def true_commands(n):
    return [{"task_id": f"t{i}", "command": ["true"]} for i in range(n)]


def bench_mapped(repeat):
    # What expanding at run time costs: instances join the run machine one by one.
    return dagrun_against_dagrun(
        "mapped_wide", repeat, true_commands(1000),
        [{"task_id": "each", "command": ["true"], "expand": list(range(1000))}],
        "a `true` command task mapped over 1,000 items, 2 at a time",
        "dagrun running 1,000 `true` command tasks written out", 1.1)


def bench_isolated(repeat):
    return dagrun_against_dagrun(
        "isolated_plugins", repeat, true_commands(1000),
        [{"task_id": f"t{i}", "plugin": "noop"} for i in range(1000)],
        "1,000 no-op plugin tasks in `process` isolation, 2 at a time",
        "dagrun running 1,000 `true` command tasks", 1.5)


def bench_load(repeat):
    n = 100000
    work = Workdir("load")
    try:
        tasks = []
        for i in range(n):
            t = {"task_id": f"t{i}", "command": ["true"]}
            if i > 0:
                t["upstream"] = [f"t{i - 1}"] if i % 2 or i // 2 == i - 1 else [f"t{i - 1}", f"t{i // 2}"]
            tasks.append(t)
        path = work.write("dags/big.json", dag_json("big", tasks))
        lines = ["rule r", "  command = true", ""]
        for i in range(n):
            deps = "" if i == 0 else (f" out{i - 1}" if i % 2 or i // 2 == i - 1 else f" out{i - 1} out{i // 2}")
            lines.append(f"build out{i}: r{deps}")
        work.write("build.ninja", "\n".join(lines) + "\n")
        # ninja recurses along the chain: it needs a larger stack than the default 8 MiB.
        ninja = ["bash", "-c", "ulimit -s unlimited && exec ninja -f build.ninja -t commands"]
        ref, _ = median_of(repeat, lambda: timed(ninja, cwd=work.path))
        ours, rss = median_of(repeat, lambda: timed([DAGRUN, "--home", work.path, "validate", path]))
    finally:
        work.cleanup()
    return {
        "name": "load_100k",
        "what": "loading and validating a 100,000-task DAG file (`dagrun validate`)",
        "reference": "ninja -t commands on the equivalent 100,000-edge manifest",
        "ref_s": ref, "ours_s": ours, "ratio": ours / ref, "target": "<= 1.0x",
        "met": ours / ref <= 1.0, "rss_kib": rss,
    }


def docker_available():
    return subprocess.run(["docker", "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


IMAGE = "dagrun-test-busybox:latest"


def write_boxes_dag(work, n):
    """DAG `boxes`: a chain of n container tasks running busybox `true` without a network."""
    box = {"image": IMAGE, "command": ["true"], "network_mode": "none"}
    tasks = [{"task_id": f"t{i}", "container": box} for i in range(n)]
    for i in range(1, n):
        tasks[i]["upstream"] = [f"t{i - 1}"]
    work.write("dags/boxes.json", dag_json("boxes", tasks))


def bench_container_task(repeat):
    """One container task (create, start, wait, logs, remove) against `docker run --rm`."""
    n = 10
    work = Workdir("container")
    try:
        write_boxes_dag(work, n)
        cli = ["bash", "-c", f"for i in $(seq {n}); do docker run --rm --network none {IMAGE} true; done"]
        ref, _ = median_of(repeat, lambda: timed(cli))
        ours, rss = run_dag(work, "boxes", repeat)
    finally:
        work.cleanup()
    return {
        "name": "container_task",
        "what": f"{n} container tasks one after another (busybox `true`, no network), per task",
        "reference": "`docker run --rm --network none` of the same image, same count",
        "ref_s": ref / n, "ours_s": ours / n, "ratio": ours / ref, "target": "<= 0.95x",
        "met": ours / ref <= 0.95, "rss_kib": rss,
    }


def bench_container_proxy(repeat):
    """The container tasks of container_task through `dagrun docker-proxy` against the same tasks direct."""
    n = 10
    work = Workdir("container-proxy")
    proxy = None
    try:
        write_boxes_dag(work, n)
        socket_path = os.path.join(work.path, "proxy.sock")
        proxy = subprocess.Popen([DAGRUN, "--home", work.path, "docker-proxy", "--listen", "unix:" + socket_path,
                                  "--audit", os.path.join(work.path, "audit.jsonl")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not os.path.exists(socket_path):
            if proxy.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dagrun docker-proxy did not start")
            time.sleep(0.02)
        via = dict(os.environ, DOCKER_HOST="unix://" + socket_path)
        direct = dict(os.environ)
        direct.pop("DOCKER_HOST", None)

        def once(env):
            work.fresh_home()
            return timed([DAGRUN, "--home", work.path, "trigger", "boxes"], env=env)
        # Interleaved, so a drift of the daemon's speed falls on both sides.
        refs, ours = [], []
        for _ in range(repeat):
            refs.append(once(direct))
            ours.append(once(via))
        ref = statistics.median(r[0] for r in refs)
        mine = statistics.median(r[0] for r in ours)
        rss = max(r[1] for r in ours)
        with open(os.path.join(work.path, "audit.jsonl")) as f:
            allowed = sum(1 for line in f if '"decision":"allow"' in line)
        if allowed < n * repeat:
            raise RuntimeError(f"only {allowed} requests went through the proxy")
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait()
        work.cleanup()
    return {
        "name": "container_proxy",
        "what": f"{n} container tasks one after another (busybox `true`, no network) through `dagrun docker-proxy`, per task",
        "reference": "the same tasks with the daemon's socket direct, interleaved",
        "ref_s": ref / n, "ours_s": mine / n, "ratio": mine / ref, "target": "<= 1.05x",
        "met": mine / ref <= 1.05, "rss_kib": rss,
        "notes": f"{allowed // (n * repeat)} requests per task through the proxy",
    }


def bench_container_parallel(repeat):
    """4 container tasks in flight against the same tasks one at a time."""
    n = 12
    work = Workdir("container-par")
    try:
        box = {"image": IMAGE, "command": ["sleep", "0.2"], "network_mode": "none"}
        wide = [{"task_id": f"t{i}", "container": box} for i in range(n)]
        work.write("dags/wide.json", dag_json("wide", wide, max_active_tasks=4))
        work.write("dags/serial.json", dag_json("serial", wide, max_active_tasks=1))
        ref, _ = run_dag(work, "serial", repeat)
        ours, rss = run_dag(work, "wide", repeat)
    finally:
        work.cleanup()
    return {
        "name": "container_parallel",
        "what": f"{n} container tasks (busybox `sleep 0.2`), 4 in flight",
        "reference": "the same tasks one at a time (max_active_tasks 1)",
        "ref_s": ref, "ours_s": ours, "ratio": ours / ref, "target": ">= 1.5x throughput",
        "met": ref / ours >= 1.5, "rss_kib": rss, "notes": f"{ref / ours:.2f}x the serial throughput",
    }


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def bench_scheduler_idle(repeat):
    """CPU the scheduler uses while 100 DAGs are loaded and none is due."""
    del repeat
    work = Workdir("sched-idle")
    seconds = 20
    try:
        for i in range(100):
            work.write(f"dags/d{i}.json", dag_json(f"d{i}", [{"task_id": "t", "command": ["true"]}],
                                                  schedule="0 0 1 1 *", start_date="2026-01-01"))
        proc = subprocess.Popen([DAGRUN, "--home", work.path, "scheduler"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(3)  # loading, recovery, the first step
        before = process_cpu_seconds(proc.pid)
        time.sleep(seconds)
        used = process_cpu_seconds(proc.pid) - before
        if proc.poll() is not None:
            raise RuntimeError(f"the scheduler exited with {proc.returncode} during the measurement")
        dags = sqlite3.connect(os.path.join(work.path, "dagrun.db")).execute("SELECT count(*) FROM dag").fetchone()[0]
        if dags != 100:
            raise RuntimeError(f"the scheduler knows {dags} DAGs, not 100")
        proc.terminate()
        proc.wait(timeout=60)
    finally:
        work.cleanup()
    share = used / seconds * 100
    return {
        "name": "scheduler_idle",
        "what": f"idle scheduler with 100 DAGs loaded, CPU over {seconds} s",
        "reference": "none (absolute)",
        "ref_s": 0.0, "ours_s": used, "ratio": float("nan"), "target": "< 1% CPU",
        "met": share < 1.0, "rss_kib": 0, "notes": f"{share:.3f}% of one core",
    }


def timer_reference_latency(samples):
    """How late a bare sleep-until-the-boundary loop wakes: the floor for any scheduler."""
    late = []
    for _ in range(samples):
        now = time.time()
        target = (int(now * 10) + 1) / 10  # the next tenth of a second
        time.sleep(target - now)
        late.append(time.time() - target)
    return late


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bench_scheduler_latency(repeat):
    """100 DAGs on a one-minute schedule: how late each run's first task starts."""
    del repeat
    minutes = int(os.environ.get("DAGRUN_BENCH_MINUTES", "3"))
    work = Workdir("sched-latency")
    try:
        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
        for i in range(100):
            work.write(f"dags/m{i}.json", dag_json(f"m{i}", [{"task_id": "t", "command": ["true"]}],
                                                  schedule="* * * * *", catchup=False,
                                                  start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ")))
        proc = subprocess.Popen([DAGRUN, "--home", work.path, "scheduler"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        began = datetime.datetime.now(datetime.timezone.utc)
        # Past the next boundary, then `minutes` more.
        time.sleep(60 - began.second + 60 * minutes + 10)
        proc.terminate()
        proc.wait(timeout=120)
        conn = sqlite3.connect(os.path.join(work.path, "dagrun.db"))
        rows = conn.execute(
            "SELECT r.data_interval_end, min(t.start_date) FROM dag_run r JOIN task_try t ON t.run_id = r.run_id "
            "WHERE r.run_type = 'scheduled' GROUP BY r.run_id").fetchall()
        conn.close()
    finally:
        work.cleanup()
    parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    by_minute = {}
    for end, first in rows:
        if parse(end) <= began:
            continue  # the run due at start-up, created late on purpose
        by_minute.setdefault(end, []).append((parse(first) - parse(end)).total_seconds())
    late = [x for v in by_minute.values() for x in v]
    reference = timer_reference_latency(50)
    per_minute = [f"{len(v)} runs p99 {percentile(v, 99):.3f}s" for _, v in sorted(by_minute.items())]
    complete = all(len(v) == 100 for v in by_minute.values()) and len(by_minute) >= minutes
    p99 = percentile(late, 99) if late else float("inf")
    return {
        "name": "scheduler_latency",
        "what": f"100 DAGs on a one-minute schedule for {minutes} minutes: due time to first task start",
        "reference": "a bare sleep-until-due timer, how late it wakes (p99)",
        "ref_s": percentile(reference, 99), "ours_s": p99, "ratio": p99 / max(percentile(reference, 99), 1e-6),
        "target": "p99 <= 1 s, every DAG every minute", "met": p99 <= 1.0 and complete, "rss_kib": 0,
        "notes": "; ".join(per_minute),
    }


def with_workdir(name, fn, repeat):
    work = Workdir(name)
    try:
        return fn(work, DAGRUN, dag_json, repeat)
    finally:
        work.cleanup()


BENCHES = {
    "api_runs_page": lambda r: with_workdir("api-runs", web_bench.bench_api_runs_page, r),
    "serve_events": lambda r: with_workdir("serve-events", web_bench.bench_serve_events, r),
    "ui_grid": lambda r: with_workdir("ui-grid", ui_bench.bench_ui_grid, r),
    "commands_wide": lambda r: bench_commands(r, chain=False),
    "commands_chain": lambda r: bench_commands(r, chain=True),
    "inprocess_plugins": bench_inprocess,
    "isolated_plugins": bench_isolated,
    "mapped_wide": bench_mapped,
    "load_100k": bench_load,
    "container_task": bench_container_task,
    "container_parallel": bench_container_parallel,
    "container_proxy": bench_container_proxy,
    "scheduler_idle": bench_scheduler_idle,
    "scheduler_latency": bench_scheduler_latency,
    "workers_pg": lambda r: with_workdir(
        "workers", lambda w, d, j, n: workers_bench.bench_workers(w, d, j, timed, TOP, n), r),
}


DOC = os.path.join(TOP, "docs", "performance.md")
BEGIN, END = "<!-- bench:begin (written by tools/bench/run --write-doc; edit the script, not this) -->", "<!-- bench:end -->"
DATA = "<!-- bench:data "


def notes_of(r):
    notes = r.get("notes") or (f"peak RSS {r['rss_kib'] / 1024:.1f} MiB" if r.get("rss_kib") else "")
    if "tasks_per_s" in r:
        notes = f"{r['tasks_per_s']:,.0f} tasks/s, " + notes
    return notes


def machine():
    """What the numbers were measured on, in one line."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    debian = ""
    if os.path.exists("/etc/debian_version"):
        debian = ", Debian " + open("/etc/debian_version").read().strip()
    build_type = "?"
    try:
        with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
            build_type = next((line.split("=", 1)[1].strip() for line in f if line.startswith("CMAKE_BUILD_TYPE:")), "?")
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}){debian}, kernel {os.uname().release}, {build_type} build, "
            f"load average {os.getloadavg()[0]:.2f} at the start")


def render(entries):
    """The generated part of docs/performance.md: one table row per benchmark, then where each row comes from."""
    runs = []
    for e in entries.values():
        if e["run"] not in runs:
            runs.append(e["run"])
    lines = ["| benchmark | what | reference | reference time | dagrun | ratio | target | met | notes | run |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name in [n for n in BENCHES if n in entries]:
        r = entries[name]
        ratio = "-" if r["ratio"] != r["ratio"] else f"{r['ratio']:.2f}x"  # NaN: an absolute measurement
        lines.append(f"| `{name}` | {r['what']} | {r['reference']} | {r['ref_s']:.3f} s | {r['ours_s']:.3f} s | "
                     f"{ratio} | {r['target']} | {'yes' if r['met'] else '**no**'} | {notes_of(r)} | "
                     f"{runs.index(r['run']) + 1} |")
    lines.append("")
    for i, run in enumerate(runs, 1):
        lines.append(f"{i}. {run['date']}, `{run['command']}`, median of {run['repeat']}; {run['machine']}")
    return "\n".join(lines)


def write_doc(path, results, run):
    """Replaces the text between the markers in `path` with the tables. Benchmarks not run this time
    keep their earlier rows, each naming the run it comes from."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"bench: {path}: expected one '{BEGIN}' line and one '{END}' line after it")
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    entries = {}
    if DATA in body:
        entries = json.loads(body.split(DATA, 1)[1].split(" -->", 1)[0])
    for r in results:
        entries[r["name"]] = dict(r, run=run)
    entries = {k: v for k, v in entries.items() if k in BENCHES}  # a renamed benchmark leaves no stale row
    data = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).replace("--", "\\u002d\\u002d")
    new = f"{head}{BEGIN}\n{render(entries)}\n{DATA}{data} -->\n{END}{tail}"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, path)  # never half-written


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated benchmark names: " + ", ".join(BENCHES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--write-doc", nargs="?", const=DOC, metavar="FILE",
                    help="replace the tables between the bench markers of FILE (docs/performance.md)")
    ap.add_argument("--check-args", action="store_true", help=argparse.SUPPRESS)  # tools/bench/run, before building
    args = ap.parse_args()
    names = [n.strip() for n in args.only.split(",")] if args.only else list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"bench: unknown benchmark {', '.join(repr(n) for n in unknown)}; the benchmarks are: "
              + ", ".join(BENCHES), file=sys.stderr)
        return 2
    if not 1 <= args.repeat <= 100:
        print(f"bench: --repeat must be between 1 and 100, got {args.repeat}", file=sys.stderr)
        return 2
    if args.check_args:
        return 0
    run = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "command": " ".join(["tools/bench/run", *sys.argv[1:]]), "repeat": args.repeat, "machine": machine()}
    results = []
    print(f"{'benchmark':<20} {'reference':>10} {'dagrun':>10} {'ratio':>7}  target             met  notes")
    for name in names:
        r = dict(BENCHES[name](args.repeat), name=name)
        results.append(r)
        print(f"{name:<20} {r['ref_s']:>9.3f}s {r['ours_s']:>9.3f}s {r['ratio']:>6.2f}x  {r['target']:<18} "
              f"{'yes' if r['met'] else 'NO ':<4} {notes_of(r)}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    if args.write_doc:
        write_doc(args.write_doc, results, run)
        print(f"bench: wrote the tables into {args.write_doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
