"""Each run records the version of the DAG it runs: the SHA-256 of its file's text
when the run was created, and that text, once per version. A DAG file edited while a
run runs does not change the run's version; the next run gets the new one."""
import hashlib
import sqlite3
import unittest

from harness import HomeTestCase, dag, task, wait_for


def version_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def text_of(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class DagVersionTest(HomeTestCase):
    def test_a_run_keeps_the_version_it_was_created_with(self):
        path = self.home.write_dag(dag("edited", [task("slow", ["sleep", "1"])]))
        old_version, old_text = version_of(path), text_of(path)
        first = self.home.start("trigger", "edited", "--run-id", "first")
        try:
            wait_for(lambda: self.home.poll("SELECT 1 FROM dag_run WHERE run_id = 'first'"),
                     what="the first run to be recorded")
            # Edited while the first run runs.
            self.home.write_dag(dag("edited", [task("slow", ["true"])], tags=["v2"]))
            first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
                first.communicate()
        new_version, new_text = version_of(path), text_of(path)
        self.assertNotEqual(old_version, new_version)
        self.assertRc(self.home.run("trigger", "edited", "--run-id", "second"), 0)

        runs = {r["run_id"]: r for r in self.home.json("runs")}
        self.assertEqual(runs["first"]["state"], "success")
        self.assertEqual(runs["first"]["dag_version"], old_version)
        self.assertEqual(runs["second"]["dag_version"], new_version)
        versions = {r["version"]: r for r in self.home.query("SELECT * FROM dag_version")}
        self.assertEqual(set(versions), {old_version, new_version})
        self.assertEqual(versions[old_version]["source"], old_text)
        self.assertEqual(versions[new_version]["source"], new_text)
        self.assertEqual(versions[old_version]["dag_id"], "edited")
        self.assertEqual(versions[old_version]["file"], path)

        # The same text again is the same version: no new row.
        self.assertRc(self.home.run("trigger", "edited", "--run-id", "third"), 0)
        self.assertEqual(self.home.json("runs")[0]["dag_version"], new_version)
        self.assertEqual(len(self.home.query("SELECT * FROM dag_version")), 2)

    def test_a_queued_run_records_the_version_it_was_queued_from(self):
        path = self.home.write_dag(dag("later", [task("t", ["true"])]))
        queued_version, queued_text = version_of(path), text_of(path)
        self.assertRc(self.home.run("trigger", "later", "--queue", "--run-id", "q"), 0)
        self.home.write_dag(dag("later", [task("t", ["false"])]))
        self.assertEqual(self.home.json("runs")[0]["dag_version"], queued_version)
        self.assertEqual(self.home.query("SELECT source FROM dag_version WHERE version = ?", queued_version),
                         [{"source": queued_text}])

    def test_a_scheduler_runs_a_queued_run_from_the_version_it_was_queued_from(self):
        # Queued with tasks a -> b echoing "v1"; the file then loses b and
        # echoes "v2". The scheduler runs the queued run as it was queued,
        # b included, and the next run as the file is now.
        self.home.write_dag(dag("moving", [task("a", ["sh", "-c", "echo a v1"]),
                                           task("b", ["sh", "-c", "echo b v1"], upstream=["a"])]))
        self.assertRc(self.home.run("trigger", "moving", "--queue", "--run-id", "old"), 0)
        self.home.write_dag(dag("moving", [task("a", ["sh", "-c", "echo a v2"])]))
        self.assertRc(self.home.run("trigger", "moving", "--queue", "--run-id", "new"), 0)
        scheduler = self.home.start("scheduler")
        try:
            def ended():
                runs = {r["run_id"]: r["state"] for r in self.home.json("runs")}
                return all(runs.get(i) in ("success", "failed") for i in ("old", "new")) and runs
            runs = wait_for(ended, timeout=60, what="both queued runs to end")
        finally:
            scheduler.terminate()
            out, err = scheduler.communicate(timeout=60)
        self.assertEqual(runs, {"old": "success", "new": "success"})
        self.assertEqual(self.home.run("logs", "old", "a").out, "a v1\n")
        self.assertEqual(self.home.run("logs", "old", "b").out, "b v1\n")
        self.assertEqual(self.home.run("logs", "new", "a").out, "a v2\n")
        self.assertEqual(sorted(t["task_id"] for t in self.home.tries("new")), ["a"])

    def test_a_recorded_version_that_cannot_run_falls_back_to_the_file_and_says_why(self):
        # The history keeps no container environment value, so a run queued
        # from such a text cannot be run from it: the scheduler runs the
        # file's current text and says so.
        secret = task("c", ["true"])
        del secret["command"]
        secret["container"] = {"image": "busybox", "environment": {"TOKEN": "s3cret"}}
        self.home.write_dag(dag("hidden", [task("a", ["sh", "-c", "echo a v1"])]))
        self.assertRc(self.home.run("trigger", "hidden", "--queue", "--run-id", "plain"), 0)
        self.home.write_dag(dag("hidden", [task("a", ["sh", "-c", "echo a v1"]), secret],
                                 default_args={}))
        self.assertRc(self.home.run("trigger", "hidden", "--queue", "--run-id", "withsecret"), 0)
        self.home.write_dag(dag("hidden", [task("a", ["sh", "-c", "echo a v3"])]))
        scheduler = self.home.start("scheduler")
        try:
            wait_for(lambda: {r["run_id"]: r["state"] for r in self.home.json("runs")}.get("withsecret")
                     in ("success", "failed"), timeout=60, what="the run to end")
        finally:
            scheduler.terminate()
            out, err = scheduler.communicate(timeout=60)
        self.assertEqual(self.home.run("logs", "withsecret", "a").out, "a v3\n")
        self.assertEqual(self.home.run("logs", "plain", "a").out, "a v1\n")
        self.assertIn("which cannot run here", out + err)
        self.assertIn("env_file", out + err)
        self.assertNotIn("s3cret", out + err)

    def test_runs_shows_the_first_twelve_digits_and_a_dash_for_a_run_without_one(self):
        path = self.home.write_dag(dag("shown", [task("t", ["true"])]))
        self.assertRc(self.home.run("trigger", "shown", "--run-id", "now"), 0)
        conn = sqlite3.connect(self.home.db_path)
        with conn:  # a run recorded before versions were kept
            conn.execute("INSERT INTO dag_run (run_id, dag_id, state, run_type, queued_at)"
                         " VALUES ('legacy', 'shown', 'success', 'manual', '2020-01-01T00:00:00.000Z')")
        conn.close()
        r = self.home.run("runs")
        self.assertRc(r, 0)
        lines = r.out.splitlines()
        self.assertEqual(lines[0].split()[:4], ["RUN_ID", "DAG_ID", "VERSION", "STATE"])
        rows = {line.split()[0]: line.split() for line in lines[1:]}
        self.assertEqual(rows["now"][2], version_of(path)[:12])
        self.assertEqual(rows["legacy"][2], "-")
        legacy = [x for x in self.home.json("runs") if x["run_id"] == "legacy"][0]
        self.assertIsNone(legacy["dag_version"])


if __name__ == "__main__":
    unittest.main()
