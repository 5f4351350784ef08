"""Running DAGs end to end: retries, trigger rules, timeouts, parallelism,
command tasks, cancellation and the history they leave."""
import os
import signal
import time
import unittest

from harness import HomeTestCase, dag, pid_alive, task, wait_for

COUNTER = "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo try $n; [ $n -ge 3 ]"


class RetryTest(HomeTestCase):
    def test_retries_that_eventually_succeed(self):
        self.home.write_dag(dag("flaky", [
            task("attempt", ["sh", "-c", COUNTER], retries=3, retry_delay="100ms"),
            task("after", ["true"], upstream=["attempt"]),
        ]))
        r = self.home.run("trigger", "flaky")
        self.assertRc(r, 0)
        run = self.home.only_run()
        self.assertEqual(run["state"], "success")
        tries = [t for t in self.home.tries(run["run_id"]) if t["task_id"] == "attempt"]
        self.assertEqual([t["try_number"] for t in tries], [1, 2, 3])
        self.assertEqual([t["state"] for t in tries], ["failed", "failed", "success"])
        self.assertEqual([t["exit_code"] for t in tries], [1, 1, 0])
        # Each try logs to its own file.
        self.assertIn("try 2", self.home.run("logs", run["run_id"], "attempt", "--try", "2").out)
        self.assertIn("try 3", self.home.run("logs", run["run_id"], "attempt").out)
        self.assertEqual(self.home.task_states(run["run_id"]), {"attempt": "success", "after": "success"})
        self.assertIn("up_for_retry", r.out)

    def test_retries_exhausted_fail_the_downstream(self):
        self.home.write_dag(dag("doomed", [
            task("bad", ["sh", "-c", "echo broken >&2; exit 3"], retries=1, retry_delay=0),
            task("next", ["true"], upstream=["bad"]),
            task("last", ["true"], upstream=["next"]),
        ]))
        r = self.home.run("trigger", "doomed")
        self.assertRc(r, 1)
        run = self.home.only_run()
        self.assertEqual(run["state"], "failed")
        self.assertIn("task 'bad' failed", run["reason"])
        tries = self.home.tries(run["run_id"])
        self.assertEqual(len(tries), 2)
        self.assertTrue(all(t["exit_code"] == 3 for t in tries))
        self.assertIn("broken", tries[-1]["error"])
        self.assertEqual(self.home.task_states(run["run_id"]),
                         {"bad": "failed", "next": "upstream_failed", "last": "upstream_failed"})


class TriggerRuleTest(HomeTestCase):
    def test_each_trigger_rule(self):
        t = lambda tid, up, rule: task(tid, ["true"], upstream=up, trigger_rule=rule)
        self.home.write_dag(dag("rules", [
            task("ok", ["true"]),
            task("bad", ["false"]),
            # Skipped: one_failed with no failure upstream.
            t("skipper", ["ok"], "one_failed"),
            t("all_success", ["ok"], "all_success"),
            t("all_success_bad", ["ok", "bad"], "all_success"),
            t("all_failed", ["bad"], "all_failed"),
            t("all_failed_mixed", ["ok", "bad"], "all_failed"),
            t("all_done", ["ok", "bad"], "all_done"),
            t("one_success", ["ok", "bad"], "one_success"),
            t("one_failed", ["ok", "bad"], "one_failed"),
            t("none_failed", ["ok", "skipper"], "none_failed"),
            t("none_failed_bad", ["ok", "bad"], "none_failed"),
            t("none_skipped", ["ok", "skipper"], "none_skipped"),
            t("none_skipped_bad", ["ok", "bad"], "none_skipped"),
            t("always", ["bad"], "always"),
        ], max_active_tasks=2))
        r = self.home.run("trigger", "rules")
        self.assertRc(r, 1)  # all_success_bad is a failed leaf
        states = self.home.task_states(self.home.only_run()["run_id"])
        self.assertEqual(states, {
            "ok": "success", "bad": "failed", "skipper": "skipped",
            "all_success": "success", "all_success_bad": "upstream_failed",
            "all_failed": "success", "all_failed_mixed": "skipped",
            "all_done": "success", "one_success": "success", "one_failed": "success",
            "none_failed": "success", "none_failed_bad": "upstream_failed",
            "none_skipped": "skipped", "none_skipped_bad": "success", "always": "success",
        })

    def test_a_cleanup_leaf_with_all_done_decides_the_run(self):
        self.home.write_dag(dag("cleanup_wins", [
            task("work", ["false"]),
            task("cleanup", ["true"], upstream=["work"], trigger_rule="all_done"),
        ]))
        self.assertRc(self.home.run("trigger", "cleanup_wins"), 0)


