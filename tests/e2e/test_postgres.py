"""A PostgreSQL history through the real binary: --db postgresql://... and
$DAGRUN_DB select it, the verbs read and write it as they do a SQLite file,
an error thrown inside the store's module is caught by the CLI by its type,
schedulers share it, the server's live events come from it, and no message
shows its password.

Needs DAGRUN_TEST_PG_URL (tools/test exports it from tools/pg-up's cluster);
without it every test is a skip, and under CI=true a failure. Each test
works in a fresh schema of its own (the URL's options=-csearch_path)."""
import json
import os
import signal
import subprocess
import unittest
import uuid

from harness import DAGRUN, HomeTestCase, Started, dag, task, wait_for
from test_serve import Events, Server

PG_URL = os.environ.get("DAGRUN_TEST_PG_URL", "")


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True, capture_output=True,
                   text=True, timeout=60)


def with_password(url, password):
    """url with its user's password replaced."""
    scheme, rest = url.split("://", 1)
    credentials, host = rest.split("@", 1)
    return "%s://%s:%s@%s" % (scheme, credentials.split(":", 1)[0], password, host)


def password_of(url):
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]


class PostgresTestCase(HomeTestCase):
    def setUp(self):
        if not PG_URL:
            # Before the home exists: a skipped test has no tearDown.
            self.skipTest("no PostgreSQL: DAGRUN_TEST_PG_URL is unset (tools/pg-up starts a cluster; "
                          "tools/test exports it)")
        super().setUp()
        self.schema = "e2e_" + uuid.uuid4().hex[:12]
        psql(PG_URL, 'CREATE SCHEMA "%s"' % self.schema)
        self.url = PG_URL + ("&" if "?" in PG_URL else "?") + "options=-csearch_path%3D" + self.schema
        self.home.write_dag(dag("hello", [task("a", ["sh", "-c", "echo hello from a"]),
                                          task("b", ["sh", "-c", "echo b saw it"], upstream=["a"])]))

    def tearDown(self):
        psql(PG_URL, 'DROP SCHEMA IF EXISTS "%s" CASCADE' % self.schema)
        super().tearDown()

    def pg(self, *args, timeout=120):
        """dagrun with --db the test's URL."""
        return self.home.run(*args, "--db", self.url, timeout=timeout)

    def assertNoPassword(self, result):
        self.assertNotIn(password_of(self.url), result.out + result.err)


