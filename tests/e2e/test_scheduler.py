"""The scheduler daemon through the real binary: catch-up counts, DAG files
appearing while it runs, queued triggers, pause, one scheduler per database,
a graceful stop that resumes later, clear, db clean, and recovery after a
kill -9 with the interrupted task retried and nothing left running."""
import datetime
import json
import os
import signal
import subprocess
import time
import unittest

from harness import HomeTestCase, dag, pid_alive, task, wait_for


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Scheduler:
    """A `dagrun scheduler` process of a home, stopped (SIGTERM) at the end."""

    def __init__(self, home, *args):
        self.home = home
        self.proc = home.start("scheduler", *args)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def kill(self):
        self.proc.kill()
        self.proc.communicate(timeout=30)


class SchedulerTestCase(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.schedulers = []

    def tearDown(self):
        for s in self.schedulers:
            if s.proc.poll() is None:
                s.kill()
        super().tearDown()

    def scheduler(self, *args):
        s = Scheduler(self.home, *args)
        self.schedulers.append(s)
        return s

    def runs(self, dag_id=None, state=None):
        sql = "SELECT * FROM dag_run WHERE 1=1"
        args = []
        if dag_id:
            sql += " AND dag_id = ?"
            args.append(dag_id)
        if state:
            sql += " AND state = ?"
            args.append(state)
        return self.home.poll(sql + " ORDER BY data_interval_start", *args)

    def wait_runs(self, dag_id, state, count, timeout=60):
        return wait_for(lambda: len(self.runs(dag_id, state)) >= count and self.runs(dag_id, state),
                        timeout=timeout, what=f"{count} {state} runs of {dag_id}")


def ten_minute_dag(dag_id, catchup):
    """A */10 DAG whose start_date is exactly 40 minutes before the latest 10-minute boundary."""
    now = utc_now()
    # Keep clear of the next boundary, so no fifth interval falls due mid-test.
    if (now.minute % 10) == 9 and now.second > 45:
        time.sleep(61 - now.second)
        now = utc_now()
    boundary = now.replace(minute=now.minute - now.minute % 10, second=0, microsecond=0)
    start = boundary - datetime.timedelta(minutes=40)
    return dag(dag_id, [task("work", ["sh", "-c", "echo {{ data_interval_start }}"])],
               schedule="*/10 * * * *", start_date=iso(start), catchup=catchup), boundary


class ScheduleTest(SchedulerTestCase):
    def test_catchup_runs_every_missed_interval_and_without_only_the_latest(self):
        with_catchup, boundary = ten_minute_dag("with_catchup", True)
        without, _ = ten_minute_dag("without_catchup", False)
        self.home.write_dag(with_catchup)
        self.home.write_dag(without)
        s = self.scheduler()
        self.wait_runs("with_catchup", "success", 4)
        self.wait_runs("without_catchup", "success", 1)
        time.sleep(1)  # room for a wrong extra run to show up
        rc, out, err = s.stop()
        self.assertEqual(rc, 0, out + err)
        caught_up = self.runs("with_catchup")
        self.assertEqual(len(caught_up), 4)
        self.assertEqual(caught_up[-1]["data_interval_end"][:19], iso(boundary)[:19])
        self.assertTrue(all(r["run_type"] == "scheduled" for r in caught_up))
        latest = self.runs("without_catchup")
        self.assertEqual(len(latest), 1)
        self.assertEqual(latest[0]["data_interval_end"][:19], iso(boundary)[:19])
        # The template saw the run's own interval.
        log = self.home.run("logs", latest[0]["run_id"], "work").out.strip()
        self.assertEqual(log, latest[0]["data_interval_start"][:19] + "+00:00")

    def test_a_dag_file_dropped_in_while_running_is_scheduled(self):
        s = self.scheduler()
        wait_for(lambda: self.home.poll("SELECT * FROM engine WHERE kind = 'scheduler'"), what="the scheduler")
        late, _ = ten_minute_dag("late_arrival", False)
        # Written elsewhere, then moved in, as editors and deploy tools do.
        tmp = os.path.join(self.home.root, "late_arrival.json.tmp")
        with open(tmp, "w") as f:
            json.dump(late, f)
        os.rename(tmp, os.path.join(self.home.dags, "late_arrival.json"))
        self.wait_runs("late_arrival", "success", 1, timeout=30)
        # A broken file is reported and skipped; the other DAG keeps its runs.
        with open(os.path.join(self.home.dags, "broken.json"), "w") as f:
            f.write('{"dag_id": "broken", "schedule": "*/10 * * * *", "tasks": [{"task_id": "x", "retires": 1}]}')
        # So are files built to crash or stall a loader: deep nesting, and 100,000
        # errors on one line.
        with open(os.path.join(self.home.dags, "deep.json"), "w") as f:
            f.write('{"dag_id": "deep", "params": ' + "[" * 200000 + "]" * 200000 + ', "tasks": []}')
        with open(os.path.join(self.home.dags, "wide.json"), "w") as f:
            f.write('{"dag_id": "wide", "tasks": [' + ",".join(
                '{"task_id": "t%d", "command": ["true"], "colour": 1}' % i for i in range(100000)) + "]}")
        os.remove(os.path.join(self.home.dags, "late_arrival.json"))  # and a removed DAG keeps its history
        # The reload reports all three files; how soon depends on the build
        # (a 100,000-task file under ASan takes seconds), so wait for it.
        wait_for(lambda: all(w in s.proc.output()[1] for w in ("broken.json", "nesting is deeper than 64 levels",
                                                                "99900 more errors not shown")),
                 timeout=120, what="the reload's reports")
        time.sleep(1.5)  # further reloads must not report them again
        rc, out, err = s.stop()
        self.assertEqual(rc, 0, out + err)
        self.assertIn("broken.json", err)
        self.assertIn("unknown key 'retires'", err)
        self.assertIn("nesting is deeper than 64 levels", err)
        self.assertEqual(err.count("99900 more errors not shown"), 1)  # reported once, not per reload
        self.assertEqual(len(self.runs("late_arrival", "success")), 1)

    def test_a_queued_trigger_runs_and_a_paused_dag_waits(self):
        self.home.write_dag(dag("manual", [task("a", ["true"])]))
        self.assertRc(self.home.run("pause", "manual"), 0)
        s = self.scheduler()
        r = self.home.run("trigger", "manual", "--queue", "--run-id", "q1", "--conf", '{"x": 1}')
        self.assertRc(r, 0)
        self.assertIn("queued run q1", r.out)
        time.sleep(1.5)
        self.assertEqual(self.home.query("SELECT state FROM dag_run WHERE run_id='q1'")[0]["state"], "queued")
        self.assertRc(self.home.run("unpause", "manual"), 0)
        self.wait_runs("manual", "success", 1, timeout=30)
        run = self.home.query("SELECT * FROM dag_run WHERE run_id='q1'")[0]
        self.assertEqual(json.loads(run["conf"]), {"x": 1})
        self.assertEqual(s.stop()[0], 0)

    def test_next_lists_due_times(self):
        self.home.write_dag(dag("daily", [task("a", ["true"])], schedule="0 9 * * *",
                                start_date="2026-01-01", timezone="Asia/Seoul"))
        r = self.home.run("next", "daily", "--count", "3")
        self.assertRc(r, 0)
        self.assertIn("0 9 * * * (Asia/Seoul)", r.out)
        # 09:00 in Seoul is 00:00 UTC.
        rows = [l for l in r.out.splitlines() if "T00:00:00.000Z" in l]
        self.assertGreaterEqual(len(rows), 3)


class SingleInstanceTest(SchedulerTestCase):
    def test_a_second_scheduler_refuses_to_start(self):
        s = self.scheduler()
        wait_for(lambda: self.home.poll("SELECT * FROM engine WHERE kind = 'scheduler'"), what="the scheduler")
        second = self.home.run("scheduler", timeout=30)
        self.assertRc(second, 1)
        self.assertIn("another scheduler is running", second.err)
        self.assertIn(f"pid {s.proc.pid}", second.err)
        self.assertEqual(s.stop()[0], 0)


class GracefulStopTest(SchedulerTestCase):
    def test_sigterm_lets_running_tasks_finish_and_the_run_resumes_later(self):
        self.home.write_dag(dag("two_steps", [
            task("first", ["sh", "-c", "sleep 2; echo first done"]),
            task("second", ["true"], upstream=["first"]),
        ]))
        s = self.scheduler("--grace", "30s")
        self.home.run("trigger", "two_steps", "--queue", "--run-id", "g1")
        wait_for(lambda: self.home.poll("SELECT 1 FROM task_try WHERE run_id='g1' AND task_id='first'"),
                 what="the first task to start")
        rc, out, err = s.stop()
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.home.task_states("g1"), {"first": "success", "second": "queued"})
        run = self.home.query("SELECT * FROM dag_run WHERE run_id='g1'")[0]
        self.assertEqual(run["state"], "queued")
        self.assertIsNone(run["owner"])
        # The next scheduler finishes it without running the first task again.
        s2 = self.scheduler()
        self.wait_runs("two_steps", "success", 1, timeout=30)
        self.assertEqual(s2.stop()[0], 0)
        self.assertEqual(len([t for t in self.home.tries("g1") if t["task_id"] == "first"]), 1)

    def test_after_the_grace_period_running_tasks_are_stopped_and_run_again_later(self):
        self.home.write_dag(dag("slow", [task("sleepy", ["sleep", "60"], retries=1, retry_delay=0)]))
        s = self.scheduler("--grace", "500ms")
        self.home.run("trigger", "slow", "--queue", "--run-id", "s1")
        pid = wait_for(lambda: self.home.poll("SELECT pid FROM task_try WHERE run_id='s1' AND pid IS NOT NULL"),
                       what="the task to start")[0]["pid"]
        started = time.monotonic()
        rc, out, err = s.stop()
        self.assertEqual(rc, 0, out + err)
        self.assertLess(time.monotonic() - started, 30)
        wait_for(lambda: not pid_alive(pid), timeout=10, what="the task to be stopped")
        [attempt] = self.home.tries("s1")
        self.assertEqual(attempt["state"], "failed")
        self.assertIn("interrupted: scheduler stopped", attempt["error"])
        # Not charged to its retries: the task waits to run again, with its two tries left.
        self.assertEqual(self.home.task_states("s1"), {"sleepy": "queued"})
        self.assertEqual(self.home.query("SELECT max_tries FROM task_instance WHERE run_id='s1'")[0]["max_tries"], 3)
        self.assertEqual(self.home.query("SELECT state FROM dag_run WHERE run_id='s1'")[0]["state"], "queued")


