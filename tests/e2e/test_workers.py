"""Workers (`dagrun worker`) through the real binary against a real
PostgreSQL: a task with a `queue` key runs on a worker process with a home
of its own and no DAG folder, XComs flow both ways, a worker lacking a
task's plugin records why on the try, and a worker frozen (SIGSTOP) past its
lease is fenced out: the retry that replaced its try keeps its outcome and
the frozen worker's late report is refused. SQLite has no workers, and says
so.

Needs DAGRUN_TEST_PG_URL, like test_postgres.py."""
import json
import os
import shutil
import signal
import subprocess
import time

from harness import DAGRUN, Home, dag, pid_alive, task, wait_for
from test_plugins import TEST_PLUGINS, plugin
from test_postgres import PostgresTestCase


class Worker:
    """A `dagrun worker` process with a home of its own (no dags/)."""

    def __init__(self, home_dir, url, *args):
        os.makedirs(home_dir, exist_ok=True)
        self.home_dir = home_dir
        self.out_path = os.path.join(home_dir, "worker.out")
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen([DAGRUN, "--home", home_dir, "--db", url, "--log-level", "info", "worker",
                                      *args], stdout=self.out, stderr=subprocess.STDOUT, text=True)
        wait_for(lambda: "dagrun worker" in self.output(), timeout=30, what="the worker's first line")

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
        rc = self.proc.wait(timeout=timeout)
        self.out.close()
        return rc


class WorkerTestCase(PostgresTestCase):
    def setUp(self):
        super().setUp()
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            if w.proc.poll() is None:
                w.proc.send_signal(signal.SIGCONT)
                w.proc.kill()
                w.proc.wait()
        super().tearDown()

    def worker(self, name, *args):
        w = Worker(os.path.join(self.home.root, "worker-" + name), self.url, *args)
        self.workers.append(w)
        return w

    def tries(self, run_id):
        r = self.pg("tasks", run_id, "--json")
        self.assertRc(r, 0)
        return json.loads(r.out)


