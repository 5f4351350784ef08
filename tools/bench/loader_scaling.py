#!/usr/bin/env python3
"""How `dagrun validate` scales with the size of pathological DAG files.

Usage: tools/bench/loader_scaling.py [--sizes 25000,50000,100000]

For each shape the file is generated at each size and validated once (the
exit status is not checked: most shapes are invalid on purpose). Linear
loading shows as a constant time per element; the shapes are those that were
quadratic once (one-line files with an error per task, huge upstream lists,
huge params objects, deep nesting). Prints a table; asserts nothing.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DAGRUN = os.path.join(os.environ.get("DAGRUN_BUILD_DIR", os.path.join(TOP, "build")), "bin", "dagrun")


def one_line_unknown_keys(n):
    tasks = [{"task_id": f"t{i}", "command": ["true"], "colour": 1} for i in range(n)]
    return json.dumps({"dag_id": "d", "tasks": tasks}, separators=(",", ":"))


def separate_lines_unknown_keys(n):
    tasks = ",\n".join(json.dumps({"task_id": f"t{i}", "command": ["true"], "colour": 1}) for i in range(n))
    return '{"dag_id": "d", "tasks": [\n' + tasks + "]}"


def long_upstream(n):
    # Past the upstream limit the list is refused whole; unknown ids are errors.
    tasks = [{"task_id": "a", "command": ["true"], "upstream": [f"u{i}" for i in range(n)]}]
    return json.dumps({"dag_id": "d", "tasks": tasks})


def unknown_upstreams(n):
    tasks = [{"task_id": f"t{i}", "command": ["true"], "upstream": [f"missing{i}"]} for i in range(n)]
    return json.dumps({"dag_id": "d", "tasks": tasks}, separators=(",", ":"))


def big_params(n):
    params = {f"k{i}": i for i in range(n)}
    return json.dumps({"dag_id": "d", "params": params, "tasks": [{"task_id": "a", "command": ["true"]}]})


def deep_nesting(n):
    return '{"dag_id": "d", "params": ' + "[" * n + "]" * n + ', "tasks": []}'


SHAPES = [one_line_unknown_keys, separate_lines_unknown_keys, long_upstream, unknown_upstreams,
          big_params, deep_nesting]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="25000,50000,100000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    home = tempfile.mkdtemp(prefix="dagrun-scaling-")
    print(f"{'shape':32} {'n':>9} {'MB':>7} {'seconds':>8} {'us/elem':>8}")
    for shape in SHAPES:
        for n in sizes:
            path = os.path.join(home, f"{shape.__name__}.json")
            text = shape(n)
            with open(path, "w") as f:
                f.write(text)
            start = time.perf_counter()
            subprocess.run([DAGRUN, "--home", home, "validate", path], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            took = time.perf_counter() - start
            print(f"{shape.__name__:32} {n:>9} {len(text) / 1e6:>7.1f} {took:>8.3f} {took / n * 1e6:>8.2f}")
            os.remove(path)
    os.rmdir(home)


if __name__ == "__main__":
    main()
