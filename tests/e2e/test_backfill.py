"""`dagrun backfill` through the real binary: a daily DAG in New York across
the night clocks spring forward, listed with --dry-run and then run by the
scheduler with a kill -9 in the middle (every interval ends with exactly one
successful run, each task seeing its own interval), --reprocess failed
running again only the interval that failed, the refusals, the same
action through the web API, and a backfill as a whole: its own
max_active_runs, paused, resumed and cancelled."""
import os
import signal
import time

from harness import dag, task, wait_for
from test_scheduler import SchedulerTestCase
from test_serve import Server

# 2026-03-08 is the day New York's clocks go from 02:00 EST to 03:00 EDT.
NY_DAYS = [
    ("2026-03-06T05:00:00.000Z", "2026-03-07T05:00:00.000Z"),
    ("2026-03-07T05:00:00.000Z", "2026-03-08T05:00:00.000Z"),
    ("2026-03-08T05:00:00.000Z", "2026-03-09T04:00:00.000Z"),  # 23 hours
    ("2026-03-09T04:00:00.000Z", "2026-03-10T04:00:00.000Z"),
    ("2026-03-10T04:00:00.000Z", "2026-03-11T04:00:00.000Z"),
    ("2026-03-11T04:00:00.000Z", "2026-03-12T04:00:00.000Z"),
]


def ny_dag(dag_id, command):
    # start_date in the future and catchup on: only the backfill creates runs.
    # One run at a time, so a kill lands in the middle; one retry, for the
    # try a kill interrupts.
    return dag(dag_id, [task("work", command, retries=1, retry_delay=0)], schedule="@daily",
               timezone="America/New_York", start_date="2030-01-01T00:00:00Z", catchup=True, max_active_runs=1)


