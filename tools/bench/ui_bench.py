"""The web UI's benchmark, used by bench.py.

ui_grid: a DAG of 50 no-op `in_process` plugin tasks run 1,000 times by the
real dagrun (`dagrun trigger`, one run after another: a real history, its
rows written by the engine), then headless Chromium (tools/bench/ui_bench.mjs,
playwright-core from the build's web/ui/node_modules) opens the DAG's page
through `dagrun serve`: the time from navigation to the grid drawn, its
first page of runs with every cell coloured, median of --repeat fresh
browser contexts; then, once, the time to show all 1,000 runs by clicking
"Older runs" until there are no more, and by one click on "All older runs".
"""
import json
import os
import shutil
import subprocess
import time

from web_bench import rss_kib, start_server

RUNS, TASKS = 1000, 50
MJS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui_bench.mjs")


def make_history(work, dagrun, dag_json):
    tasks = [{"task_id": f"t{i:02d}", "plugin": "noop", "isolation": "in_process"} for i in range(TASKS)]
    # Five layers of ten, each task after one of the layer before: a grid row per task.
    for i in range(10, TASKS):
        tasks[i]["upstream"] = [f"t{i - 10:02d}"]
    work.write("dags/grid.json", dag_json("grid", tasks, description="ui_grid: 50 no-op tasks"))
    began = time.monotonic()
    for i in range(RUNS):
        subprocess.run([dagrun, "--home", work.path, "trigger", "grid", "--run-id", f"bench_{i:04d}"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.monotonic() - began


def bench_ui_grid(work, dagrun, dag_json, repeat):
    browser = os.environ.get("DAGRUN_CHROMIUM") or shutil.which("chromium")
    node = shutil.which("node") or shutil.which("nodejs")
    node_modules = os.path.join(os.path.dirname(os.path.dirname(dagrun)), "web", "ui", "node_modules")
    if not browser or not node or not os.path.isdir(os.path.join(node_modules, "playwright-core")):
        raise RuntimeError("ui_grid needs chromium, node and the build's web/ui/node_modules (tools/test installs chromium)")
    history_s = make_history(work, dagrun, dag_json)
    proc, port = start_server(dagrun, work.path)
    try:
        env = dict(os.environ, DAGRUN_UI_URL=f"http://127.0.0.1:{port}/", DAGRUN_CHROMIUM=browser,
                   DAGRUN_UI_NODE_MODULES=node_modules, DAGRUN_UI_DAG="grid",
                   DAGRUN_BENCH_REPEAT=str(repeat), DAGRUN_BENCH_RUNS=str(RUNS))
        out = subprocess.run([node, MJS], env=env, capture_output=True, text=True, timeout=1800)
        if out.returncode != 0:
            raise RuntimeError(f"ui_bench.mjs exited {out.returncode}: {out.stdout[-2000:]}{out.stderr[-4000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rss = rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    first = sorted(r["first"])[len(r["first"]) // 2]
    complete = r["first_runs"] == 25 and r["cells"] == 25 * TASKS and r["all_runs"] == RUNS
    return {
        "name": "ui_grid",
        "what": f"DAG page in headless Chromium, {RUNS:,} runs x {TASKS} tasks of real history: navigation to grid drawn",
        "reference": "none (absolute)",
        "ref_s": 0.0, "ours_s": first, "ratio": float("nan"), "target": "<= 1 s to the first 25 runs drawn",
        "met": first <= 1.0 and complete, "rss_kib": rss,
        "notes": (f"first page {r['first_runs']} runs, {r['cells']:,} cells (each try: "
                  f"{', '.join(f'{x:.3f}' for x in r['first'])} s); all {r['all_runs']:,} runs after "
                  f"{r['older_clicks']} \"Older runs\" in {r['all_s']:.2f} s, after one \"All older runs\" in "
                  f"{r['all_at_once_s']:.2f} s; history made in {history_s:.0f} s; "
                  f"server peak RSS {rss / 1024:.1f} MiB"),
    }
