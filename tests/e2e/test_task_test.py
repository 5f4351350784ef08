"""`dagrun test DAG_ID TASK_ID [DATE]` through the real binary: one try of one
task in the foreground, its log on stdout, templates rendered for the chosen
logical date and data interval, --param and --conf over the task's, XComs
from the DAG's latest run or --xcom, a mapped task's instance with its item,
nothing recorded in the history (no history is even created), the exit code
the try's outcome (0, 1, 3 for a skip), SIGTERM stopping the try and its
process, and bad arguments refused with exit 2 before anything runs."""
import json
import os
import signal
import time
import urllib.parse

from harness import HomeTestCase, dag, task, pid_alive
from test_news_docker import BUSYBOX, docker_or_skip


def plugin_task(task_id, plugin, upstream=(), **keys):
    t = {"task_id": task_id, "plugin": plugin}
    if upstream:
        t["upstream"] = list(upstream)
    t.update(keys)
    return t


class TaskTestTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        show = ("echo ds={{ ds }} start={{ data_interval_start }} end={{ data_interval_end }}"
                " city={{ params.city }} conf={{ conf.who }} run=$DAGRUN_RUN_ID try={{ try_number }};"
                " echo to-stderr >&2")
        self.home.write_dag(dag("etl", [
            plugin_task("extract", "echo_xcom", params={"push": {"return_value": [1, 2, 3], "rows": 3}}),
            task("show", ["sh", "-c", show], upstream=["extract"], params={"city": "Seoul"}),
            plugin_task("load", "echo_xcom", upstream=["extract"],
                        params={"pull": [{"task_id": "extract", "key": "return_value"},
                                         {"task_id": "extract", "key": "rows"}],
                                "require": True, "echo_as": "loaded"}),
            task("each", ["sh", "-c", "echo item=$DAGRUN_MAP_ITEM index={{ map_index }}"], expand=["a", "b", "c"]),
        ], schedule="@daily"))
        self.home.write_dag(dag("misc", [
            task("boom", ["sh", "-c", "echo about to fail; exit 7"]),
            plugin_task("skip", "fail", params={"skip": True}),
            task("slow", ["sh", "-c", "echo started; sleep 300"]),
        ]))

    def assert_nothing_recorded(self):
        self.assertFalse(os.path.exists(self.home.db_path), "dagrun test created the history")
        for d in ("logs", "data"):
            self.assertFalse(os.path.exists(os.path.join(self.home.root, d)), d)

    def test_templates_for_a_date_params_conf_and_output_on_stdout(self):
        r = self.home.run("test", "etl", "show", "2026-03-01", "--param", "city=Busan", "--conf", '{"who": "me"}')
        self.assertRc(r, 0)
        self.assertIn("ds=2026-03-01 start=2026-03-01T00:00:00+00:00 end=2026-03-02T00:00:00+00:00 city=Busan"
                      " conf=me run=test__2026-03-01T00:00:00.000Z try=1", r.out)
        self.assertIn("to-stderr", r.out)  # the try's log, stdout and stderr, on our stdout
        self.assertIn("nothing is recorded", r.err)
        self.assertIn("show succeeded", r.err)
        self.assert_nothing_recorded()
        # A --param that is JSON is JSON; the task's own params stay otherwise.
        r = self.home.run("test", "etl", "show", "2026-03-01", "--param", "city=[1,2]", "--conf", '{"who": 5}')
        self.assertRc(r, 0)
        self.assertIn("city=[1,2] conf=5", r.out)

    def test_the_exit_code_is_the_outcome(self):
        r = self.home.run("test", "misc", "boom")
        self.assertRc(r, 1)
        self.assertIn("about to fail", r.out)
        self.assertIn("boom failed: exit code 7", r.err)
        r = self.home.run("test", "misc", "skip")
        self.assertRc(r, 3)
        self.assertIn("skip skipped", r.err)
        self.assert_nothing_recorded()

    def test_xcoms_from_the_latest_run_or_the_command_line_and_nothing_recorded(self):
        # Without a history the pull finds nothing: the plugin requires it and fails.
        r = self.home.run("test", "etl", "load")
        self.assertRc(r, 1)
        self.assert_nothing_recorded()
        r = self.home.run("test", "etl", "extract")
        self.assertRc(r, 0)
        self.assertIn("XCom return_value = [1,2,3]", r.err)
        self.assertIn("XCom rows = 3", r.err)
        self.assert_nothing_recorded()
        # --xcom gives what the upstream task would have pushed.
        r = self.home.run("test", "etl", "load", "--xcom", "extract=[9]", "--xcom", "extract:rows=1")
        self.assertRc(r, 0)
        self.assertIn("pulled extract.return_value = [9]", r.out)
        self.assertIn("pulled extract.rows = 1", r.out)
        self.assertIn("XCom loaded = [9]", r.err)
        # After a real run, its XComs are the ones pulled, and the history gains nothing.
        self.assertRc(self.home.run("trigger", "etl", "--run-id", "r1", "--conf", '{"who": "x"}'), 0)
        counts = [self.home.query("SELECT COUNT(*) AS n FROM " + t)[0]["n"] for t in ("dag_run", "task_try", "xcom")]
        r = self.home.run("test", "etl", "load")
        self.assertRc(r, 0)
        self.assertIn("XComs from run r1", r.err)
        self.assertIn("pulled extract.return_value = [1,2,3]", r.out)
        r = self.home.run("test", "etl", "load", "--xcom", "extract:rows=42")  # one key over the run's
        self.assertRc(r, 0)
        self.assertIn("pulled extract.return_value = [1,2,3]", r.out)
        self.assertIn("pulled extract.rows = 42", r.out)
        self.assertRc(self.home.run("test", "etl", "load", "--xcoms-from", "none"), 1)
        self.assertRc(self.home.run("test", "etl", "load", "--xcoms-from", "r1"), 0)
        self.assertEqual(
            [self.home.query("SELECT COUNT(*) AS n FROM " + t)[0]["n"] for t in ("dag_run", "task_try", "xcom")],
            counts)

    def test_a_mapped_task_s_instance_gets_its_item(self):
        r = self.home.run("test", "etl", "each[1]")
        self.assertRc(r, 0)
        self.assertIn("item=b index=1", r.out)
        r = self.home.run("test", "etl", "each")
        self.assertRc(r, 2)
        self.assertIn("is mapped: test one of its instances, each[0]", r.err)
        r = self.home.run("test", "etl", "each[3]")
        self.assertRc(r, 2)
        self.assertIn("mapped over 3 items: there is no instance 3", r.err)
        r = self.home.run("test", "etl", "show[0]")
        self.assertRc(r, 2)
        self.assertIn("is not mapped", r.err)
        self.assert_nothing_recorded()

    def test_a_container_task_with_the_run_s_data_directory_mounted(self):
        docker = docker_or_skip(self)
        self.home.write_dag(dag("boxed", [task("box", container={
            "image": BUSYBOX, "network_mode": "none", "mount_tmp_dir": True,
            "command": ["sh", "-c", "echo ds={{ ds }} > $DAGRUN_TMP_DIR/out; cat /tmp/dagrun/out; echo in-box"]})]))
        r = self.home.run("test", "boxed", "box", "2026-05-05")
        self.assertRc(r, 0)
        self.assertIn("ds=2026-05-05", r.out)
        self.assertIn("in-box", r.out)
        self.assert_nothing_recorded()  # the data directory under HOME/data/boxed went with its parents
        query = urllib.parse.urlencode({"all": "true", "filters": json.dumps({"label": ["dagrun.dag_id=boxed"]})})
        status, body = docker.call("GET", "/containers/json?" + query)
        self.assertEqual((status, body), (200, []))

    def test_sigterm_stops_the_try_and_its_process(self):
        p = self.home.start("test", "misc", "slow")
        deadline = time.time() + 60
        while "started" not in p.output()[0]:  # the log is on stdout while the try runs
            self.assertIsNone(p.poll(), p.output())
            self.assertLess(time.time(), deadline, p.output())
            time.sleep(0.1)
        sleeper = None
        for pid in os.listdir("/proc"):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if f.read() == b"sh\0-c\0echo started; sleep 300\0":
                        sleeper = int(pid)
            except OSError:
                continue
        self.assertIsNotNone(sleeper)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=60), 1)
        self.assertIn("slow failed", p.output()[1])
        deadline = time.time() + 10
        while pid_alive(sleeper) and time.time() < deadline:
            time.sleep(0.1)
        self.assertFalse(pid_alive(sleeper))
        self.assert_nothing_recorded()

    def test_bad_arguments_are_refused_before_anything_runs(self):
        cases = [
            (("etl", "lod"), "has no task 'lod' (did you mean 'load'?)"),
            (("nope", "load"), "nope"),
            (("etl", "../x"), "TASK_ID"),
            (("etl", "show", "2026-02-30"), "is not a date"),
            (("etl", "show", "--param", "=1"), "--param takes KEY=VALUE"),
            (("etl", "show", "--param", "novalue"), "--param takes KEY=VALUE"),
            (("etl", "load", "--xcom", "extract=[1"), "not valid JSON"),
            (("etl", "load", "--xcom", "../x=1"), "--xcom's task id"),
            (("etl", "load", "--xcom", "extract"), "--xcom takes TASK_ID[:KEY]=JSON"),
            (("etl", "load", "--xcoms-from", "no_such_run"), "no_such_run"),
            (("etl", "show", "--conf", "[1]"), "--conf must be a JSON object"),
            (("etl", "show", "--data-dir", "/etc"), "--data-dir must be an existing directory in"),
            (("etl", "show", "--data-dir", "/nonexistent/../etc"), "--data-dir must be"),
            (("etl", "show", "--data-dir", os.path.join(self.home.root, "data", "etl", "..", "..")), "--data-dir must be"),
            (("etl", "show", "--data-dir", os.path.join(self.home.root, "data", "etl", "escape")), "--data-dir must be"),
            (("etl", "show", "--data-dir", os.path.join(self.home.root, "data", "etl")), "--data-dir must be"),
            (("etl", "show", "--data-dir", os.path.join(self.home.root, "data", "etl", "missing")), "--data-dir must be"),
        ]
        # A link in the DAG's data directory to a directory elsewhere is not the run's.
        os.makedirs(os.path.join(self.home.root, "data", "etl", "r1"))
        os.symlink("/etc", os.path.join(self.home.root, "data", "etl", "escape"))
        for args, said in cases:
            with self.subTest(args=args):
                r = self.home.run("test", *args)
                self.assertRc(r, 2)
                self.assertIn(said, r.err)
        r = self.home.run("test", "etl", "load", *sum([["--param", "k%d=1" % i] for i in range(1001)], []))
        self.assertRc(r, 2)
        self.assertIn("more than 1000 times", r.err)
        self.assertFalse(os.path.exists("/nonexistent"))
        # A run's data directory is taken, and left as it was.
        r = self.home.run("test", "etl", "show", "--data-dir", os.path.join(self.home.root, "data", "etl", "r1"),
                          "--conf", '{"who": "x"}')
        self.assertRc(r, 0)
        self.assertIn("city=Seoul", r.out)
        self.assertTrue(os.path.isdir(os.path.join(self.home.root, "data", "etl", "r1")))
        self.assertFalse(os.path.exists(self.home.db_path))