class BackfillTest(SchedulerTestCase):
    def out_dir(self, dag_id):
        return os.path.join(self.home.root, "out", dag_id)

    def recording_dag(self, dag_id, fail_on=None):
        """Each try appends its interval to out/<dag>/<ds>, sleeping a little
        so a kill lands while runs are in flight; fails on ds == fail_on
        until out/<dag>/fixed exists."""
        out = self.out_dir(dag_id)
        os.makedirs(out, exist_ok=True)
        script = (f"echo '{{{{ data_interval_start }}}} {{{{ data_interval_end }}}}' >> {out}/{{{{ ds }}}}; "
                  "sleep 1; ")
        if fail_on:
            script += f"if [ '{{{{ ds }}}}' = '{fail_on}' ] && [ ! -e {out}/fixed ]; then exit 3; fi"
        self.home.write_dag(ny_dag(dag_id, ["sh", "-c", script]))

    def test_dry_run_lists_local_days_across_the_clock_change_and_records_nothing(self):
        self.recording_dag("ny_dry")
        r = self.home.run("backfill", "ny_dry", "--from", "2026-03-06", "--to", "2026-03-11", "--dry-run")
        self.assertRc(r, 0)
        self.assertIn("6 intervals of @daily (America/New_York)", r.out)
        rows = [line.split() for line in r.out.splitlines() if line.startswith("create")]
        self.assertEqual([(row[1], row[2]) for row in rows], NY_DAYS)
        self.assertIn("would create 6, reprocess 0, skip 0", r.out)
        self.assertEqual(self.runs("ny_dry"), [])

    def test_a_backfill_survives_a_kill_9_and_every_interval_runs_once_with_its_own_interval(self):
        self.recording_dag("ny")
        r = self.home.run("backfill", "ny", "--from", "2026-03-06", "--to", "2026-03-11")
        self.assertRc(r, 0)
        self.assertIn("created 6, reprocessing 0, skipped 0", r.out)
        queued = self.runs("ny", "queued")
        self.assertEqual([(q["data_interval_start"], q["data_interval_end"]) for q in queued], NY_DAYS)
        self.assertEqual({q["run_type"] for q in queued}, {"backfill"})

        s = self.scheduler()
        wait_for(lambda: len(self.runs("ny", "success")) >= 1, timeout=60, what="a first backfill run")
        s.proc.send_signal(signal.SIGKILL)
        s.proc.communicate(timeout=30)
        self.assertLess(len(self.runs("ny", "success")), 6, "the kill came after the backfill ended")

        s2 = self.scheduler()
        self.wait_runs("ny", "success", 6, timeout=120)
        self.assertEqual(s2.stop()[0], 0)
        runs = self.runs("ny")
        self.assertEqual(len(runs), 6, "one run per interval, none added by the schedule")
        self.assertEqual({r["state"] for r in runs}, {"success"})
        self.assertEqual(sorted(r["run_id"] for r in runs), [f"backfill__ny__{start}" for start, _ in NY_DAYS])
        # Each try saw its own interval: one line per local day, that day's
        # bounds (a try the kill cut short wrote the same line again).
        seen = {}
        for name in os.listdir(self.out_dir("ny")):
            with open(os.path.join(self.out_dir("ny"), name)) as f:
                seen[name] = set(f.read().split("\n")) - {""}
        self.assertEqual(sorted(seen), ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10",
                                        "2026-03-11"])
        for (start, end), day in zip(NY_DAYS, sorted(seen)):
            self.assertEqual(len(seen[day]), 1, seen[day])
            line = next(iter(seen[day]))
            self.assertTrue(line.startswith(start[:19]) and end[:19] in line, (day, line))

    def test_reprocess_failed_runs_again_only_the_interval_that_failed(self):
        self.recording_dag("ny_fix", fail_on="2026-03-09")
        self.assertRc(self.home.run("backfill", "ny_fix", "--from", "2026-03-07", "--to", "2026-03-10"), 0)
        s = self.scheduler()
        wait_for(lambda: len(self.runs("ny_fix", "success")) == 3 and len(self.runs("ny_fix", "failed")) == 1,
                 timeout=90, what="three successes and one failure")
        failed = self.runs("ny_fix", "failed")[0]
        self.assertEqual(failed["data_interval_start"], "2026-03-09T04:00:00.000Z")

        r = self.home.run("backfill", "ny_fix", "--from", "2026-03-07", "--to", "2026-03-10")
        self.assertIn("created 0, reprocessing 0, skipped 4", r.out)
        open(os.path.join(self.out_dir("ny_fix"), "fixed"), "w").close()
        r = self.home.run("backfill", "ny_fix", "--from", "2026-03-07", "--to", "2026-03-10", "--reprocess", "failed")
        self.assertRc(r, 0)
        self.assertIn("created 0, reprocessing 1, skipped 3", r.out)
        self.wait_runs("ny_fix", "success", 4, timeout=90)
        self.assertEqual(s.stop()[0], 0)
        tries = self.home.tries(failed["run_id"])
        self.assertEqual([t["state"] for t in tries], ["failed", "failed", "success"])  # a retry, then the reprocess
        for run in self.runs("ny_fix"):
            if run["run_id"] != failed["run_id"]:
                self.assertEqual([t["state"] for t in self.home.tries(run["run_id"])], ["success"])

    def test_refusals(self):
        self.recording_dag("ny_bad")
        self.home.write_dag(dag("manual_only", [task("t", ["true"])]))
        r = self.home.run("backfill", "manual_only", "--from", "2026-03-01", "--to", "2026-03-02")
        self.assertRc(r, 1)
        self.assertIn("no recurring schedule", r.err)
        r = self.home.run("backfill", "ny_bad", "--from", "2026-03-05", "--to", "2026-03-01")
        self.assertRc(r, 1)
        self.assertIn("is after --to", r.err)
        r = self.home.run("backfill", "ny_bad", "--from", "March", "--to", "2026-03-01")
        self.assertRc(r, 2)
        self.assertIn("--from 'March' is not a date", r.err)
        r = self.home.run("backfill", "ny_bad", "--from", "2026-03-01", "--to", "2026-03-02", "--reprocess", "some")
        self.assertRc(r, 2)
        self.assertIn("--reprocess is none, failed or all", r.err)
        r = self.home.run("backfill", "ny_bad", "--to", "2026-03-02")
        self.assertRc(r, 2)
        self.assertIn("--from DATE is required", r.err)
        self.assertEqual(self.runs("ny_bad"), [])


class BackfillApiTest(SchedulerTestCase):
    def test_the_api_backfills_as_the_command_line_does(self):
        self.home.write_dag(ny_dag("ny_api", ["true"]))
        self.home.write_dag(dag("manual_api", [task("t", ["true"])]))
        server = Server(self.home)
        try:
            code, _, body = server.post("/api/v1/dags/ny_api/backfill",
                                        {"from": "2026-03-06", "to": "2026-03-11", "dry_run": True})
            self.assertEqual(code, 200, body)
            self.assertTrue(body["dry_run"])
            self.assertEqual([(i["data_interval_start"], i["data_interval_end"]) for i in body["intervals"]], NY_DAYS)
            self.assertEqual(self.runs("ny_api"), [])

            code, _, body = server.post("/api/v1/dags/ny_api/backfill",
                                        {"from": "2026-03-06", "to": "2026-03-11", "backwards": True})
            self.assertEqual(code, 201, body)
            self.assertEqual({i["action"] for i in body["intervals"]}, {"create"})
            self.assertEqual(body["intervals"][0]["data_interval_start"], NY_DAYS[-1][0])
            code, _, page = server.get("/api/v1/dags/ny_api/runs")
            self.assertEqual(code, 200)
            runs = page["runs"] if isinstance(page, dict) else page
            self.assertEqual(len(runs), 6)
            self.assertEqual({r["run_type"] for r in runs}, {"backfill"})

            for request, status, fragment in [
                ({"from": "2026-03-06"}, 400, "needs from and to"),
                ({"from": "March", "to": "2026-03-07"}, 400, "is not a date"),
                ({"from": "2026-03-06", "to": "2026-03-07", "reprocess": "some"}, 400, "reprocess must be"),
                ({"from": "2026-03-06", "to": "2026-03-07", "speed": 2}, 400, "unknown field"),
                ({"from": "2026-03-09", "to": "2026-03-07"}, 409, "is after --to"),
            ]:
                code, _, body = server.post("/api/v1/dags/ny_api/backfill", request)
                self.assertEqual(code, status, (request, body))
                self.assertIn(fragment, body["error"] if "error" in body else body.get("message", ""), body)
            code, _, body = server.post("/api/v1/dags/manual_api/backfill", {"from": "2026-03-06", "to": "2026-03-07"})
            self.assertEqual(code, 409, body)
            code, _, body = server.post("/api/v1/dags/nowhere/backfill", {"from": "2026-03-06", "to": "2026-03-07"})
            self.assertEqual(code, 404, body)
            self.assertEqual(len(self.runs("ny_api")), 6)
        finally:
            server.proc.kill()
            server.proc.wait()