class RecoveryTest(SchedulerTestCase):
    def test_kill_9_mid_task_then_restart_retries_only_the_interrupted_task(self):
        # The middle task sleeps on its first try and succeeds on the next.
        self.home.write_dag(dag("crashy", [
            task("before", ["sh", "-c", "echo before >> trace"]),
            task("middle", ["sh", "-c", "if [ -f marker ]; then echo retried >> trace; exit 0; fi; "
                                        "touch marker; sleep 60"], upstream=["before"], retries=1, retry_delay=0),
            task("after", ["sh", "-c", "echo after >> trace"], upstream=["middle"]),
        ]))
        s = self.scheduler()
        self.home.run("trigger", "crashy", "--queue", "--run-id", "k1")
        pid = wait_for(lambda: self.home.poll(
            "SELECT pid FROM task_try WHERE run_id='k1' AND task_id='middle' AND pid IS NOT NULL"),
            what="the middle task to start")[0]["pid"]
        s.proc.send_signal(signal.SIGKILL)
        s.proc.communicate(timeout=30)
        self.assertTrue(pid_alive(pid), "the task outlived its engine, as orphans do")
        self.assertEqual(self.home.query("SELECT state FROM dag_run WHERE run_id='k1'")[0]["state"], "running")

        s2 = self.scheduler()
        self.wait_runs("crashy", "success", 1, timeout=60)
        self.assertEqual(s2.stop()[0], 0)
        wait_for(lambda: not pid_alive(pid), timeout=10, what="the orphan to be stopped")
        tries = {(t["task_id"], t["try_number"]): t for t in self.home.tries("k1")}
        self.assertEqual(sorted(tries), [("after", 1), ("before", 1), ("middle", 1), ("middle", 2)])
        self.assertEqual(tries[("middle", 1)]["state"], "failed")
        self.assertIn("engine died", tries[("middle", 1)]["error"])
        self.assertEqual(tries[("middle", 2)]["state"], "success")
        with open(os.path.join(self.home.root, "data", "crashy", "k1", "trace")) as f:
            trace = f.read().split()
        self.assertEqual(trace, ["before", "retried", "after"])  # 'before' ran once
        self.assertEqual([r["engine_id"] for r in self.home.query("SELECT * FROM engine")], [])