class QueueTest(WorkerTestCase):
    def test_a_queued_task_runs_on_the_worker_and_xcoms_flow_both_ways(self):
        self.home.write_dag(dag("relay", [
            plugin("producer", "echo_xcom", params={"push": {"count": 42}}),
            plugin("relay", "echo_xcom", upstream=["producer"], queue="etl", isolation="in_process",
                   params={"pull": [{"task_id": "producer", "key": "count"}], "echo_as": "again",
                           "require": True}),
            task("where", ["sh", "-c", "echo worker=${DAGRUN_WORKER_ID:-none} home=$DAGRUN_HOME"],
                 upstream=["relay"], queue="etl"),
            plugin("consumer", "echo_xcom", upstream=["relay"],
                   params={"pull": [{"task_id": "relay", "key": "again"}], "require": True}),
        ]))
        w = self.worker("w1", "--plugin-path", TEST_PLUGINS, "--queue", "etl,other", "--slots", "2", "--lease", "3s")
        r = self.pg("--plugin-path", TEST_PLUGINS, "trigger", "relay", "--run-id", "q1", timeout=180)
        self.assertRc(r, 0)
        tries = {t["task_id"]: t for t in self.tries("q1")}
        self.assertEqual({k: t["state"] for k, t in tries.items()},
                         {"producer": "success", "relay": "success", "where": "success", "consumer": "success"})
        # The worker's tries log in the worker's home, and the engine records so.
        self.assertTrue(tries["where"]["log_path"].startswith(os.path.realpath(w.home_dir)), tries["where"])
        self.assertFalse(tries["producer"]["log_path"].startswith(os.path.realpath(w.home_dir)))
        with open(tries["where"]["log_path"]) as f:
            line = f.read()
        self.assertIn("worker=", line)
        self.assertNotIn("worker=none", line)
        self.assertIn("home=" + os.path.realpath(w.home_dir), line)
        log = self.pg("logs", "q1", "consumer").out
        self.assertIn("pulled relay.again = 42", log)
        # The worker stored its try's log with its report: any host reads it
        # from the history, here with the worker's file gone.
        os.remove(tries["where"]["log_path"])
        logs = self.pg("logs", "q1", "where")
        self.assertRc(logs, 0)
        self.assertEqual(logs.out, line)
        self.assertEqual(w.stop(), 0)
        self.assertIn("2 tries run, 0 reports refused", w.output())

    def test_a_mapped_task_on_a_queue_runs_its_instances_on_the_worker_with_their_items(self):
        self.home.write_dag(dag("fanout", [
            plugin("list", "echo_xcom", params={"push": {"return_value": ["x", {"k": 2}, 3]}}),
            task("each", ["sh", "-c", "echo {{ map_index }}={{ map_item }} env=$DAGRUN_MAP_INDEX:$DAGRUN_MAP_ITEM"],
                 upstream=["list"], queue="etl", expand={"xcom": "list"}),
            plugin("pushed", "echo_xcom", upstream=["list"], queue="etl", isolation="in_process",
                   expand=["a", "b"], params={"push": {"v": "{{ map_item }}"}}),
            plugin("gather", "echo_xcom", upstream=["pushed"],
                   params={"pull": [{"task_id": "pushed", "key": "v"}], "require": True}),
        ]))
        w = self.worker("w1", "--plugin-path", TEST_PLUGINS, "--queue", "etl", "--slots", "2", "--lease", "3s")
        r = self.pg("--plugin-path", TEST_PLUGINS, "trigger", "fanout", "--run-id", "m1", timeout=180)
        self.assertRc(r, 0)
        tries = {t["task_id"]: t for t in self.tries("m1")}
        # The template is rendered into the shell's script, whose quoting eats the item's quotes.
        for i, shown in enumerate(["0=x env=0:x", '1={k:2} env=1:{"k":2}', "2=3 env=2:3"]):
            t = tries["each[%d]" % i]
            self.assertEqual(t["state"], "success")
            self.assertTrue(t["log_path"].startswith(os.path.realpath(w.home_dir)), t)
            self.assertEqual(self.pg("logs", "m1", "each[%d]" % i).out.strip(), shown)
        self.assertIn('pulled pushed.v = ["a","b"]', self.pg("logs", "m1", "gather").out)
        self.assertEqual(w.stop(), 0)
        self.assertIn("5 tries run, 0 reports refused", w.output())

    def test_a_worker_lacking_the_plugin_records_why_on_the_try(self):
        # A plugin only the scheduler's home has: the DAG validates there.
        local = os.path.join(self.home.root, "local-plugins")
        os.makedirs(local)
        shutil.copy(os.path.join(os.environ["DAGRUN_PLUGIN_DIR"], "dagrun_noop.so"),
                    os.path.join(local, "dagrun_onlyhere.so"))
        self.home.write_dag(dag("needs", [plugin("p", "onlyhere", queue="etl")]))
        w = self.worker("bare", "--queue", "etl", "--lease", "3s")
        r = self.pg("--plugin-path", local, "trigger", "needs", "--run-id", "n1", timeout=120)
        self.assertRc(r, 1)
        [attempt] = self.tries("n1")
        self.assertEqual(attempt["state"], "failed")
        self.assertIn("cannot run the try", attempt["error"])
        self.assertIn("unknown plugin 'onlyhere'", attempt["error"])
        self.assertEqual(w.stop(), 0)

    def test_a_task_with_a_queue_on_sqlite_fails_with_why_and_a_worker_refuses_to_start(self):
        self.home.write_dag(dag("q", [task("t", ["true"], queue="etl")]))
        r = self.home.run("trigger", "q", "--run-id", "s1")
        self.assertRc(r, 1)
        [attempt] = self.home.tries("s1")
        self.assertIn("only a PostgreSQL history has workers", attempt["error"])
        w = self.home.run("worker", "--queue", "etl", timeout=30)
        self.assertRc(w, 2)
        self.assertIn("PostgreSQL", w.err)

    def test_bad_worker_flags_are_refused(self):
        for args, words in ((["--queue", "a b"], "queue name"), (["--queue", ""], "queue"),
                            (["--slots", "0"], "--slots"), (["--slots", "2x"], "--slots"),
                            (["--lease", "1ms"], "--lease")):
            r = self.pg("worker", *args, timeout=30)
            self.assertRc(r, 2)
            self.assertIn(words, r.err)


