"""Chaos on PostgreSQL: two schedulers and three workers (separate
processes, each with a home of its own) run 200 runs of a 20-task DAG while
a loop kill -9s a random one of them every few seconds and starts a
replacement. Afterwards every run has succeeded, and the tasks' side effects
(lines appended to one file at each try's start and end) show that no two
tries of a task ever overlapped, that no task ran again after the try the
history records as its success, that every try that ran is in the history,
and that no process of a try is left.

Needs DAGRUN_TEST_PG_URL, like test_postgres.py. The kills follow a seeded
random sequence (DAGRUN_CHAOS_SEED, printed), so a failure can be replayed.
"""
import collections
import json
import os
import random
import signal
import subprocess
import sys
import time

from harness import DAGRUN, Started, dag, pid_alive, task, wait_for
from test_postgres import PostgresTestCase

RUNS = 200
QUEUE = "chaos"
RUN_PREFIX = "chaos-"


def chaos_dag(marks):
    """20 tasks: a root, three chains of five, a fan of three and a join.
    Five run in the scheduler's engine itself (no queue), fifteen on the
    workers. Each appends 'B' when it starts and 'E' when it ends, with a
    pause between in which a kill can land; one task pauses longer than a
    worker's lease, so a try that outlived its killed worker would still be
    running when the retry begins, and its late 'E' would show."""
    line = "$DAGRUN_RUN_ID $DAGRUN_TASK_ID $DAGRUN_TRY_NUMBER $$"

    def t(task_id, upstream=(), local=False, pause="0.05"):
        script = 'echo "B %s" >> %s; sleep %s; echo "E %s" >> %s' % (line, marks, pause, line, marks)
        keys = {"retries": 30, "retry_delay": "0s"}
        if not local:
            keys["queue"] = QUEUE
        return task(task_id, ["sh", "-c", script], upstream=list(upstream), **keys)

    tasks = [t("root", local=True)]
    ends = []
    for c in range(3):
        prev = "root"
        for i in range(5):
            name = "c%d_%d" % (c, i)
            tasks.append(t(name, [prev], local=(i == 2)))
            prev = name
        ends.append(prev)
    fan = ["f%d" % i for i in range(3)]
    tasks += [t(name, ["root"], pause=("1.5" if name == "f0" else "0.05")) for name in fan]
    tasks.append(t("join", ends + fan, local=True))
    assert len(tasks) == 20
    return dag("chaos", tasks, max_active_runs=16, max_active_tasks=8)


SETTLE_S = 10  # how long a started process is given before it is asked to stop