class VerbsTest(PostgresTestCase):
    def test_trigger_then_runs_tasks_and_logs_with_db_and_with_dagrun_db(self):
        r = self.pg("trigger", "hello", "--run-id", "first")
        self.assertRc(r, 0)
        self.assertNoPassword(r)
        self.assertFalse(os.path.exists(self.home.db_path), "a SQLite file was made beside a PostgreSQL history")

        env = {"DAGRUN_DB": self.url}
        for runs in (self.pg("runs", "--json"), self.home.run("runs", "--json", env=env)):
            self.assertRc(runs, 0)
            self.assertEqual([(x["run_id"], x["state"]) for x in json.loads(runs.out)], [("first", "success")])
        for tasks in (self.pg("tasks", "first", "--json"), self.home.run("tasks", "first", "--json", env=env)):
            self.assertRc(tasks, 0)
            self.assertEqual(sorted((t["task_id"], t["state"]) for t in json.loads(tasks.out)),
                             [("a", "success"), ("b", "success")])
        for logs in (self.pg("logs", "first", "a"), self.home.run("logs", "first", "a", env=env)):
            self.assertRc(logs, 0)
            self.assertIn("hello from a", logs.out)
        # --db wins over $DAGRUN_DB: this SQLite file is empty.
        sqlite = self.home.run("runs", "--db", self.home.db_path, env=env)
        self.assertRc(sqlite, 0)
        self.assertNotIn("first", sqlite.out)

    def test_any_host_reads_the_log_of_a_try_an_engine_ran(self):
        # The engine stores each try's log in the history when the try ends;
        # another host, which lacks the file, reads it from there (here: the
        # file removed, and another home).
        r = self.pg("trigger", "hello", "--run-id", "elsewhere")
        self.assertRc(r, 0)
        [a] = [t for t in json.loads(self.pg("tasks", "elsewhere", "--json").out) if t["task_id"] == "a"]
        with open(a["log_path"]) as f:
            text = f.read()
        self.assertIn("hello from a", text)
        os.remove(a["log_path"])
        other = os.path.join(self.home.root, "other-host")
        os.makedirs(other)
        logs = self.home.run("--home", other, "logs", "elsewhere", "a", "--db", self.url)
        self.assertRc(logs, 0)
        self.assertEqual(logs.out, text)
        n = subprocess.run(["psql", self.url, "-qAtc", "SELECT count(*) FROM task_log WHERE run_id = 'elsewhere'"],
                           capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(n, "2")  # a's and b's

    def test_a_taken_run_id_thrown_inside_the_module_is_caught_by_the_cli(self):
        self.assertRc(self.pg("trigger", "hello", "--run-id", "taken"), 0)
        # RunExistsError is thrown by the store's code in dagrun_store_pg.so
        # and caught by type in the binary: a usage error, not a terminate().
        again = self.pg("trigger", "hello", "--run-id", "taken")
        self.assertRc(again, 2)
        self.assertIn("taken", again.err)
        queued = self.pg("trigger", "hello", "--run-id", "taken", "--queue")
        self.assertRc(queued, 2)
        self.assertIn("taken", queued.err)

    def test_a_wrong_password_names_the_url_without_it(self):
        wrong = with_password(self.url, "not-the-Pw-42")
        for args in (["runs"], ["trigger", "hello"]):
            r = self.home.run(*args, "--db", wrong)
            self.assertRc(r, 1)
            self.assertIn(with_password(self.url, "***").split("?", 1)[0], r.err)
            self.assertNotIn("not-the-Pw-42", r.out + r.err)
        r = self.home.run("runs", env={"DAGRUN_DB": wrong})
        self.assertRc(r, 1)
        self.assertIn("***", r.err)
        self.assertNotIn("not-the-Pw-42", r.out + r.err)


class SchedulersTest(PostgresTestCase):
    def test_two_schedulers_share_the_database_and_a_queued_run_is_run_once(self):
        other = os.path.join(self.home.root, "other-home")
        os.makedirs(os.path.join(other, "dags"))
        with open(os.path.join(self.home.dags, "hello.json")) as f:
            text = f.read()
        with open(os.path.join(other, "dags", "hello.json"), "w") as f:
            f.write(text)
        first = self.home.start("scheduler", "--db", self.url)
        second = Started([DAGRUN, "--home", other, "scheduler", "--db", self.url], self.home.env())
        try:
            for s in (first, second):
                wait_for(lambda: "dagrun scheduler: " in s.output()[0] or s.poll() is not None, timeout=60,
                         what="a scheduler to start")
                self.assertIsNone(s.poll(), s.output())
            out = first.output()[0]
            self.assertIn(" -> " + with_password(self.url, "***"), out)

            queued = self.pg("trigger", "hello", "--run-id", "queued", "--queue")
            self.assertRc(queued, 0)

            def state():
                r = self.pg("runs", "--json")
                runs = json.loads(r.out) if r.rc == 0 else []
                return runs and runs[0]["state"] in ("success", "failed") and runs[0]["state"]

            self.assertEqual(wait_for(state, timeout=90, what="the queued run to end"), "success")
            tries = json.loads(self.pg("tasks", "queued", "--json").out)
            self.assertEqual(sorted((t["task_id"], t["try_number"]) for t in tries), [("a", 1), ("b", 1)])
        finally:
            outputs = []
            for s in (first, second):
                if s.poll() is None:
                    s.send_signal(signal.SIGTERM)
                outputs.append(s.communicate(timeout=60))
        for (out, err), s in zip(outputs, (first, second)):
            self.assertEqual(s.returncode, 0, (out, err))
            self.assertNotIn(password_of(self.url), out + err)


class EventsTest(PostgresTestCase):
    def test_a_run_by_another_process_is_seen_live(self):
        server = Server(self.home, "--db", self.url)
        try:
            ev = Events(server.port)
            try:
                self.assertIn(" 200 ", ev.status)
                self.assertRc(self.pg("trigger", "hello", "--run-id", "live"), 0)
                ev.wait_for(lambda es: any(t == "run" and d["run_id"] == "live" and d["state"] == "success"
                                           for _, t, d in es), "the run's end")
                code, _, run = server.get("/api/v1/runs/live")
                self.assertEqual((code, run["state"]), (200, "success"), run)
            finally:
                ev.close()
        finally:
            rc, out, err = server.stop()
        self.assertNotIn(password_of(self.url), out + err)


if __name__ == "__main__":
    unittest.main()