class TimeoutTest(HomeTestCase):
    def test_timeout_kills_the_whole_process_tree(self):
        self.home.write_dag(dag("slow", [
            task("sleeper", ["sh", "-c", "sleep 60 & echo $! > grandchild.pid; wait"],
                 execution_timeout="1s"),
        ]))
        started = time.monotonic()
        r = self.home.run("trigger", "slow")
        self.assertRc(r, 1)
        self.assertLess(time.monotonic() - started, 55, "the sleep was not killed")
        run = self.home.only_run()
        [attempt] = self.home.tries(run["run_id"])
        self.assertEqual(attempt["state"], "failed")
        self.assertIn("timed out", attempt["error"])
        pidfile = os.path.join(self.home.root, "data", "slow", run["run_id"], "grandchild.pid")
        grandchild = int(open(pidfile).read())
        wait_for(lambda: not pid_alive(grandchild), timeout=10, what="the grandchild to die")

    def test_a_timed_out_try_is_retried(self):
        self.home.write_dag(dag("slow_retry", [
            task("sleeper", ["sleep", "30"], execution_timeout="300ms", retries=1, retry_delay=0),
        ]))
        self.assertRc(self.home.run("trigger", "slow_retry"), 1)
        tries = self.home.tries(self.home.only_run()["run_id"])
        self.assertEqual([t["state"] for t in tries], ["failed", "failed"])


class ParallelismTest(HomeTestCase):
    def test_independent_tasks_overlap_in_time(self):
        self.home.write_dag(dag("pair", [
            task("left", ["sleep", "1"]),
            task("right", ["sleep", "1"]),
        ], max_active_tasks=2))
        self.assertRc(self.home.run("trigger", "pair"), 0)
        left, right = self.home.tries(self.home.only_run()["run_id"])
        # ISO 8601 UTC text compares in time order.
        self.assertLess(left["start_date"], right["end_date"])
        self.assertLess(right["start_date"], left["end_date"])

    def test_max_active_tasks_one_serialises(self):
        self.home.write_dag(dag("single", [
            task("left", ["sleep", "0.3"]),
            task("right", ["sleep", "0.3"]),
        ], max_active_tasks=1))
        self.assertRc(self.home.run("trigger", "single"), 0)
        a, b = sorted(self.home.tries(self.home.only_run()["run_id"]), key=lambda t: t["start_date"])
        self.assertLessEqual(a["end_date"], b["start_date"])


class CommandTaskTest(HomeTestCase):
    def test_env_working_directory_and_log_capture(self):
        self.home.write_dag(dag("cmd", [
            task("hello", ["sh", "-c", 'echo "$GREETING from $(pwd)"; echo warning >&2'],
                 env={"GREETING": "hello"}),
        ]))
        self.assertRc(self.home.run("trigger", "cmd", "--run-id", "r1"), 0)
        log = self.home.run("logs", "r1", "hello").out
        self.assertIn("hello from " + os.path.join(self.home.root, "data", "cmd", "r1"), log)
        self.assertIn("warning", log)

    def test_context_variables_are_exported(self):
        self.home.write_dag(dag("ctx", [
            task("show", ["sh", "-c", 'echo "$DAGRUN_HOME|$DAGRUN_DAG_ID|$DAGRUN_RUN_ID|$DAGRUN_TASK_ID|$DAGRUN_TRY_NUMBER"'],
                 retries=1, retry_delay=0, env={"DAGRUN_TASK_ID": "overridden"}),
        ]))
        self.assertRc(self.home.run("trigger", "ctx", "--run-id", "r1"), 0)
        self.assertEqual(self.home.run("logs", "r1", "show").out.strip(),
                         f"{self.home.root}|ctx|r1|overridden|1")

    def test_argv_is_not_run_through_a_shell(self):
        self.home.write_dag(dag("noshell", [task("echo", ["echo", "$HOME", "a;b"])]))
        self.assertRc(self.home.run("trigger", "noshell", "--run-id", "r1"), 0)
        self.assertEqual(self.home.run("logs", "r1", "echo").out.strip(), "$HOME a;b")

    def test_missing_executable_fails_clearly(self):
        self.home.write_dag(dag("missing", [task("nope", ["no-such-program-xyz"])]))
        self.assertRc(self.home.run("trigger", "missing"), 1)
        [attempt] = self.home.tries(self.home.only_run()["run_id"])
        self.assertIn("no-such-program-xyz", attempt["error"])


