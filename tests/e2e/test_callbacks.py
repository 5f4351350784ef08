"""Callbacks through the real binary (docs/callbacks.md): each failure path
fires the task's on_failure (or on_retry) and the run's on_failure exactly
once: an exit code, a timeout, a kill of the try, a kill -9 of the engine
found by recovery, a SIGTERM to a foreground trigger. A webhook reaches a
local HTTP server, and one that fails is tried again by the next engine."""
import http.server
import json
import os
import signal
import threading
import time

from harness import HomeTestCase, dag, pid_alive, task, wait_for


def recorder(path):
    """A command action appending one line per call: event, task, try, and the
    state the event's JSON carries."""
    script = ('printf "%s %s %s %s\\n" "$DAGRUN_CALLBACK_EVENT" "${DAGRUN_TASK_ID:--}" "$DAGRUN_TRY_NUMBER" '
              '"$(printf %s "$DAGRUN_CALLBACK_JSON" | python3 -c \'import json,sys; print(json.load(sys.stdin)["state"])\')"'
              ' >> ' + path)
    return {"command": ["sh", "-c", script]}


class Hooks(http.server.ThreadingHTTPServer):
    """Keeps every POST's JSON body; answers the statuses queued, then 200."""
    daemon_threads = True

    def __init__(self):
        self.bodies = []
        self.statuses = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.bodies.append(json.loads(body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.server_address[1]


class CallbackTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.events = os.path.join(self.home.root, "events.txt")

    def lines(self):
        if not os.path.exists(self.events):
            return []
        with open(self.events, encoding="utf-8") as f:
            return sorted(f.read().splitlines())

    def callbacks(self, run_id):
        return self.home.query(
            "SELECT event, task_id, try_number, action, state, attempts, error FROM callback WHERE run_id = ? "
            "ORDER BY id", run_id)

    def write(self, tasks, **keys):
        keys.setdefault("on_failure", recorder(self.events))
        self.home.write_dag(dag("cb", tasks, **keys))

    def test_an_exit_code_fires_on_retry_per_retry_then_on_failure_and_the_runs_once(self):
        self.write([task("t", ["sh", "-c", "exit 3"], retries=2, retry_delay="0s",
                         on_retry=recorder(self.events), on_failure=recorder(self.events)),
                    task("ok", ["true"], on_success=recorder(self.events))])
        result, run_id = self.home.trigger_new("cb")
        self.assertRc(result, 1)
        self.assertEqual(self.lines(), ["failure - 0 failed", "failure t 3 failed", "retry t 1 failed",
                                        "retry t 2 failed", "success ok 1 success"])
        rows = self.callbacks(run_id)
        self.assertEqual(len(rows), 5)
        self.assertTrue(all(r["state"] == "sent" and r["attempts"] == 1 for r in rows), rows)

    def test_a_timeout_and_a_killed_try_fire_on_failure(self):
        self.write([task("slow", ["sleep", "30"], execution_timeout="1s", on_failure=recorder(self.events)),
                    task("victim", ["sh", "-c", "echo $$ > victim.pid; sleep 60"], on_failure=recorder(self.events))])
        proc = self.home.start("trigger", "cb", "--run-id", "r")
        try:
            pid_file = os.path.join(self.home.root, "data", "cb", "r", "victim.pid")
            pid = int(wait_for(lambda: os.path.exists(pid_file) and open(pid_file).read().strip(),
                               what="the victim's pid"))
            os.kill(pid, signal.SIGKILL)
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        self.assertEqual(proc.returncode, 1, (out, err))
        self.assertEqual(self.lines(), ["failure - 0 failed", "failure slow 1 failed", "failure victim 1 failed"])
        errors = {t["task_id"]: t["error"] for t in self.home.tries("r")}
        self.assertIn("timed out", errors["slow"])
        self.assertIn("SIGKILL", errors["victim"])

    def test_a_run_past_its_deadline_fires_on_deadline_once_while_it_runs_and_one_ended_late_too(self):
        self.home.write_dag(dag("cb", [task("slow", ["sleep", "12"])],
                                deadline={"after": "1s", "from": "queued_at"}, on_deadline=recorder(self.events)))
        proc = self.home.start("trigger", "cb", "--run-id", "late")
        try:
            # Sent while the run still runs: its state in the event is running.
            wait_for(lambda: self.lines() == ["deadline - 0 running"], timeout=11, what="the deadline's event")
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        self.assertEqual(proc.returncode, 0, (out, err))
        self.assertEqual(self.lines(), ["deadline - 0 running"])
        self.assertEqual([(c["event"], c["state"]) for c in self.callbacks("late")], [("deadline", "sent")])
        # A run no dispatcher saw running late records it as it ends.
        self.home.write_dag(dag("cb", [task("quick", ["sleep", "1.5"])],
                                deadline={"after": "500ms", "from": "queued_at"}, on_deadline=recorder(self.events)))
        self.assertRc(self.home.run("trigger", "cb", "--run-id", "late2"), 0)
        self.assertEqual([(c["event"], c["state"]) for c in self.callbacks("late2")], [("deadline", "sent")])
        # In time: nothing.
        self.home.write_dag(dag("cb", [task("quick", ["true"])],
                                deadline={"after": "1h", "from": "queued_at"}, on_deadline=recorder(self.events)))
        self.assertRc(self.home.run("trigger", "cb", "--run-id", "on_time"), 0)
        self.assertEqual(self.callbacks("on_time"), [])

    def test_sigterm_to_a_foreground_trigger_fires_the_failures_before_it_exits(self):
        self.write([task("wait", ["sleep", "300"], retries=3, on_failure=recorder(self.events),
                         on_retry=recorder(self.events))])
        proc = self.home.start("trigger", "cb", "--run-id", "r")
        try:
            wait_for(lambda: self.home.poll("SELECT 1 FROM task_try WHERE run_id = 'r' AND pid IS NOT NULL"),
                     what="the try to start")
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        self.assertEqual(proc.returncode, 1, (out, err))
        # A cancelled try is not retried: on_failure, not on_retry.
        self.assertEqual(self.lines(), ["failure - 0 failed", "failure wait 1 failed"])
        self.assertEqual(self.home.only_run()["reason"], "interrupted by SIGTERM")

    def test_a_kill_9_of_the_engine_is_found_by_recovery_and_fires_once(self):
        # The first try waits to be killed with its engine; the retry, which
        # the scheduler runs from the run's recorded DAG version, is quick.
        self.write([task("wait", ["sh", "-c", "test $DAGRUN_TRY_NUMBER -ge 2 || sleep 300"], retries=1,
                         retry_delay="0s", on_retry=recorder(self.events)),
                    task("after", ["true"], upstream=["wait"])],
                   on_success=recorder(self.events))
        proc = self.home.start("trigger", "cb", "--run-id", "r")
        try:
            pid = wait_for(lambda: self.home.poll(
                "SELECT pid FROM task_try WHERE run_id = 'r' AND try_number = 1 AND pid IS NOT NULL"),
                what="the first try to start")[0]["pid"]
            proc.kill()
            proc.wait()
        finally:
            proc.kill()
        self.assertEqual(self.lines(), [])
        sched = self.home.start("scheduler")
        try:
            wait_for(lambda: self.home.poll("SELECT 1 FROM dag_run WHERE run_id = 'r' AND state = 'success'"),
                     timeout=60, what="the run to be recovered and resumed")
            wait_for(lambda: len(self.lines()) == 2, timeout=30, what="both callbacks")
        finally:
            sched.send_signal(signal.SIGTERM)
            sched.wait(timeout=60)
        self.assertFalse(pid_alive(pid))
        self.assertEqual(self.lines(), ["retry wait 1 failed", "success - 0 success"])
        # A second scheduler finds nothing left to send.
        sched = self.home.start("scheduler")
        time.sleep(2)
        sched.send_signal(signal.SIGTERM)
        sched.wait(timeout=60)
        self.assertEqual(self.lines(), ["retry wait 1 failed", "success - 0 success"])
        self.assertTrue(all(r["state"] == "sent" for r in self.callbacks("r")))

    def test_a_webhook_posts_the_event_and_a_failed_post_is_sent_by_the_next_engine(self):
        hooks = Hooks()
        self.addCleanup(hooks.shutdown)
        hooks.statuses = [503]
        self.write([task("t", ["sh", "-c", "echo disk full >&2; exit 1"])],
                   on_failure={"webhook": hooks.url, "timeout": "5s"})
        result, run_id = self.home.trigger_new("cb")
        self.assertRc(result, 1)
        [row] = self.callbacks(run_id)
        self.assertEqual((row["state"], row["attempts"], row["error"]), ("pending", 1, "HTTP 503"))
        self.assertEqual(len(hooks.bodies), 1)
        # The next engine to know the DAG sends it once its retry is due (ten seconds later).
        sched = self.home.start("scheduler")
        try:
            wait_for(lambda: self.callbacks(run_id)[0]["state"] == "sent", timeout=60, what="the second attempt")
        finally:
            sched.send_signal(signal.SIGTERM)
            sched.wait(timeout=60)
        self.assertEqual(len(hooks.bodies), 2)
        body = hooks.bodies[-1]
        self.assertEqual((body["event"], body["dag_id"], body["run_id"], body["task_id"], body["state"]),
                         ("failure", "cb", run_id, None, "failed"))
        self.assertEqual(body["text"], f"dagrun: run '{run_id}' of DAG 'cb' failed: task 't' failed: exit code 1; "
                                       "last output: disk full")

    def test_callbacks_show_in_the_history_verbs(self):
        self.write([task("t", ["false"])])
        result, run_id = self.home.trigger_new("cb")
        self.assertRc(result, 1)
        r = self.home.run("callbacks", run_id)
        self.assertRc(r, 0)
        self.assertIn("failure", r.out)
        self.assertIn("sent", r.out)
        listed = self.home.json("callbacks", run_id)
        self.assertEqual([(c["event"], c["task_id"], c["state"]) for c in listed], [("failure", None, "sent")])
