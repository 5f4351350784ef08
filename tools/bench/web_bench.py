"""The benchmarks of `dagrun serve` (docs/api.md), used by bench.py.

api_runs_page: the newest 50 runs of a DAG with 100,000 runs, p99 through
the API against the same query through the sqlite3 command line.
serve_events: 200 clients on /api/v1/events while a 1,000-task DAG runs:
whether every client saw every task end, and the server's CPU and RSS; then
the server's CPU while idle with those clients still connected.
"""
import http.client
import json
import os
import re
import selectors
import socket
import sqlite3
import subprocess
import time

LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def start_server(dagrun, home):
    log = open(os.path.join(home, "serve.out"), "w+")
    proc = subprocess.Popen([dagrun, "--home", home, "serve", "--listen", "127.0.0.1:0"], stdout=log,
                            stderr=subprocess.STDOUT)
    for _ in range(300):
        log.seek(0)
        m = LISTENING.search(log.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("dagrun serve did not start")


def fill_runs(db, dag_id, n):
    conn = sqlite3.connect(db)
    base = 1_700_000_000
    rows = []
    for i in range(n):
        t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + 60 * i)) + ".000Z"
        rows.append((f"scheduled__{i:06d}", dag_id, "success", "scheduled", "{}", "", t, t, t, ""))
    conn.executemany("INSERT INTO dag_run (run_id, dag_id, state, run_type, conf, dag_file, queued_at, start_date,"
                     " end_date, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()


def bench_api_runs_page(work, dagrun, dag_json, repeat):
    del repeat
    samples = 300
    work.write("dags/big.json", dag_json("big", [{"task_id": "t", "command": ["true"]}]))
    subprocess.run([dagrun, "--home", work.path, "pause", "big"], check=True, capture_output=True)
    db = os.path.join(work.path, "dagrun.db")
    fill_runs(db, "big", 100_000)
    query = ("SELECT run_id, dag_id, state, run_type, conf, dag_file, queued_at, start_date, end_date, reason"
             " FROM dag_run WHERE dag_id = 'big' ORDER BY coalesce(start_date, queued_at) DESC, rowid DESC LIMIT 50")
    ref = []
    for _ in range(samples):
        began = time.perf_counter()
        subprocess.run(["sqlite3", db, query], check=True, capture_output=True)
        ref.append(time.perf_counter() - began)
    proc, port = start_server(dagrun, work.path)
    ours = []
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(samples + 20):
            began = time.perf_counter()
            conn.request("GET", "/api/v1/dags/big/runs?limit=50", headers={"Host": "127.0.0.1"})
            resp = conn.getresponse()
            body = json.loads(resp.read())
            if resp.status != 200 or len(body["runs"]) != 50 or body["runs"][0]["run_id"] != "scheduled__099999":
                raise RuntimeError(f"unexpected answer {resp.status}")
            if i >= 20:  # the first requests warm the page cache
                ours.append(time.perf_counter() - began)
        conn.close()
        rss = rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    ref_p99, ours_p99 = percentile(ref, 99), percentile(ours, 99)
    return {
        "name": "api_runs_page",
        "what": "GET newest 50 runs of a DAG with 100,000 runs, p99 of 300 (keep-alive)",
        "reference": "the same SELECT through the sqlite3 command line, p99 of 300",
        "ref_s": ref_p99, "ours_s": ours_p99, "ratio": ours_p99 / ref_p99, "target": "<= 2.0x",
        "met": ours_p99 <= 2 * ref_p99, "rss_kib": rss,
        "notes": f"median {percentile(ours, 50) * 1000:.2f} ms vs {percentile(ref, 50) * 1000:.2f} ms",
    }


class EventClients:
    """n EventSource-like clients read on one selector; counts task ends per client."""

    def __init__(self, port, n):
        self.sel = selectors.DefaultSelector()
        self.buffers, self.ends = {}, {}
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ)
            self.buffers[s], self.ends[s] = b"", set()

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for key, _ in self.sel.select(timeout=0.1):
                s = key.fileobj
                try:
                    data = s.recv(1 << 16)
                except BlockingIOError:
                    continue
                if not data:
                    self.sel.unregister(s)
                    continue
                buf = self.buffers[s] + data
                *frames, self.buffers[s] = buf.split(b"\n\n")
                for frame in frames:
                    if b"event: task\n" not in frame:
                        continue
                    d = json.loads(frame.split(b"data: ", 1)[1])
                    if d["state"] in ("success", "failed"):
                        self.ends[s].add(d["task_id"])

    def close(self):
        for s in list(self.buffers):
            s.close()


def bench_serve_events(work, dagrun, dag_json, repeat):
    del repeat
    clients_n, tasks_n = 200, 1000
    tasks = [{"task_id": f"t{i:04d}", "command": ["true"]} for i in range(tasks_n)]
    work.write("dags/wide.json", dag_json("wide", tasks, max_active_tasks=8))
    proc, port = start_server(dagrun, work.path)
    try:
        clients = EventClients(port, clients_n)
        clients.pump(1)
        cpu_before = cpu_seconds(proc.pid)
        began = time.monotonic()
        trigger = subprocess.Popen([dagrun, "--home", work.path, "trigger", "wide"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        while trigger.poll() is None:
            clients.pump(0.2)
        clients.pump(3)  # the last commits' events
        run_s = time.monotonic() - began
        busy_cpu = cpu_seconds(proc.pid) - cpu_before
        complete = sum(1 for e in clients.ends.values() if len(e) == tasks_n)
        idle_s = 10
        idle_before = cpu_seconds(proc.pid)
        clients.pump(idle_s)
        idle_cpu = cpu_seconds(proc.pid) - idle_before
        rss = rss_kib(proc.pid)
        clients.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {
        "name": "serve_events",
        "what": f"{clients_n} clients on /api/v1/events while a {tasks_n}-task DAG runs",
        "reference": "none (absolute)",
        "ref_s": 0.0, "ours_s": busy_cpu, "ratio": float("nan"),
        "target": "every client sees every task end; RSS < 60 MB; idle CPU < 1%",
        "met": complete == clients_n and rss < 60 * 1024 and idle_cpu / idle_s < 0.01, "rss_kib": rss,
        "notes": (f"peak RSS {rss / 1024:.1f} MiB; {complete}/{clients_n} clients saw all {tasks_n} task ends; server CPU {busy_cpu:.2f} s over the "
                  f"{run_s:.1f} s run; idle {idle_cpu / idle_s * 100:.2f}% with the clients connected"),
    }
