"""`dagrun serve`: the REST API against a real server on a real history.

Each test starts the server on port 0 and reads the port it prints, so no
test depends on a free port. Requests go through http.client, which sends
exactly what it is told (no proxy, no redirects)."""
import http.client
import json
import os
import re
import socket
import sqlite3
import threading
import time
import unittest

from harness import HomeTestCase, dag, pid_alive, task, wait_for

LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/")


class Client:
    """Requests to a server's port, with a bearer token when given one."""

    def __init__(self, port, token=None):
        self.port = port
        self.token = token

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body): body parsed when it is JSON."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            hdrs = {"Host": "127.0.0.1:%d" % self.port}
            if self.token:
                hdrs["Authorization"] = "Bearer " + self.token
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                hdrs["Content-Type"] = "application/json"
            hdrs.update(headers or {})
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            if resp.getheader("Content-Type", "").startswith("application/json"):
                data = json.loads(data)
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None, headers=None):
        return self.request("POST", path, body if body is not None else {}, headers)


class Server(Client):
    """A `dagrun serve` on port 0 of the home; its port read from what it prints."""

    def __init__(self, home, *args, token=None):
        self.proc = home.start("serve", "--listen", "127.0.0.1:0", *args)
        super().__init__(int(wait_for(self._port, timeout=30, what="the server's address")), token)

    def _port(self):
        if self.proc.poll() is not None:
            raise AssertionError("dagrun serve exited: %r" % (self.proc.output(),))
        m = LISTENING.search(self.proc.output()[0])
        return m and m.group(1)

    def stop(self):
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, out, err


