"""The history never loses or invents what happened: an in_process plugin that kills
the engine is charged its tries, output lost to a full disk is recorded as lost, and a
history database on a full disk stays a prefix of what happened."""
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import unittest

from harness import DAGRUN, HomeTestCase, dag, task, wait_for


def plugin(task_id, name, upstream=(), **keys):
    return task(task_id, plugin=name, upstream=upstream, **keys)


def is_root():
    return os.geteuid() == 0


class Tmpfs:
    """A tmpfs of a few megabytes mounted at path (root only), unmounted at the end."""

    def __init__(self, path, size):
        os.makedirs(path, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], check=True)
        self.path = path

    def unmount(self):
        subprocess.run(["umount", "-l", self.path], check=False)


class InProcessCrashTest(HomeTestCase):
    def journals(self):
        d = os.path.join(self.home.root, "dagrun.db.journals")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def test_a_plugin_that_kills_the_engine_uses_up_its_tries_and_the_run_fails(self):
        self.home.write_dag(dag("crashy", [
            task("upstream", ["true"]),
            plugin("crash", "crash", upstream=["upstream"], isolation="in_process", retries=1, retry_delay=0),
        ]))
        first = self.home.run("trigger", "crashy", "--run-id", "c1")
        self.assertEqual(first.rc, -signal.SIGSEGV, repr(first))
        # What the dead engine left: whatever it had not committed of the upstream
        # success and the started try is in its journal, which the next engine replays.
        self.assertEqual(len(self.journals()), 1)
        self.assertEqual(self.home.only_run()["state"], "running")

        # The next engine charges try 1 and resumes the run: try 2 crashes it again.
        second = self.home.start("scheduler")
        try:
            second.communicate(timeout=120)
        finally:
            if second.poll() is None:
                second.kill()
                second.communicate()
        self.assertEqual(second.returncode, -signal.SIGSEGV)
        self.assertEqual(len(self.journals()), 1)  # the first engine's replayed and gone, the second's left
        tries = {(t["task_id"], t["try_number"]): t for t in self.home.tries("c1")}
        self.assertEqual(tries[("crash", 1)]["state"], "failed")
        self.assertEqual(tries[("upstream", 1)]["state"], "success")

        # The one after finds no try left: the task fails and so does the run, for good.
        third = self.home.start("scheduler")
        try:
            wait_for(lambda: self.home.poll("SELECT 1 FROM dag_run WHERE run_id = 'c1' AND state = 'failed'"),
                     timeout=120, what="the run to fail")
            third.send_signal(signal.SIGTERM)
            third.communicate(timeout=60)
        finally:
            if third.poll() is None:
                third.kill()
                third.communicate()
        self.assertEqual(third.returncode, 0)
        self.assertEqual(self.journals(), [])  # replayed, and the last engine removed its own

        self.assertEqual(self.home.task_states("c1"), {"upstream": "success", "crash": "failed"})
        tries = self.home.tries("c1")
        self.assertEqual([(t["task_id"], t["try_number"], t["state"]) for t in tries],
                         [("crash", 1, "failed"), ("crash", 2, "failed"), ("upstream", 1, "success")])
        for t in tries[:2]:
            self.assertIn("engine died", t["error"])
            self.assertIn("during an in_process try", t["error"])
            self.assertIsNotNone(t["end_date"])
        self.assertIsNone(tries[2]["error"])
        crash = self.home.query("SELECT * FROM task_instance WHERE run_id = 'c1' AND task_id = 'crash'")[0]
        self.assertEqual((crash["try_number"], crash["max_tries"]), (2, 2))
        self.assertEqual(self.home.only_run()["state"], "failed")