class ChaosTest(PostgresTestCase):
    def setUp(self):
        super().setUp()
        self.procs = {}  # name -> Started
        self.started_at = {}  # name -> time.monotonic() of its latest start
        self.homes = {}
        self.born = collections.Counter()
        self.marks = os.path.join(self.home.root, "marks")
        self.home.write_dag(chaos_dag(self.marks))
        with open(os.path.join(self.home.dags, "chaos.json")) as f:
            self.dag_text = f.read()

    def tearDown(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
        super().tearDown()

    def home_of(self, name, role):
        # A home of its own for each process started, as on separate hosts.
        home = os.path.join(self.home.root, "%s-%d" % (name, self.born[name]))
        os.makedirs(os.path.join(home, "dags"), exist_ok=True)
        if role == "scheduler":
            with open(os.path.join(home, "dags", "chaos.json"), "w") as f:
                f.write(self.dag_text)
        return home

    def start(self, name):
        role = name.rstrip("0123456789")
        self.born[name] += 1
        home = self.home_of(name, role)
        args = ["scheduler"] if role == "scheduler" else ["worker", "--queue", QUEUE, "--slots", "2",
                                                           "--lease", "1s"]
        p = Started([DAGRUN, "--home", home, "--db", self.url, *args], self.home.env())
        self.procs[name] = p
        self.started_at[name] = time.monotonic()
        return p

    def query(self, sql):
        r = subprocess.run(["psql", self.url, "-v", "ON_ERROR_STOP=1", "-qAtF", "\t", "-c", sql],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def finished(self):
        rows = self.query("SELECT state, count(*) FROM dag_run GROUP BY state")
        counts = {state: int(n) for state, n in rows}
        return counts if sum(counts.get(s, 0) for s in ("success", "failed")) == RUNS else None

    def test_runs_survive_kill_9_of_schedulers_and_workers(self):
        seed = int(os.environ.get("DAGRUN_CHAOS_SEED", "20261206"))
        print("chaos seed", seed, file=sys.stderr)
        rng = random.Random(seed)
        names = ["scheduler1", "scheduler2", "worker1", "worker2", "worker3"]
        # Queued before anything runs them: triggering takes a while (much
        # longer under the sanitizers), and the runs must still be running
        # when the kills start.
        for i in range(RUNS):
            r = self.pg("trigger", "chaos", "--run-id", "%s%03d" % (RUN_PREFIX, i), "--queue")
            self.assertRc(r, 0)
        for name in names:
            self.start(name)

        kills = collections.Counter()
        deadline = time.monotonic() + 1500
        while not self.finished():
            self.assertLess(time.monotonic(), deadline, "the runs did not end: %s" % self.query(
                "SELECT state, count(*) FROM dag_run GROUP BY state"))
            time.sleep(rng.uniform(1.5, 3.5))
            # A scheduler first and a worker second, then any: each role is
            # killed at least once however fast the runs end.
            done = sum(kills.values())
            victim = names[0] if done == 0 else names[2] if done == 1 else rng.choice(names)
            p = self.procs[victim]
            for other, q in self.procs.items():
                self.assertIsNone(q.poll(), "%s ended by itself: %s" % (other, q.output()))
            p.kill()
            p.wait()
            kills[victim.rstrip("0123456789")] += 1
            self.start(victim)
        print("chaos kills", dict(kills), file=sys.stderr)
        self.assertGreater(kills["scheduler"], 0)
        self.assertGreater(kills["worker"], 0)

        counts = self.finished()
        self.assertEqual(counts, {"success": RUNS})
        # A process the loop restarted a moment ago may not have its signal
        # handlers yet (a sanitizer build starts slowly): SIGTERM would kill
        # it rather than stop it, which is not what the check is about.
        youngest = max(self.started_at.values())
        time.sleep(max(0.0, youngest + SETTLE_S - time.monotonic()))
        for name, p in self.procs.items():
            p.terminate()
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, (name, out[-2000:], err[-2000:]))

        self.check_side_effects()
        self.check_no_processes_left()

    def check_side_effects(self):
        history = collections.defaultdict(dict)  # (run, task) -> {try: state}
        for run_id, task_id, try_number, state in self.query(
                "SELECT run_id, task_id, try_number, state FROM task_try"):
            history[(run_id, task_id)][int(try_number)] = state
        self.assertEqual(len(history), RUNS * 20)
        failed = collections.Counter(e for (e,) in self.query(
            "SELECT coalesce(split_part(error, ':', 1), '') FROM task_try WHERE state <> 'success'"))
        print("tries that failed, by their error's first words:", dict(failed), file=sys.stderr)
        events = collections.defaultdict(list)  # (run, task) -> [(kind, try)] in file order
        with open(self.marks) as f:
            for line in f:
                kind, run_id, task_id, try_number, _pid = line.split()
                events[(run_id, task_id)].append((kind, int(try_number)))

        for key, tries in history.items():
            succeeded = [n for n, state in tries.items() if state == "success"]
            self.assertEqual(len(succeeded), 1, (key, tries))
            won = succeeded[0]
            seen = events[key]
            begun = [n for kind, n in seen if kind == "B"]
            # Each try number ran once, and each is in the history.
            self.assertEqual(len(begun), len(set(begun)), (key, seen))
            self.assertLessEqual(set(begun), set(tries), (key, seen, tries))
            # Nothing ran after the try the history calls the success.
            self.assertTrue(all(n <= won for n in begun), (key, seen, tries))
            self.assertIn(("E", won), seen, (key, seen))
            # No overlap: once a try began, no earlier try ends.
            latest = 0
            for kind, n in seen:
                if kind == "B":
                    latest = max(latest, n)
                else:
                    self.assertEqual(n, latest, ("an earlier try ended after a later one began", key, seen))

    def check_no_processes_left(self):
        mark = b"DAGRUN_RUN_ID=" + RUN_PREFIX.encode()
        left = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/environ" % entry, "rb") as f:
                    env = f.read().split(b"\0")
            except OSError:
                continue
            if any(e.startswith(mark) for e in env) and pid_alive(int(entry)):
                left.append(entry)
        self.assertEqual(left, [])