def docker_containers(label):
    """Ids of the containers carrying a label (all states), or None without a daemon."""
    r = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={label}"], capture_output=True, text=True)
    return r.stdout.split() if r.returncode == 0 else None


class ContainerRecoveryTest(SchedulerTestCase):
    def test_kill_9_with_a_container_running_leaves_no_container_and_the_run_completes(self):
        if docker_containers("dagrun.managed") is None:
            if os.environ.get("CI") == "true":
                self.fail("CI runs every container test, and no Docker daemon answers")
            self.skipTest("NO DOCKER DAEMON: container recovery not tested")
        dag_id = f"boxed_{os.getpid()}"
        self.home.write_dag(dag(dag_id, [
            task("boxed", container={
                "image": "dagrun-test-busybox:latest", "network_mode": "none",
                "command": ["sh", "-c", "if [ -f /tmp/dagrun/marker ]; then echo second; exit 0; fi; "
                                        "touch /tmp/dagrun/marker; echo first; sleep 60"]},
                 retries=1, retry_delay=0),
        ]))
        s = self.scheduler()
        self.home.run("trigger", dag_id, "--queue", "--run-id", "box1")
        wait_for(lambda: docker_containers(f"dagrun.dag_id={dag_id}"), timeout=60, what="the container to start")
        wait_for(lambda: os.path.exists(os.path.join(self.home.root, "data", dag_id, "box1", "marker")),
                 what="the container to be running")
        s.proc.send_signal(signal.SIGKILL)
        s.proc.communicate(timeout=30)
        self.assertTrue(docker_containers(f"dagrun.dag_id={dag_id}"), "the container outlived its engine")

        s2 = self.scheduler()
        self.wait_runs(dag_id, "success", 1, timeout=90)
        self.assertEqual(s2.stop()[0], 0)
        self.assertEqual(docker_containers(f"dagrun.dag_id={dag_id}"), [])
        tries = self.home.tries("box1")
        self.assertEqual([t["state"] for t in tries], ["failed", "success"])
        self.assertIn("engine died", tries[0]["error"])
        self.assertIn("second", self.home.run("logs", "box1", "boxed").out)


