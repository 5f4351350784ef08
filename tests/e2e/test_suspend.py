"""A stopping scheduler suspends its runs, and a running scheduler recovers
the runs of engines that die, through the real binary.

SIGTERM after the grace period: the interrupted tries are recorded, not
charged to their task's retries, nothing downstream fails, the run is queued
and the next scheduler runs the interrupted task again to completion. A
foreground `dagrun trigger` killed with -9 while a scheduler runs: the
scheduler notices at once (same host), stops what the trigger left running
and resumes its run, without a restart."""
import os
import signal
import subprocess
import unittest

from harness import dag, pid_alive, task, wait_for
from test_scheduler import SchedulerTestCase, docker_containers

# The first try leaves a marker and sleeps; any later try succeeds at once.
FIRST_TRY_HANGS = ["sh", "-c", "if [ -f marker ]; then echo again >> trace; exit 0; fi; "
                               "touch marker; echo first >> trace; sleep 30"]


def plugin(task_id, name, upstream=(), **keys):
    return task(task_id, plugin=name, upstream=upstream, **keys)


class SuspendTestCase(SchedulerTestCase):
    def run_row(self, run_id):
        return self.home.query("SELECT * FROM dag_run WHERE run_id = ?", run_id)[0]

    def task_row(self, run_id, task_id):
        return self.home.query("SELECT * FROM task_instance WHERE run_id = ? AND task_id = ?", run_id, task_id)[0]

    def queue_and_stop_while_running(self, dag_id, run_id, started):
        """Starts a scheduler, queues a run, and SIGTERMs the scheduler once started() holds."""
        s = self.scheduler("--grace", "300ms")
        self.assertRc(self.home.run("trigger", dag_id, "--queue", "--run-id", run_id), 0)
        wait_for(started, timeout=90, what=f"the first task of {run_id} to run")
        rc, out, err = s.stop()
        self.assertEqual(rc, 0, out + err)
        self.assertIn("grace period of 300ms over", out)
        return out

    def assert_suspended(self, run_id, task_id, max_tries):
        """The interrupted try is recorded, the task waits to run again, nothing failed."""
        run = self.run_row(run_id)
        self.assertEqual(run["state"], "queued")
        self.assertIsNone(run["owner"])
        self.assertIsNone(run["end_date"])
        [attempt] = [t for t in self.home.tries(run_id) if t["task_id"] == task_id]
        self.assertEqual(attempt["try_number"], 1)
        self.assertIn("interrupted: scheduler stopped", attempt["error"])
        self.assertIsNotNone(attempt["end_date"])
        row = self.task_row(run_id, task_id)
        self.assertEqual(row["state"], "queued")
        self.assertEqual(row["try_number"], 1)
        self.assertEqual(row["max_tries"], max_tries)  # the interrupted try is given back
        for state in self.home.task_states(run_id).values():
            self.assertNotIn(state, ("failed", "upstream_failed", "skipped"))

    def resume(self, dag_id, run_id, final="success"):
        s = self.scheduler()
        wait_for(lambda: self.run_row(run_id)["state"] == final, timeout=90, what=f"{run_id} to end {final}")
        self.assertEqual(s.stop()[0], 0)


class SuspendTest(SuspendTestCase):
    def test_sigterm_suspends_a_task_without_retries_and_the_next_scheduler_completes_it(self):
        self.home.write_dag(dag("suspend", [
            task("a", FIRST_TRY_HANGS, retries=0),
            task("b", ["sh", "-c", "echo b >> trace"], upstream=["a"]),
        ]))
        pid = None

        def started():
            nonlocal pid
            rows = self.home.poll("SELECT pid FROM task_try WHERE run_id='r1' AND pid IS NOT NULL")
            pid = rows and rows[0]["pid"]
            return pid

        self.queue_and_stop_while_running("suspend", "r1", started)
        self.assertFalse(pid_alive(pid), "the interrupted command was stopped")
        self.assert_suspended("r1", "a", max_tries=2)
        self.assertEqual(self.home.task_states("r1"), {"a": "queued", "b": "queued"})

        self.resume("suspend", "r1")
        tries = {(t["task_id"], t["try_number"]): t["state"] for t in self.home.tries("r1")}
        self.assertEqual(tries, {("a", 1): "failed", ("a", 2): "success", ("b", 1): "success"})
        self.assertEqual(self.task_row("r1", "a")["max_tries"], 2)
        with open(os.path.join(self.home.root, "data", "suspend", "r1", "trace")) as f:
            self.assertEqual(f.read().split(), ["first", "again", "b"])

    def test_an_interruption_does_not_use_up_a_retry(self):
        # Every try after the interrupted one fails: retries 2 still means three charged tries.
        self.home.write_dag(dag("retrying", [
            task("a", ["sh", "-c", "if [ -f marker ]; then exit 3; fi; touch marker; sleep 30"],
                 retries=2, retry_delay=0),
            task("b", ["true"], upstream=["a"]),
        ]))
        self.queue_and_stop_while_running(
            "retrying", "r2", lambda: self.home.poll("SELECT 1 FROM task_try WHERE run_id='r2' AND pid IS NOT NULL"))
        self.assert_suspended("r2", "a", max_tries=4)

        self.resume("retrying", "r2", final="failed")
        tries = [(t["try_number"], t["state"]) for t in self.home.tries("r2") if t["task_id"] == "a"]
        self.assertEqual(tries, [(1, "failed"), (2, "failed"), (3, "failed"), (4, "failed")])
        self.assertEqual(self.home.task_states("r2"), {"a": "failed", "b": "upstream_failed"})

    def test_a_foreground_trigger_interrupted_by_ctrl_c_still_fails_its_run(self):
        self.home.write_dag(dag("fore", [task("a", ["sleep", "30"]), task("b", ["true"], upstream=["a"])]))
        proc = self.home.start("trigger", "fore", "--run-id", "f1")
        try:
            wait_for(lambda: self.home.poll("SELECT 1 FROM task_try WHERE run_id='f1' AND pid IS NOT NULL"),
                     what="the task to start")
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(self.run_row("f1")["state"], "failed")
        self.assertEqual(self.home.task_states("f1"), {"a": "failed", "b": "skipped"})


