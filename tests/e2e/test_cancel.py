"""`dagrun cancel` and `dagrun clear`: stopping one run from another process,
wherever its engine runs (a foreground trigger, a scheduler running others),
and the rules both share with the web API (engine/app/actions.h)."""
import signal
import time

from harness import HomeTestCase, dag, pid_alive, task, wait_for


def slow_dag(dag_id="slow"):
    # retries: a cancelled try must not be retried.
    return dag(dag_id, [task("wait", ["sleep", "300"], retries=3),
                        task("after", ["true"], upstream=["wait"]),
                        task("side", ["true"])])


class CancelTest(HomeTestCase):
    def running_pid(self, run_id):
        rows = wait_for(lambda: self.home.poll(
            "SELECT pid FROM task_try WHERE run_id = ? AND task_id = 'wait' AND state = 'running' AND pid IS NOT NULL",
            run_id), timeout=60, what="the sleep of %s to start" % run_id)
        return rows[0]["pid"]

    def assertCancelled(self, run_id, reason):
        run = self.home.query("SELECT * FROM dag_run WHERE run_id = ?", run_id)[0]
        self.assertEqual((run["state"], run["reason"], run["cancel_requested"]), ("failed", reason, reason))
        self.assertIsNotNone(run["end_date"])
        tries = self.home.tries(run_id)
        wait = [t for t in tries if t["task_id"] == "wait"]
        self.assertEqual([(t["try_number"], t["state"]) for t in wait], [(1, "failed")])  # not retried
        self.assertIn("cancel", wait[0]["error"])
        self.assertEqual(self.home.task_states(run_id), {"wait": "failed", "after": "skipped", "side": "success"})

    def test_a_foreground_trigger_is_cancelled_from_another_process(self):
        self.home.write_dag(slow_dag())
        trigger = self.home.start("trigger", "slow", "--run-id", "fg")
        try:
            pid = self.running_pid("fg")
            r = self.home.run("cancel", "fg")
            self.assertEqual(r.rc, 0, r)
            self.assertIn("run fg is stopping", r.out)
            trigger.wait(timeout=30)
            out, err = trigger.output()
            self.assertEqual(trigger.returncode, 1, (out, err))
            self.assertIn("cancelled by `dagrun cancel`", out + err)
        finally:
            if trigger.poll() is None:
                trigger.kill()
                trigger.wait()
        self.assertCancelled("fg", "cancelled by `dagrun cancel`")
        self.assertFalse(pid_alive(pid))
        # Ended: a second cancel is refused and changes nothing.
        r = self.home.run("cancel", "fg")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("has already ended (failed)", r.err)
        self.assertCancelled("fg", "cancelled by `dagrun cancel`")

    def test_a_scheduler_stops_the_cancelled_run_and_goes_on_with_the_others(self):
        self.home.write_dag(slow_dag())
        sched = self.home.start("scheduler")
        try:
            for run_id in ("one", "two"):
                r = self.home.run("trigger", "slow", "--queue", "--run-id", run_id)
                self.assertEqual(r.rc, 0, r)
            pids = {run_id: self.running_pid(run_id) for run_id in ("one", "two")}
            self.assertEqual(self.home.run("cancel", "one").rc, 0)
            wait_for(lambda: self.home.query("SELECT state FROM dag_run WHERE run_id = 'one'")[0]["state"] == "failed",
                     timeout=30, what="run one to be cancelled")
            self.assertCancelled("one", "cancelled by `dagrun cancel`")
            self.assertFalse(pid_alive(pids["one"]))
            # The other run and its try are untouched, and so is the scheduler.
            time.sleep(1.5)  # three of the engine's looks for requests
            self.assertEqual(self.home.query("SELECT state FROM dag_run WHERE run_id = 'two'")[0]["state"], "running")
            self.assertTrue(pid_alive(pids["two"]))
            self.assertIsNone(sched.poll(), sched.output())
            self.assertEqual(self.home.run("cancel", "two").rc, 0)
            wait_for(lambda: self.home.query("SELECT state FROM dag_run WHERE run_id = 'two'")[0]["state"] == "failed",
                     timeout=30, what="run two to be cancelled")
        finally:
            sched.send_signal(signal.SIGTERM)
            sched.wait(timeout=60)
        self.assertEqual(sched.returncode, 0, sched.output())

    def test_a_queued_run_fails_at_once_and_bad_requests_change_nothing(self):
        self.home.write_dag(slow_dag())
        self.assertEqual(self.home.run("trigger", "slow", "--queue", "--run-id", "q").rc, 0)
        r = self.home.run("cancel", "q")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("cancelled before it started", r.out)
        run = self.home.only_run()
        self.assertEqual((run["state"], run["reason"]), ("failed", "cancelled by `dagrun cancel`"))
        self.assertEqual(set(self.home.task_states("q").values()), {"skipped"})
        self.assertEqual(self.home.tries("q"), [])
        for args, rc, fragment in [(("cancel", "ghost"), 1, "no run 'ghost'"),
                                   (("cancel", "../x"), 2, "RUN_ID"),
                                   (("cancel", "a\x01b"), 2, "RUN_ID")]:
            with self.subTest(args=args):
                r = self.home.run(*args)
                self.assertEqual(r.rc, rc, r)
                self.assertIn(fragment, r.err)
        self.assertEqual(len(self.home.query("SELECT * FROM dag_run")), 1)


class ClearTest(HomeTestCase):
    def test_clear_is_refused_while_running_and_forgets_the_cancel_afterwards(self):
        self.home.write_dag(slow_dag())
        trigger = self.home.start("trigger", "slow", "--run-id", "c1")
        try:
            wait_for(lambda: self.home.poll("SELECT 1 FROM task_try WHERE run_id = 'c1' AND state = 'running'"),
                     timeout=60, what="the run to start")
            r = self.home.run("clear", "c1")
            self.assertEqual(r.rc, 1, r)
            self.assertIn("is running", r.err)
            self.assertEqual(self.home.run("cancel", "c1").rc, 0)
            trigger.wait(timeout=30)
        finally:
            if trigger.poll() is None:
                trigger.kill()
                trigger.wait()
        r = self.home.run("clear", "c1", "--task", "wait", "--downstream")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("cleared 2 tasks of run c1: wait after", r.out)
        run = self.home.only_run()
        self.assertEqual((run["state"], run["cancel_requested"], run["reason"]), ("queued", None, None))
        self.assertEqual(self.home.task_states("c1"), {"wait": "queued", "after": "queued", "side": "success"})
        r = self.home.run("clear", "c1", "--task", "nope")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("has no task 'nope'", r.err)


if __name__ == "__main__":
    import unittest
    unittest.main()