class CancelTest(HomeTestCase):
    def cancel_with(self, sig, name):
        self.home.write_dag(dag("long", [
            task("sleeper", ["sleep", "60"], retries=2),
            task("after", ["true"], upstream=["sleeper"]),
        ]))
        proc = self.home.start("trigger", "long", "--run-id", "r1")
        try:
            pid = wait_for(lambda: self.home.poll(
                "SELECT pid FROM task_try WHERE run_id='r1' AND pid IS NOT NULL"), what="the task to start")[0]["pid"]
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
        self.assertEqual(proc.returncode, 1, out + err)
        run = self.home.only_run()
        self.assertEqual(run["state"], "failed")
        self.assertEqual(run["reason"], "interrupted by " + name)
        self.assertIsNotNone(run["end_date"])
        [attempt] = self.home.tries("r1")  # no retry after a cancel
        self.assertEqual(attempt["state"], "failed")
        self.assertEqual(self.home.task_states("r1"), {"sleeper": "failed", "after": "skipped"})
        wait_for(lambda: not pid_alive(pid), timeout=10, what="the task's process to die")

    def test_sigint_fails_the_run_and_kills_its_tasks(self):
        self.cancel_with(signal.SIGINT, "SIGINT")

    def test_sigterm_fails_the_run_and_kills_its_tasks(self):
        self.cancel_with(signal.SIGTERM, "SIGTERM")


class HistoryTest(HomeTestCase):
    def test_history_survives_between_invocations(self):
        self.home.write_dag(dag("twice", [task("a", ["true"]), task("b", ["false"], upstream=["a"])]))
        self.assertRc(self.home.run("trigger", "twice", "--run-id", "first"), 1)
        self.assertRc(self.home.run("trigger", "twice", "--run-id", "second", "--conf", '{"k": 1}'), 1)
        runs = self.home.json("runs")
        self.assertEqual([r["run_id"] for r in runs], ["second", "first"])
        self.assertEqual(runs[0]["conf"], {"k": 1})
        for r in runs:
            self.assertEqual(r["state"], "failed")
            for key in ("run_id", "dag_id", "state", "start_date", "end_date"):
                self.assertIn(key, r)
        tasks = self.home.json("tasks", "first")
        self.assertEqual([(t["task_id"], t["try_number"], t["state"]) for t in tasks],
                         [("a", 1, "success"), ("b", 1, "failed")])
        self.assertIn("exit code 1", tasks[1]["error"])
        self.assertEqual(len(self.home.json("runs", "--state", "failed", "--limit", "1")), 1)
        self.assertEqual(self.home.json("runs", "other_dag"), [])

    def test_reading_history_while_a_run_writes_never_fails(self):
        tasks = [task(f"t{i}", ["true"]) for i in range(400)]
        self.home.write_dag(dag("busy", tasks, max_active_tasks=2))
        proc = self.home.start("trigger", "busy", "--run-id", "busy1")
        reads = 0
        try:
            wait_for(lambda: self.home.poll("SELECT 1 FROM dag_run WHERE run_id = 'busy1'"),
                     what="the run to be recorded")
            deadline = time.monotonic() + 300  # a hang guard: the run takes seconds
            while proc.poll() is None:
                self.assertLess(time.monotonic(), deadline, "the run did not end: %r" % (proc.output(),))
                for args in (("runs", "--json"), ("tasks", "busy1", "--json")):
                    r = self.home.run(*args)
                    self.assertEqual(r.rc, 0, repr(r))
                    self.assertNotIn("locked", r.err)
                    reads += 1
        finally:
            if proc.poll() is None:
                proc.kill()
            out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertGreater(reads, 0)
        self.assertEqual(len(self.home.tries("busy1")), 400)


if __name__ == "__main__":
    unittest.main()