class ServeTestCase(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.home.write_dag(dag("hello", [task("a", ["sh", "-c", "echo first; echo second"]),
                                          task("b", ["sh", "-c", "echo boom >&2; exit 3"], upstream=["a"])],
                                schedule="@daily", description="greets"))
        self.home.write_dag('{"dag_id": "broken", "tasks": [{"task_id": 3}]}', "broken.json")
        self.server = Server(self.home)

    def tearDown(self):
        if self.server.proc.poll() is None:
            self.server.proc.kill()
            self.server.proc.wait()
        super().tearDown()

    def assertError(self, response, status, fragment):
        code, _, body = response
        self.assertEqual(code, status, body)
        self.assertIn(fragment, body["error"])


class ReadTest(ServeTestCase):
    def test_health_and_dags_with_validity_and_errors(self):
        self.assertEqual(self.server.get("/healthz")[:1], (200,))
        code, _, dags = self.server.get("/api/v1/dags")
        self.assertEqual(code, 200)
        by_id = {d["dag_id"]: d for d in dags}
        self.assertEqual(set(by_id), {"hello", "broken"})
        self.assertTrue(by_id["hello"]["valid"])
        self.assertEqual(by_id["hello"]["schedule"], "@daily")
        self.assertEqual(by_id["hello"]["task_count"], 2)
        self.assertFalse(by_id["hello"]["paused"])
        self.assertFalse(by_id["broken"]["valid"])
        self.assertTrue(any("task_id must be a string" in e for e in by_id["broken"]["errors"]))
        code, _, one = self.server.get("/api/v1/dags/hello")
        self.assertEqual(code, 200)
        self.assertEqual([(t["task_id"], t["upstream"]) for t in one["tasks"]], [("a", []), ("b", ["a"])])
        self.assertError(self.server.get("/api/v1/dags/nowhere"), 404, "no DAG 'nowhere'")

    def test_runs_tries_and_logs_match_the_cli(self):
        result, run_id = self.home.trigger_new("hello")
        self.assertEqual(result.rc, 1, result)
        code, _, page = self.server.get("/api/v1/dags/hello/runs")
        self.assertEqual(code, 200)
        self.assertEqual(page, {"runs": self.home.json("runs", "hello"), "next": None})
        code, _, run = self.server.get("/api/v1/runs/" + run_id)
        self.assertEqual((code, run["state"]), (200, "failed"))
        code, _, tries = self.server.get("/api/v1/runs/%s/tries" % run_id)
        self.assertEqual(code, 200)
        self.assertEqual(tries, self.home.json("tasks", run_id))
        self.assertEqual([(t["task_id"], t["exit_code"]) for t in tries], [("a", 0), ("b", 3)])
        # The log by byte offset, as a client tailing it reads it.
        code, headers, text = self.server.get("/api/v1/runs/%s/tasks/a/log" % run_id)
        self.assertEqual((code, text), (200, b"first\nsecond\n"))
        self.assertEqual(headers["x-log-next-offset"], "13")
        self.assertEqual(headers["x-log-complete"], "true")
        code, headers, text = self.server.get("/api/v1/runs/%s/tasks/a/log?offset=6" % run_id)
        self.assertEqual((code, text, headers["x-log-next-offset"]), (200, b"second\n", "13"))
        code, headers, text = self.server.get("/api/v1/runs/%s/tasks/a/log?offset=13" % run_id)
        self.assertEqual((code, text, headers["x-log-next-offset"]), (200, b"", "13"))
        self.assertError(self.server.get("/api/v1/runs/%s/tasks/a/log?try=2" % run_id), 404, "no try")
        self.assertError(self.server.get("/api/v1/runs/nope"), 404, "no run 'nope'")

    def test_next_runs_source_and_xcoms(self):
        code, _, dags = self.server.get("/api/v1/dags")
        by_id = {d["dag_id"]: d for d in dags}
        nxt = by_id["hello"]["next_run"]
        self.assertTrue(nxt["data_interval_end"].endswith("T00:00:00.000Z"), nxt)  # @daily
        self.assertNotIn("next_run", by_id["broken"])
        code, _, one = self.server.get("/api/v1/dags/hello")
        self.assertEqual(len(one["next_runs"]), 5)
        self.assertEqual(one["next_runs"][0], nxt)
        self.assertEqual(one["next_run"], nxt)  # the detail has every field of the list's entry
        ends = [n["data_interval_end"] for n in one["next_runs"]]
        self.assertEqual(ends, sorted(ends))
        # The same as `dagrun next` prints.
        r = self.home.run("next", "hello")
        for n in one["next_runs"][1:]:
            self.assertIn(n["data_interval_end"], r.out)
        code, headers, text = self.server.get("/api/v1/dags/broken/source")
        self.assertEqual((code, text), (200, b'{"dag_id": "broken", "tasks": [{"task_id": 3}]}'))
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        self.assertError(self.server.get("/api/v1/dags/nowhere/source"), 404, "no DAG")

        result, run_id = self.home.trigger_new("hello")
        code, _, xcoms = self.server.get("/api/v1/runs/%s/xcoms" % run_id)
        self.assertEqual((code, xcoms), (200, []))
        conn = sqlite3.connect(self.home.db_path)
        conn.execute("INSERT INTO xcom (run_id, task_id, key, value) VALUES (?, 'a', 'summary', ?)",
                     (run_id, '{"sent": 2}'))
        conn.commit()
        conn.close()
        code, _, xcoms = self.server.get("/api/v1/runs/%s/xcoms" % run_id)
        self.assertEqual(xcoms, [{"task_id": "a", "key": "summary", "value": {"sent": 2}}])
        self.assertError(self.server.get("/api/v1/runs/nope/xcoms"), 404, "no run")

    def test_run_pages_filters_and_limits(self):
        for i in range(5):
            self.assertEqual(self.server.post("/api/v1/dags/hello/runs", {"run_id": "q%d" % i})[0], 201)
        seen, cursor = [], None
        while True:
            code, _, page = self.server.get("/api/v1/dags/hello/runs?limit=2" + ("&cursor=" + cursor if cursor else ""))
            self.assertEqual(code, 200, page)
            seen += [r["run_id"] for r in page["runs"]]
            cursor = page["next"]
            if cursor is None:
                break
        self.assertEqual(seen, ["q4", "q3", "q2", "q1", "q0"])
        code, _, page = self.server.get("/api/v1/dags/hello/runs?state=queued")
        self.assertEqual((len(page["runs"]), page["next"]), (5, None))
        code, _, page = self.server.get("/api/v1/dags/hello/runs?state=success")
        self.assertEqual(page["runs"], [])
        code, _, page = self.server.get("/api/v1/dags/hello/runs?since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z")
        self.assertEqual(page["runs"], [])
        code, _, page = self.server.get("/api/v1/dags/hello/runs?since=2000-01-01T00:00:00Z")
        self.assertEqual(len(page["runs"]), 5)
        self.assertError(self.server.get("/api/v1/dags/hello/runs?state=done"), 400, "state must be")
        self.assertError(self.server.get("/api/v1/dags/hello/runs?since=yesterday"), 400, "ISO 8601")
        self.assertError(self.server.get("/api/v1/dags/hello/runs?cursor=gone"), 400, "names no run")
        self.assertError(self.server.get("/api/v1/dags/hello/runs?cursor=..%2Fx"), 400, "is not valid")
        for bad in ("0", "1001", "-1", "x", "1e3"):
            self.assertError(self.server.get("/api/v1/dags/hello/runs?limit=" + bad), 400, "limit must be")


class ActionTest(ServeTestCase):
    def test_trigger_queues_a_run_with_conf_as_the_cli_does(self):
        code, _, run = self.server.post("/api/v1/dags/hello/runs", {"conf": {"day": "2026-12-05"}, "run_id": "web1"})
        self.assertEqual(code, 201, run)
        self.assertEqual((run["run_id"], run["state"], run["conf"]), ("web1", "queued", {"day": "2026-12-05"}))
        self.assertEqual(self.home.task_states("web1"), {"a": "queued", "b": "queued"})
        self.assertError(self.server.post("/api/v1/dags/hello/runs", {"run_id": "web1"}), 409, "already exists")
        code, _, generated = self.server.post("/api/v1/dags/hello/runs")
        self.assertEqual(code, 201)
        self.assertTrue(generated["run_id"].startswith("manual__"))
        # A scheduler started afterwards runs what the API queued.
        sched = self.home.start("scheduler")
        try:
            wait_for(lambda: self.server.get("/api/v1/runs/web1")[2]["state"] == "failed", timeout=60,
                     what="the queued run to finish")
        finally:
            sched.terminate()
            sched.wait(timeout=60)

    def test_bad_triggers_change_nothing(self):
        cases = [
            ({"conf": [1]}, 400, "conf must be a JSON object"),
            ({"run_id": "../../etc"}, 400, "is not valid"),
            ({"run_id": ""}, 400, "is not valid"),
            ({"run_id": "x" * 251}, 400, "is not valid"),
            ({"run_id": 7}, 400, "run_id must be a string"),
            ({"when": "now"}, 400, "unknown field"),
        ]
        for body, status, fragment in cases:
            with self.subTest(body=body):
                self.assertError(self.server.post("/api/v1/dags/hello/runs", body), status, fragment)
        self.assertError(self.server.request("POST", "/api/v1/dags/hello/runs", "[1]",
                                             {"Content-Type": "application/json"}), 400, "JSON object")
        self.assertError(self.server.request("POST", "/api/v1/dags/hello/runs", "{",
                                             {"Content-Type": "application/json"}), 400, "JSON object")
        self.assertError(self.server.post("/api/v1/dags/broken/runs"), 400, "is invalid")
        self.assertError(self.server.post("/api/v1/dags/nowhere/runs"), 404, "no DAG")
        self.assertEqual(self.home.poll("SELECT run_id FROM dag_run"), [])

    def test_pause_and_unpause(self):
        code, _, body = self.server.post("/api/v1/dags/hello/pause")
        self.assertEqual((code, body), (200, {"dag_id": "hello", "paused": True}))
        self.assertTrue({d["dag_id"]: d for d in self.server.get("/api/v1/dags")[2]}["hello"]["paused"])
        self.assertEqual(self.home.query("SELECT is_paused FROM dag WHERE dag_id = 'hello'"), [{"is_paused": 1}])
        self.assertEqual(self.server.post("/api/v1/dags/hello/unpause")[0], 200)
        self.assertFalse({d["dag_id"]: d for d in self.server.get("/api/v1/dags")[2]}["hello"]["paused"])
        self.assertError(self.server.post("/api/v1/dags/nowhere/pause"), 404, "no DAG 'nowhere'")


class ClearAndCancelTest(ServeTestCase):
    def test_clear_a_failed_run_then_cancel_it_while_queued(self):
        result, run_id = self.home.trigger_new("hello")
        self.assertEqual(result.rc, 1, result)
        base = "/api/v1/runs/" + run_id
        cases = [
            ({"task_ids": "b"}, 400, "task_ids must be an array"),
            ({"task_ids": [3]}, 400, "task_ids must hold strings"),
            ({"task_ids": ["../x"]}, 400, "is not valid"),
            ({"task_ids": ["nope"]}, 404, "has no task 'nope'"),
            ({"downstream": 1}, 400, "downstream must be true or false"),
            ({"failed_only": "yes"}, 400, "failed_only must be true or false"),
            ({"everything": True}, 400, "unknown field"),
        ]
        for body, status, fragment in cases:
            with self.subTest(body=body):
                self.assertError(self.server.post(base + "/clear", body), status, fragment)
        self.assertEqual(self.home.only_run()["state"], "failed")  # nothing changed
        self.assertError(self.server.post("/api/v1/runs/ghost/clear"), 404, "no run 'ghost'")
        code, _, body = self.server.post(base + "/clear", {"failed_only": True})
        self.assertEqual((code, body), (200, {"run_id": run_id, "cleared": ["b"]}))
        self.assertEqual(self.home.task_states(run_id), {"a": "success", "b": "queued"})
        self.assertEqual(self.home.only_run()["state"], "queued")
        self.assertEqual(self.server.post(base + "/clear", {"task_ids": ["a"], "failed_only": True})[2]["cleared"], [])
        # With no scheduler the cleared run waits in the queue: a cancel fails it at once.
        code, _, run = self.server.post(base + "/cancel")
        self.assertEqual((code, run["state"], run["reason"]), (202, "failed", "cancelled through the web API"), run)
        self.assertEqual(self.home.task_states(run_id), {"a": "success", "b": "skipped"})
        self.assertError(self.server.post(base + "/cancel"), 409, "has already ended (failed)")
        self.assertError(self.server.post("/api/v1/runs/ghost/cancel"), 404, "no run 'ghost'")
        self.assertError(self.server.request("POST", base + "/cancel", "x", {"Content-Type": "text/plain"}), 415,
                         "application/json")

    def test_a_running_run_is_not_cleared_and_is_cancelled_by_its_engine(self):
        self.home.write_dag(dag("slow", [task("wait", ["sleep", "300"], retries=3),
                                         task("after", ["true"], upstream=["wait"])]))
        sched = self.home.start("scheduler")
        try:
            self.assertEqual(self.server.post("/api/v1/dags/slow/runs", {"run_id": "s1"})[0], 201)
            wait_for(lambda: self.home.poll("SELECT pid FROM task_try WHERE run_id = 's1' AND state = 'running'"
                                            " AND pid IS NOT NULL"), timeout=60, what="the sleep to start")
            pid = self.home.query("SELECT pid FROM task_try WHERE run_id = 's1'")[0]["pid"]
            self.assertError(self.server.post("/api/v1/runs/s1/clear"), 409, "is running")
            code, _, run = self.server.post("/api/v1/runs/s1/cancel")
            self.assertEqual((code, run["state"]), (202, "running"), run)
            wait_for(lambda: self.home.only_run()["state"] == "failed", timeout=30, what="the engine to end the run")
            run = self.home.only_run()
            self.assertEqual(run["reason"], "cancelled through the web API")
            tries = self.home.tries("s1")
            self.assertEqual([(t["task_id"], t["try_number"], t["state"]) for t in tries], [("wait", 1, "failed")])
            self.assertEqual(self.home.task_states("s1"), {"wait": "failed", "after": "skipped"})
            wait_for(lambda: not pid_alive(pid), timeout=10, what="the task's process to be killed")
            self.assertIsNone(sched.poll(), sched.output())  # the scheduler goes on
        finally:
            sched.terminate()
            sched.wait(timeout=60)


class RefusalTest(ServeTestCase):
    def test_ids_in_paths_are_checked_before_anything_is_read(self):
        for path in ("/api/v1/runs/..", "/api/v1/runs/..%2F..%2Fetc", "/api/v1/runs/a%00b",
                     "/api/v1/dags/%2e%2e/runs", "/api/v1/runs/r/tasks/..%2Fx/log", "/api/v1/runs/%zz"):
            with self.subTest(path=path):
                code, _, body = self.server.get(path)
                self.assertEqual(code, 400, body)

    def test_unknown_resources_and_methods(self):
        self.assertError(self.server.get("/api/v1/nothing"), 404, "no such resource")
        self.assertError(self.server.get("/etc/passwd"), 404, "no such resource")
        self.assertError(self.server.request("DELETE", "/api/v1/dags/hello"), 405, "allowed: GET")
        self.assertError(self.server.get("/api/v1/dags/hello/pause"), 405, "allowed: POST")

    def test_cross_site_requests_are_refused(self):
        # A form from another site cannot send JSON, and a script's Origin is not ours.
        self.assertError(self.server.request("POST", "/api/v1/dags/hello/pause", "x=1",
                                             {"Content-Type": "application/x-www-form-urlencoded"}),
                         415, "application/json")
        self.assertError(self.server.post("/api/v1/dags/hello/pause", {}, {"Origin": "http://evil.example"}),
                         403, "cross-origin")
        # A name rebound to 127.0.0.1 arrives as a foreign Host.
        self.assertError(self.server.request("GET", "/api/v1/dags", headers={"Host": "evil.example:80"}),
                         403, "answers only to")
        self.assertEqual(self.server.request("GET", "/api/v1/dags", headers={"Host": "localhost"})[0], 200)
        self.assertEqual(self.home.poll("SELECT is_paused FROM dag WHERE is_paused = 1"), [])

    def test_oversize_requests_and_slow_clients_cost_nothing(self):
        # The server answers 413 as soon as it reads the length, without
        # reading the body, and closes the connection.
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as s:
            s.sendall(b"POST /api/v1/dags/hello/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{" % (2 << 20))
            answer = s.makefile("rb").read()
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)
        self.assertIn(b"request body too large", answer)
        self.assertEqual(self.home.poll("SELECT run_id FROM dag_run"), [])
        code, _, body = self.server.request("GET", "/api/v1/dags", headers={"X-Big": "a" * (64 << 10)})
        self.assertEqual(code, 431, body)
        # A client that sends half a request and waits does not stop others.
        slow = socket.create_connection(("127.0.0.1", self.server.port))
        try:
            slow.sendall(b"GET /api/v1/dags HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            started = time.monotonic()
            self.assertEqual(self.server.get("/healthz")[0], 200)
            self.assertLess(time.monotonic() - started, 10)
        finally:
            slow.close()

    def test_only_loopback_addresses_without_authentication(self):
        for address in ("0.0.0.0:0", "192.0.2.1:8778", "[::]:0"):
            with self.subTest(address=address):
                r = self.home.run("serve", "--listen", address)
                self.assertEqual(r.rc, 2, r)
                self.assertIn("without --auth FILE", r.err)
        r = self.home.run("serve", "--listen", "127.0.0.1:99999")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("port must be a number", r.err)

    def test_sigterm_stops_the_server(self):
        rc, out, _ = self.server.stop()
        self.assertEqual(rc, 0)
        self.assertIn("dagrun serve: stopped", out)


class Events:
    """An EventSource's view of /api/v1/events, read on a thread: the events
    in order as (id, type, data)."""

    def __init__(self, port, last_event_id=None, token=None):
        self.events = []
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        head = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        if last_event_id is not None:
            head += "Last-Event-ID: %s\r\n" % last_event_id
        if token:
            head += "Authorization: Bearer %s\r\n" % token
        self.sock.sendall((head + "\r\n").encode())
        self.file = self.sock.makefile("rb")
        self.status = self.file.readline().decode()
        while self.file.readline() not in (b"\r\n", b""):
            pass
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        fields = {}
        try:
            for raw in self.file:
                line = raw.decode().rstrip("\n")
                if line == "":
                    if "event" in fields:
                        self.events.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
                    fields = {}
                elif not line.startswith(":") and ":" in line:
                    key, _, value = line.partition(":")
                    fields[key] = value.lstrip(" ")
        except (OSError, ValueError):
            pass

    def wait_for(self, predicate, what):
        return wait_for(lambda: predicate(list(self.events)), timeout=60, what=what)

    def close(self):
        self.sock.close()


class WithSchedulerTest(HomeTestCase):
    def test_one_process_serves_and_schedules_and_stops_cleanly(self):
        self.home.write_dag(dag("hello", [task("a", ["sh", "-c", "echo hi"])]))
        server = Server(self.home, "--with-scheduler")
        try:
            code, _, run = server.post("/api/v1/dags/hello/runs", {"run_id": "served"})
            self.assertEqual(code, 201, run)
            wait_for(lambda: server.get("/api/v1/runs/served")[2]["state"] == "success", timeout=60,
                     what="the run to succeed in the same process")
            # It holds the database's scheduler lock.
            other = self.home.run("scheduler", timeout=30)
            self.assertEqual(other.rc, 1, other)
            self.assertIn("another scheduler is running", other.err)
            rc, out, err = server.stop()
            self.assertEqual(rc, 0, (out, err))
            self.assertIn("dagrun scheduler: stopped", out)
            self.assertIn("dagrun serve: stopped", out)
            self.assertLess(out.index("dagrun scheduler: stopped"), out.index("dagrun serve: stopped"))
        finally:
            if server.proc.poll() is None:
                server.proc.kill()
                server.proc.wait()


class MetricsTest(ServeTestCase):
    def test_metrics_count_runs_and_tries_and_histogram_their_durations(self):
        self.home.trigger_new("hello")
        self.assertEqual(self.server.post("/api/v1/dags/hello/runs", {"run_id": "waiting"})[0], 201)
        code, headers, text = self.server.get("/metrics")
        self.assertEqual(code, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        lines = text.decode().splitlines()
        self.assertIn('dagrun_runs{dag_id="hello",state="failed"} 1', lines)
        self.assertIn('dagrun_runs{dag_id="hello",state="queued"} 1', lines)
        self.assertIn("dagrun_queued_runs 1", lines)
        self.assertIn('dagrun_task_tries{dag_id="hello",state="success"} 1', lines)
        self.assertIn('dagrun_task_tries{dag_id="hello",state="failed"} 1', lines)
        self.assertIn('dagrun_try_duration_seconds_bucket{dag_id="hello",le="+Inf"} 2', lines)
        self.assertIn('dagrun_try_duration_seconds_count{dag_id="hello"} 2', lines)
        self.assertIn("# TYPE dagrun_try_duration_seconds histogram", lines)
        # Buckets are cumulative: never decreasing up to +Inf.
        buckets = [int(l.rsplit(" ", 1)[1]) for l in lines if l.startswith("dagrun_try_duration_seconds_bucket")]
        self.assertEqual(buckets, sorted(buckets))
        self.assertIn("dagrun_event_subscribers 0", lines)


class EventsTest(ServeTestCase):
    def test_a_run_by_another_process_is_seen_live_and_resumed_after_a_reconnect(self):
        ev = Events(self.server.port)
        try:
            self.assertIn(" 200 ", ev.status)
            result, run_id = self.home.trigger_new("hello")
            self.assertEqual(result.rc, 1, result)
            ev.wait_for(lambda es: any(t == "run" and d["state"] == "failed" for _, t, d in es), "the run's end")
            events = list(ev.events)
            ids = [i for i, _, _ in events]
            self.assertEqual(ids, sorted(ids))
            tries = {(d["task_id"], d["try_number"]): d["state"] for _, t, d in events if t == "try"}
            self.assertEqual(tries, {("a", 1): "success", ("b", 1): "failed"})
            tasks = [(d["task_id"], d["state"]) for _, t, d in events if t == "task" and d["run_id"] == run_id]
            self.assertIn(("a", "success"), tasks)
            self.assertIn(("b", "failed"), tasks)
        finally:
            ev.close()
        # A client that saw up to the first event and reconnects gets the rest.
        first = events[0][0]
        again = Events(self.server.port, last_event_id=first)
        try:
            again.wait_for(lambda es: len(es) >= len(events) - 1, "the missed events")
            self.assertEqual(again.events[:len(events) - 1], events[1:])
        finally:
            again.close()
        # One from another server (or long ago) is told to read everything again.
        stale = Events(self.server.port, last_event_id=10 ** 9)
        try:
            stale.wait_for(lambda es: es and es[0][1] == "reset", "a reset")
        finally:
            stale.close()

    def test_a_cli_clear_and_an_api_trigger_are_seen(self):
        result, run_id = self.home.trigger_new("hello")
        ev = Events(self.server.port)
        try:
            r = self.home.run("clear", run_id, "--task", "b")
            self.assertEqual(r.rc, 0, r)
            ev.wait_for(lambda es: any(t == "task" and d["task_id"] == "b" and d["state"] == "queued"
                                       for _, t, d in es), "the cleared task")
            self.assertEqual(self.server.post("/api/v1/dags/hello/runs", {"run_id": "from_api"})[0], 201)
            ev.wait_for(lambda es: any(t == "run" and d["run_id"] == "from_api" for _, t, d in es), "the new run")
        finally:
            ev.close()

    def test_a_bad_last_event_id_is_refused(self):
        self.assertError(self.server.request("GET", "/api/v1/events", headers={"Last-Event-ID": "x"}),
                         400, "Last-Event-ID")


class AuthTest(HomeTestCase):
    READ = "r-" + "a" * 30
    OPERATE = "o-" + "b" * 30

    def setUp(self):
        super().setUp()
        self.home.write_dag(dag("hello", [task("a", ["true"])]))
        self.tokens = os.path.join(self.home.root, "tokens")
        with open(self.tokens, "w") as f:
            f.write("# who may use the API\nread %s\noperate %s  # the CI job\n" % (self.READ, self.OPERATE))
        os.chmod(self.tokens, 0o600)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        super().tearDown()

    def serve(self):
        s = Server(self.home, "--auth", self.tokens)
        self.servers.append(s)
        return s

    def test_roles(self):
        anonymous = self.serve()
        code, headers, body = anonymous.get("/api/v1/dags")
        self.assertEqual(code, 401, body)
        self.assertEqual(headers["www-authenticate"], 'Bearer realm="dagrun"')
        self.assertEqual(anonymous.get("/healthz")[0], 200)
        self.assertEqual(Client(anonymous.port, "w-" + "c" * 30).get("/api/v1/dags")[0], 401)
        reader = Client(anonymous.port, self.READ)
        self.assertEqual(reader.get("/api/v1/dags")[0], 200)
        code, _, body = reader.post("/api/v1/dags/hello/runs", {"run_id": "by_reader"})
        self.assertEqual(code, 403, body)
        self.assertIn("only read", body["error"])
        operator = Client(anonymous.port, self.OPERATE)
        self.assertEqual(operator.post("/api/v1/dags/hello/runs", {"run_id": "by_operator"})[0], 201)
        for action in ("clear", "cancel"):
            code, _, body = reader.post("/api/v1/runs/by_operator/" + action)
            self.assertEqual(code, 403, body)
        self.assertEqual([r["run_id"] for r in self.home.query("SELECT run_id FROM dag_run")], ["by_operator"])
        # The scheme is case-insensitive; the token is not.
        self.assertEqual(anonymous.request("GET", "/api/v1/dags", headers={"Authorization": "bearer " + self.READ})[0], 200)
        self.assertEqual(anonymous.request("GET", "/api/v1/dags",
                                           headers={"Authorization": "Bearer " + self.READ.upper()})[0], 401)

    def test_with_tokens_any_address_is_allowed(self):
        proc = self.home.start("serve", "--listen", "0.0.0.0:0", "--auth", self.tokens)
        try:
            wait_for(lambda: "listening on http://0.0.0.0:" in proc.output()[0] or proc.poll() is not None,
                     what="the server to listen")
            self.assertIsNone(proc.poll(), proc.output())
        finally:
            proc.kill()
            proc.wait()

    def test_bad_token_files_are_refused_with_the_line(self):
        cases = [
            ("operate %s\n" % self.OPERATE, 0o644, "chmod 600"),
            ("admin %s\n" % self.OPERATE, 0o600, ":1: unknown role 'admin'"),
            ("read short\n", 0o600, ":1: a token must be 16 to 4096"),
            ("# nothing\n\n", 0o600, "no token"),
            ("read %s\noperate %s\n" % (self.READ, self.READ), 0o600, ":2: this token is already listed"),
            ("read %s extra\n" % self.READ, 0o600, ":1: expected 'ROLE TOKEN'"),
            ("read %s\n" % ("x" * 20 + "\u00e9"), 0o600, "a token must be"),
        ]
        for text, mode, fragment in cases:
            with self.subTest(text=text):
                with open(self.tokens, "w", encoding="utf-8") as f:
                    f.write(text)
                os.chmod(self.tokens, mode)
                r = self.home.run("serve", "--listen", "127.0.0.1:0", "--auth", self.tokens, timeout=30)
                self.assertEqual(r.rc, 1, r)
                self.assertIn(fragment, r.err)
                self.assertIn(self.tokens, r.err)


if __name__ == "__main__":
    unittest.main()