class FencingTest(WorkerTestCase):
    def test_a_worker_frozen_past_its_lease_is_fenced_out_and_the_retry_keeps_its_outcome(self):
        marks = os.path.join(self.home.root, "marks")
        # Try 1 takes long enough to be frozen in; the retry is quick.
        script = ('echo "try $DAGRUN_TRY_NUMBER on $DAGRUN_WORKER_ID" >> %s; '
                  'if [ "$DAGRUN_TRY_NUMBER" = 1 ]; then sleep 4; fi; echo done' % marks)
        self.home.write_dag(dag("fence", [task("slow", ["sh", "-c", script], queue="etl", retries=1,
                                               retry_delay="0s")]))
        a = self.worker("a", "--queue", "etl", "--lease", "1s")
        trigger = subprocess.Popen([DAGRUN, "--home", self.home.root, "--db", self.url, "trigger", "fence",
                                    "--run-id", "f1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: os.path.exists(marks) and "try 1" in open(marks).read(), timeout=60,
                     what="worker a running try 1")
            a.proc.send_signal(signal.SIGSTOP)
            b = self.worker("b", "--queue", "etl", "--lease", "3s")
            out, err = trigger.communicate(timeout=120)
        finally:
            if trigger.poll() is None:
                trigger.kill()
        self.assertEqual(trigger.returncode, 0, out + err)
        tries = self.tries("f1")
        self.assertEqual([(t["try_number"], t["state"]) for t in tries], [(1, "failed"), (2, "success")])
        self.assertIn("stopped renewing its lease", tries[0]["error"])

        # Worker a wakes up past its lease: it can neither renew nor report.
        a.proc.send_signal(signal.SIGCONT)
        wait_for(lambda: "was refused" in a.output(), timeout=60, what="worker a's refused report")
        self.assertEqual(a.stop(), 0)
        self.assertIn("1 tries run, 1 reports refused", a.output())
        after = self.tries("f1")
        self.assertEqual([(t["try_number"], t["state"], t["error"]) for t in after],
                         [(t["try_number"], t["state"], t["error"]) for t in tries])
        self.assertEqual(json.loads(self.pg("runs", "--json").out)[0]["state"], "success")
        b.stop()


class DyingStarterTest(WorkerTestCase):
    """A try's processes die with the process that started them, even by
    kill -9: on a shared history another host retries the task, and what
    the dead one started must not run on beside the retry
    (base/try_keeper.h)."""

    def marked_task(self, task_id, marks, **keys):
        # The task's shell and a background child it started record their
        # pids, then wait far longer than the test.
        script = ('sleep 300 & echo $! > %s/%s.bg; echo $$ > %s/%s.fg; wait' % (marks, task_id, marks, task_id))
        return task(task_id, ["sh", "-c", script], **keys)

    def pids_of(self, marks, task_id):
        paths = [os.path.join(marks, task_id + s) for s in (".fg", ".bg")]
        wait_for(lambda: all(os.path.exists(p) and open(p).read().strip() for p in paths), timeout=60,
                 what="the try's processes")
        return [int(open(p).read()) for p in paths]

    def assertAllDie(self, pids):
        wait_for(lambda: not any(pid_alive(p) for p in pids), timeout=10, what="the try's processes to die")

    def test_a_worker_killed_with_sigkill_takes_its_tries_processes_along(self):
        marks = os.path.join(self.home.root, "marks")
        os.makedirs(marks)
        self.home.write_dag(dag("long", [self.marked_task("cmd", marks, queue="etl"),
                                         plugin("plug", "sleep", queue="etl", params={"seconds": 300})]))
        w = self.worker("w", "--plugin-path", TEST_PLUGINS, "--queue", "etl", "--slots", "2", "--lease", "2s")
        trigger = subprocess.Popen([DAGRUN, "--home", self.home.root, "--db", self.url, "--plugin-path",
                                    TEST_PLUGINS, "trigger", "long", "--run-id", "k1"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            pids = self.pids_of(marks, "cmd")
            host = []
            wait_for(lambda: host.extend(self.task_host_pids(w.home_dir)) or host, timeout=60,
                     what="the plugin's task host")
            self.assertTrue(all(pid_alive(p) for p in pids + host))
            w.proc.kill()
            w.proc.wait()
            self.assertAllDie(pids + host)
        finally:
            trigger.kill()
            trigger.wait()

    def test_an_engine_on_postgresql_killed_with_sigkill_takes_its_tries_processes_along(self):
        marks = os.path.join(self.home.root, "marks")
        os.makedirs(marks)
        self.home.write_dag(dag("local", [self.marked_task("cmd", marks)]))
        trigger = subprocess.Popen([DAGRUN, "--home", self.home.root, "--db", self.url, "trigger", "local",
                                    "--run-id", "e1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            pids = self.pids_of(marks, "cmd")
            trigger.kill()
            trigger.wait()
            self.assertAllDie(pids)
        finally:
            if trigger.poll() is None:
                trigger.kill()
                trigger.wait()

    @staticmethod
    def task_host_pids(worker_home):
        """The dagrun-task-host processes running a plugin try for the
        worker with this home (the keeper's child, not the keeper)."""
        mark = ("DAGRUN_HOME=" + os.path.realpath(worker_home)).encode()
        out = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    argv = f.read().split(b"\0")
                with open("/proc/%s/environ" % entry, "rb") as f:
                    env = f.read().split(b"\0")
            except OSError:
                continue
            if argv[0].endswith(b"dagrun-task-host") and argv[1:2] == [b"--run"] and mark in env:
                out.append(int(entry))
        return out


class PoolTest(WorkerTestCase):
    def test_a_pool_holds_across_engines_and_workers_on_postgresql(self):
        """Two foreground engines share a pool of 1 through PostgreSQL; their
        tries run on two workers: never two at once (docs/pools.md)."""
        with open(os.path.join(self.home.root, "dagrun.json"), "w", encoding="utf-8") as f:
            json.dump({"pools": [{"name": "one", "slots": 1}]}, f)
        for d in ("a", "b"):
            self.home.write_dag(dag(d, [task("t%d" % i, ["sleep", "0.3"], pool="one", queue="etl") for i in range(3)],
                                    max_active_tasks=3))
        self.worker("w1", "--queue", "etl", "--slots", "2", "--lease", "3s")
        self.worker("w2", "--queue", "etl", "--slots", "2", "--lease", "3s")
        engines = [self.home.start("trigger", d, "--run-id", d + "1", "--db", self.url) for d in ("a", "b")]
        for e in engines:
            self.assertEqual(e.wait(timeout=180), 0, e.output())
        edges = []
        for run_id in ("a1", "b1"):
            tries = self.tries(run_id)
            self.assertEqual([t["state"] for t in tries], ["success"] * 3)
            for t in tries:
                edges += [(t["start_date"], 1), (t["end_date"], -1)]
        edges.sort()  # ISO times of one format sort as times; an end before a start at the same instant
        now = most = 0
        for _, delta in edges:
            now += delta
            most = max(most, now)
        self.assertEqual(most, 1)
        self.assertEqual(json.loads(self.pg("pools", "--json").out)[0]["used"], 0)