class ClearAndCleanTest(SchedulerTestCase):
    def test_clear_failed_tasks_and_the_scheduler_reruns_them(self):
        self.home.write_dag(dag("flaky", [
            task("ok", ["true"]),
            task("bad", ["sh", "-c", "[ -f fixed ]"], upstream=["ok"]),
            task("end", ["true"], upstream=["bad"]),
        ]))
        self.assertRc(self.home.run("trigger", "flaky", "--run-id", "c1"), 1)
        self.assertEqual(self.home.task_states("c1"), {"ok": "success", "bad": "failed", "end": "upstream_failed"})
        open(os.path.join(self.home.root, "data", "flaky", "c1", "fixed"), "w").close()
        r = self.home.run("clear", "c1", "--failed-only")
        self.assertRc(r, 0)
        self.assertIn("cleared 2 tasks", r.out)
        self.assertEqual(self.home.task_states("c1"), {"ok": "success", "bad": "queued", "end": "queued"})
        s = self.scheduler()
        self.wait_runs("flaky", "success", 1, timeout=30)
        self.assertEqual(s.stop()[0], 0)
        tries = [(t["task_id"], t["try_number"]) for t in self.home.tries("c1")]
        self.assertEqual(sorted(tries), [("bad", 1), ("bad", 2), ("end", 1), ("ok", 1)])

    def test_db_clean_deletes_old_runs_with_their_logs_and_data(self):
        self.home.write_dag(dag("chatty", [task("say", ["sh", "-c", "echo hi; echo x > file"])]))
        self.assertRc(self.home.run("trigger", "chatty", "--run-id", "old"), 0)
        self.assertRc(self.home.run("trigger", "chatty", "--run-id", "new"), 0)
        conn_time = "2020-01-01T00:00:00.000Z"
        import sqlite3
        with sqlite3.connect(self.home.db_path) as conn:
            conn.execute("UPDATE dag_run SET end_date = ? WHERE run_id = 'old'", (conn_time,))
        r = self.home.run("db", "clean", "--older-than", "30d", "--dry-run")
        self.assertIn("would delete old", r.out)
        self.assertEqual(len(self.home.query("SELECT * FROM dag_run")), 2)
        r = self.home.run("db", "clean", "--older-than", "30d")
        self.assertRc(r, 0)
        self.assertIn("deleted 1 run", r.out)
        self.assertEqual([x["run_id"] for x in self.home.query("SELECT run_id FROM dag_run")], ["new"])
        self.assertEqual(self.home.query("SELECT * FROM task_try WHERE run_id='old'"), [])
        self.assertFalse(os.path.exists(os.path.join(self.home.root, "logs", "chatty", "old")))
        self.assertFalse(os.path.exists(os.path.join(self.home.root, "data", "chatty", "old")))
        self.assertTrue(os.path.exists(os.path.join(self.home.root, "data", "chatty", "new", "file")))


if __name__ == "__main__":
    unittest.main()