class BackfillObjectTest(SchedulerTestCase):
    """A backfill as a whole: its own max_active_runs (measured from the runs'
    times), paused and resumed, cancelled, through the command line."""

    def wide_dag(self, dag_id, seconds):
        # The DAG allows one run at a time; its backfills set their own limit.
        return dag(dag_id, [task("work", ["sleep", str(seconds)])], schedule="@daily",
                   start_date="2030-01-01T00:00:00Z", catchup=True, max_active_runs=1)

    def backfills(self):
        return {b["id"]: b for b in self.home.json("backfills")}

    def most_at_once(self, dag_id):
        edges = []
        for r in self.runs(dag_id):
            edges += [(r["start_date"], 1), (r["end_date"], -1)]
        edges.sort()
        now = most = 0
        for _, delta in edges:
            now += delta
            most = max(most, now)
        return most

    def test_max_active_runs_pause_resume_and_cancel_as_a_whole(self):
        self.home.write_dag(self.wide_dag("wide", 1))
        r = self.home.run("backfill", "wide", "--from", "2026-03-01", "--to", "2026-03-06", "--max-active-runs", "2")
        self.assertRc(r, 0)
        self.assertIn("backfill 1 ", r.out)
        self.assertEqual({run["backfill_id"] for run in self.home.json("runs", "wide")}, {1})
        s = self.scheduler()
        wait_for(lambda: len(self.runs("wide", "running")) == 2, timeout=60, what="two runs of the backfill")
        self.assertRc(self.home.run("backfills", "pause", "1"), 0)
        self.assertEqual(self.backfills()[1]["state"], "paused")
        # The two running end; nothing else starts while it is paused.
        wait_for(lambda: len(self.runs("wide", "success")) >= 2 and not self.runs("wide", "running"), timeout=60,
                 what="the running runs to end")
        queued = len(self.runs("wide", "queued"))
        self.assertGreaterEqual(queued, 1)
        time.sleep(2)
        self.assertEqual(len(self.runs("wide", "queued")), queued)
        self.assertRc(self.home.run("backfills", "unpause", "1"), 0)
        wait_for(lambda: len(self.runs("wide", "success")) == 6, timeout=120, what="every run of the backfill")
        self.assertEqual(self.most_at_once("wide"), 2)
        done = self.backfills()[1]
        self.assertEqual((done["state"], done["runs"]["success"], done["max_active_runs"]), ("done", 6, 2))

        # A second backfill, one run at a time (the DAG's), cancelled while its first run runs.
        self.home.write_dag(self.wide_dag("slow", 30))
        self.assertRc(self.home.run("backfill", "slow", "--from", "2026-03-10", "--to", "2026-03-13"), 0)
        wait_for(lambda: self.runs("slow", "running"), timeout=60, what="the slow backfill's first run")
        cancel = self.home.run("backfills", "cancel", "2")
        self.assertRc(cancel, 0)
        self.assertIn("3 queued runs failed, 1 running runs asked to stop", cancel.out)
        wait_for(lambda: len(self.runs("slow", "failed")) == 4, timeout=30, what="the running run to stop")
        cancelled = self.backfills()[2]
        self.assertEqual((cancelled["state"], cancelled["runs"]["failed"]), ("cancelled", 4))
        self.assertRc(self.home.run("backfills", "unpause", "2"), 1)
        again = self.home.run("backfills", "cancel", "2")
        self.assertRc(again, 1)
        self.assertIn("was cancelled before", again.err)
        self.assertRc(self.home.run("backfills", "cancel", "99"), 1)
        self.assertRc(self.home.run("backfills", "pause", "x"), 2)
        rc, _, _ = s.stop()
        self.assertEqual(rc, 0)