@unittest.skipUnless(os.path.exists(os.path.join(os.environ.get("DAGRUN_PLUGIN_DIR", ""), "dagrun_sleep.so")),
                     "the sleep test plugin is not built")
class SuspendPluginTest(SuspendTestCase):
    def check_plugin(self, isolation):
        dag_id = f"nap_{isolation}"
        nap = lambda seconds: dag(dag_id, [
            plugin("nap", "sleep", params={"seconds": seconds}, retries=0, isolation=isolation),
            task("after", ["true"], upstream=["nap"]),
        ])
        self.home.write_dag(nap(60))
        self.queue_and_stop_while_running(
            dag_id, "p1", lambda: self.home.poll("SELECT 1 FROM task_try WHERE run_id='p1' AND task_id='nap'"))
        self.assert_suspended("p1", "nap", max_tries=2)
        self.home.write_dag(nap(0.1))  # the next scheduler reads the DAG again
        self.resume(dag_id, "p1")
        self.assertEqual([t["state"] for t in self.home.tries("p1") if t["task_id"] == "nap"], ["failed", "success"])

    def test_an_isolated_plugin_task_is_suspended_and_resumed(self):
        self.check_plugin("process")

    def test_an_in_process_plugin_task_is_suspended_and_resumed(self):
        self.check_plugin("in_process")


class SuspendContainerTest(SuspendTestCase):
    def test_a_container_task_is_stopped_removed_and_run_again(self):
        if docker_containers("dagrun.managed") is None:
            if os.environ.get("CI") == "true":
                self.fail("CI runs every container test, and no Docker daemon answers")
            self.skipTest("NO DOCKER DAEMON: container suspension not tested")
        dag_id = f"boxed_suspend_{os.getpid()}"
        self.home.write_dag(dag(dag_id, [
            task("boxed", container={
                "image": "dagrun-test-busybox:latest", "network_mode": "none",
                "command": ["sh", "-c", "if [ -f /tmp/dagrun/marker ]; then echo second; exit 0; fi; "
                                        "touch /tmp/dagrun/marker; echo first; sleep 60"]},
                 retries=0),
            task("after", ["true"], upstream=["boxed"]),
        ]))
        marker = os.path.join(self.home.root, "data", dag_id, "c1", "marker")
        self.queue_and_stop_while_running(dag_id, "c1", lambda: os.path.exists(marker))
        self.assertEqual(docker_containers(f"dagrun.dag_id={dag_id}"), [])
        self.assert_suspended("c1", "boxed", max_tries=2)
        self.resume(dag_id, "c1")
        self.assertEqual([t["state"] for t in self.home.tries("c1") if t["task_id"] == "boxed"],
                         ["failed", "success"])
        self.assertIn("second", self.home.run("logs", "c1", "boxed").out)
        self.assertEqual(docker_containers(f"dagrun.dag_id={dag_id}"), [])


class DeadTriggerTest(SuspendTestCase):
    def test_a_running_scheduler_recovers_the_run_of_a_trigger_killed_with_9(self):
        self.home.write_dag(dag("orphan", [
            task("a", ["true"]),
            task("b", FIRST_TRY_HANGS, upstream=["a"], retries=1, retry_delay=0),
            task("c", ["true"], upstream=["b"]),
        ]))
        s = self.scheduler()
        wait_for(lambda: self.home.poll("SELECT 1 FROM engine WHERE kind = 'scheduler'"), what="the scheduler")
        trigger = self.home.start("trigger", "orphan", "--run-id", "t1")
        try:
            pid = wait_for(lambda: self.home.poll(
                "SELECT pid FROM task_try WHERE run_id='t1' AND task_id='b' AND pid IS NOT NULL"),
                what="b to start")[0]["pid"]
            trigger.send_signal(signal.SIGKILL)
            # Not reaped yet on purpose: a zombie engine is as dead as a reaped one.
            wait_for(lambda: self.run_row("t1")["state"] == "success", timeout=60,
                     what="the scheduler to recover and finish the run")
        finally:
            if trigger.poll() is None:
                trigger.kill()
            trigger.communicate(timeout=30)
        self.assertTrue(s.proc.poll() is None, "the same scheduler did it, without a restart")
        self.assertFalse(pid_alive(pid), "the orphaned task was stopped")
        tries = {(t["task_id"], t["try_number"]): t for t in self.home.tries("t1")}
        self.assertEqual(sorted(tries), [("a", 1), ("b", 1), ("b", 2), ("c", 1)])
        self.assertIn("engine died", tries[("b", 1)]["error"])
        self.assertEqual(tries[("b", 2)]["state"], "success")
        with open(os.path.join(self.home.root, "data", "orphan", "t1", "trace")) as f:
            self.assertEqual(f.read().split(), ["first", "again"])
        self.assertEqual(s.stop()[0], 0)
        # No process of the run is left, and the dead engine is gone from the table.
        left = subprocess.run(["grep", "-ls", "DAGRUN_RUN_ID=t1", *[f"/proc/{p}/environ" for p in os.listdir("/proc")
                                                                  if p.isdigit()]],
                              capture_output=True, text=True).stdout.split()
        self.assertEqual(left, [])
        self.assertEqual(self.home.query("SELECT * FROM engine"), [])


if __name__ == "__main__":
    unittest.main()