@unittest.skipUnless(is_root(), "mounting a tmpfs needs root")
class FullDiskLogTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.logs = Tmpfs(os.path.join(self.home.root, "logs"), "256k")

    def tearDown(self):
        self.logs.unmount()
        super().tearDown()

    def test_output_cut_short_by_a_full_disk_is_recorded_as_incomplete(self):
        total = 4 * 1024 * 1024
        self.home.write_dag(dag("chatty", [
            task("quiet", ["sh", "-c", "echo fits"]),
            # After quiet, so quiet's log is written before the disk is full.
            task("loud", ["sh", "-c", f"head -c {total} /dev/zero | tr '\\0' x"], upstream=["quiet"]),
        ]))
        result, run_id = self.home.trigger_new("chatty")
        self.assertEqual(result.rc, 0, repr(result))  # losing output does not fail the task

        tries = {t["task_id"]: t for t in self.home.tries(run_id)}
        loud = tries["loud"]
        self.assertEqual(loud["state"], "success")
        self.assertIsNotNone(loud["log_error"])
        self.assertIn(os.strerror(28), loud["log_error"])  # ENOSPC
        kept = os.path.getsize(loud["log_path"]) if os.path.exists(loud["log_path"]) else 0
        self.assertLess(kept, total)
        self.assertIn(f"{kept} bytes written, {total - kept} bytes lost", loud["log_error"])

        as_json = {t["task_id"]: t for t in self.home.json("tasks", run_id)}
        self.assertFalse(as_json["loud"]["log_complete"])
        self.assertEqual(as_json["loud"]["log_error"], loud["log_error"])

        table = self.home.run("tasks", run_id)
        self.assertEqual(table.rc, 0, repr(table))
        self.assertIn("warning: the log of try 1 of task 'loud' is incomplete: ", table.out)
        self.assertNotIn("'quiet' is incomplete", table.out)

        logs = self.home.run("logs", run_id, "loud")
        self.assertEqual(logs.rc, 0, repr(logs))
        self.assertEqual(len(logs.out), kept)
        self.assertIn("warning: the log of try 1 of task 'loud' is incomplete", logs.err)

    def test_a_log_that_cannot_even_be_created_is_recorded_as_incomplete(self):
        self.home.write_dag(dag("first", [task("speak", ["sh", "-c", "echo hello; echo world"])]))
        # Fill the log filesystem completely before the run.
        with open(os.path.join(self.logs.path, "filler"), "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        result, run_id = self.home.trigger_new("first")
        attempt = self.home.tries(run_id)[0]
        self.assertEqual(attempt["state"], "success", repr(result))
        self.assertIsNotNone(attempt["log_error"], repr(result))
        self.assertIn(" 0 bytes written, 12 bytes lost", attempt["log_error"])
        logs = self.home.run("logs", run_id, "speak")
        self.assertIn("is incomplete", logs.err)


@unittest.skipUnless(is_root(), "mounting a tmpfs needs root")
class FullDiskHistoryTest(HomeTestCase):
    """The database itself on a filesystem that fills up during the run and is freed again."""

    def setUp(self):
        super().setUp()
        self.disk = Tmpfs(tempfile.mkdtemp(prefix="dagrun-e2e-disk-"), "4m")

    def tearDown(self):
        self.disk.unmount()
        os.rmdir(self.disk.path)
        super().tearDown()

    def test_commits_that_fail_on_a_full_disk_are_retried_in_order_and_nothing_is_skipped(self):
        home = os.path.join(self.disk.path, "home")
        os.makedirs(os.path.join(home, "dags"))
        filler = os.path.join(self.disk.path, "filler")
        tasks = [
            # Fills the disk, keeps it full while its neighbours finish, then frees it.
            task("fill", ["sh", "-c", f"head -c 67108864 /dev/zero > {filler}; sleep 2; rm -f {filler}"]),
        ]
        for i in range(6):
            tasks.append(task(f"side{i}", ["sh", "-c", f"sleep 0.{i + 3}"]))
            tasks.append(task(f"after{i}", ["true"], upstream=[f"side{i}"]))
        tasks.append(task("last", ["true"], upstream=["fill"] + [f"after{i}" for i in range(6)]))
        with open(os.path.join(home, "dags", "full.json"), "w") as f:
            json.dump(dag("full", tasks), f)
        # The run is created (and the database migrated) before fill starts.
        proc = subprocess.run([DAGRUN, "--home", home, "trigger", "full", "--run-id", "f1", "--max-active-tasks", "7"],
                              capture_output=True, text=True, env=self.home.env(), timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        # The commit did fail while the disk was full, and was retried.
        self.assertIn("retrying, later changes wait", proc.stderr)

        db = sqlite3.connect(os.path.join(home, "dagrun.db"))
        try:
            run = db.execute("SELECT state, end_date FROM dag_run WHERE run_id = 'f1'").fetchone()
            states = dict(db.execute("SELECT task_id, state FROM task_instance WHERE run_id = 'f1'"))
            tries = db.execute("SELECT task_id, try_number, state, end_date FROM task_try WHERE run_id = 'f1'"
                               " ORDER BY task_id").fetchall()
        finally:
            db.close()
        self.assertEqual(run[0], "success")
        self.assertIsNotNone(run[1])
        self.assertEqual(set(states.values()), {"success"})
        self.assertEqual(len(states), 14)
        self.assertEqual(len(tries), 14)  # one try each, every one with its end
        for task_id, number, state, end in tries:
            self.assertEqual((number, state), (1, "success"), task_id)
            self.assertIsNotNone(end, task_id)


if __name__ == "__main__":
    unittest.main()
