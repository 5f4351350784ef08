"""The web UI of `dagrun serve`: its files as the server sends them, and the
pages in a real headless Chromium (tests/e2e/ui/ui_test.mjs, driven by
playwright-core from the build's web/ui/node_modules).

Without Chromium (Debian's `chromium`; tools/test installs it) the browser
test is skipped, which fails under CI=true (harness.run_file)."""
import json
import os
import shutil
import subprocess
import threading
import time
import unittest

from harness import HomeTestCase, dag, task, wait_for
from test_serve import Server

BUILD = os.environ.get("DAGRUN_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
NODE_MODULES = os.path.join(BUILD, "web", "ui", "node_modules")
RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui", "ui_test.mjs")
# Screenshots and the browser's progress, kept with the build's test output.
OUTPUT = os.path.join(BUILD, "test-output", "ui")


def has_run_actions():
    """Whether this server has the clear and cancel routes (they and the
    OpenAPI document change together: a unit test compares them)."""
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.json")) as f:
        paths = json.load(f)["paths"]
    return "/api/v1/runs/{run_id}/clear" in paths and "/api/v1/runs/{run_id}/cancel" in paths


def chromium():
    return os.environ.get("DAGRUN_CHROMIUM") or shutil.which("chromium")


class FilesTest(HomeTestCase):
    """What the server sends for the UI's paths: no browser needed."""

    def setUp(self):
        super().setUp()
        self.home.write_dag(dag("hello", [task("a", ["true"])]))
        self.server = Server(self.home)

    def tearDown(self):
        if self.server.proc.poll() is None:
            self.server.proc.kill()
            self.server.proc.wait()
        super().tearDown()

    def test_every_route_of_the_app_is_its_page_with_a_policy(self):
        for path in ("/", "/dags/hello", "/runs/some_run", "/dags", "/dags/a%2Fb/grid"):
            code, headers, body = self.server.get(path)
            self.assertEqual(code, 200, path)
            self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
            self.assertIn(b'<script src="/ui/app.js" defer></script>', body)
            self.assertNotIn(b"<script>", body)  # nothing inline: the policy allows none
            csp = headers["content-security-policy"]
            self.assertIn("script-src 'self'", csp)
            self.assertIn("default-src 'none'", csp)
            self.assertEqual(headers["x-frame-options"], "DENY")

    def test_script_and_style_sheet_with_their_types(self):
        code, headers, body = self.server.get("/ui/app.js")
        self.assertEqual((code, headers["content-type"]), (200, "text/javascript; charset=utf-8"))
        self.assertIn(b"/api/v1/events", body)
        code, headers, body = self.server.get("/ui/app.css")
        self.assertEqual((code, headers["content-type"]), (200, "text/css; charset=utf-8"))
        self.assertIn(headers["x-content-type-options"], "nosniff")

    def test_unknown_files_traversal_and_other_methods(self):
        for path in ("/ui/nope.js", "/ui/../../etc/passwd", "/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/", "/ui/dist/app.js"):
            code, _, body = self.server.get(path)
            self.assertEqual(code, 404, path)
            self.assertNotIn(b"root:", body)
        code, headers, _ = self.server.request("POST", "/", body={})
        self.assertEqual((code, headers["allow"]), (405, "GET"))
        # Not the UI's: the API answers, as before.
        self.assertEqual(self.server.get("/dagsx")[0], 404)
        self.assertEqual(self.server.get("/api/v1/dags")[0], 200)

    def test_the_same_host_rule_as_the_api(self):
        code, _, body = self.server.request("GET", "/", headers={"Host": "evil.example:8778"})
        self.assertEqual(code, 403)
        self.assertIn("answers only to localhost", body["error"])


class TokenTest(HomeTestCase):
    TOKEN = "operate-token-0123456789abcdef"

    def test_the_page_loads_without_a_token_and_the_api_still_needs_one(self):
        tokens = os.path.join(self.home.root, "tokens")
        with open(tokens, "w") as f:
            f.write("operate %s\n" % self.TOKEN)
        os.chmod(tokens, 0o600)
        server = Server(self.home, "--auth", tokens)
        try:
            # A browser's navigation sends no token; the page asks for one.
            self.assertEqual(server.get("/")[0], 200)
            self.assertEqual(server.get("/ui/app.js")[0], 200)
            self.assertEqual(server.get("/api/v1/dags")[0], 401)
            self.assertEqual(server.get("/api/v1/events")[0], 401)
        finally:
            server.proc.kill()
            server.proc.wait()


class BrowserTest(HomeTestCase):
    """The DAG list with schedules in words, a DAG's graph and file, a trigger,
    the grid turning live, its filters, a run's graph, Gantt, XCom and logs;
    with the clear and cancel routes, a clear and a cancel from the UI."""

    def setUp(self):
        super().setUp()
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        super().tearDown()

    def test_dag_graph_trigger_live_grid_run_graph_gantt_and_log(self):
        browser = chromium()
        if not browser:
            self.skipTest("no Chromium (apt-get install chromium; tools/test installs it)")
        node = shutil.which("node") or shutil.which("nodejs")
        self.assertTrue(node, "node is needed by the build already")
        self.assertTrue(os.path.isdir(os.path.join(NODE_MODULES, "playwright-core")),
                        "the build's npm ci installs playwright-core into " + NODE_MODULES)
        shutil.rmtree(OUTPUT, ignore_errors=True)
        os.makedirs(OUTPUT)

        green = "\\033[32mrows extracted\\033[0m"
        flags = os.path.join(self.home.root, "flags")
        os.makedirs(flags)
        # Fails the first time it runs, works from then on.
        def once_failing(name, message, code, then):
            flag = os.path.join(flags, name)
            return ["sh", "-c", "if [ -e '%s' ]; then echo '%s'; else touch '%s'; echo '%s' >&2; exit %d; fi"
                    % (flag, then, flag, message, code)]
        self.home.write_dag(dag("ui_demo", [
            task("extract", ["sh", "-c", "printf '%s\\n' '<b>not markup</b>'; printf '" + green + "\\n'; sleep 1"]),
            task("flaky", once_failing("flaky", "first try fails", 1, "second try works"), upstream=["extract"],
                 retries=1, retry_delay="1s"),
            task("check", once_failing("check", "no rows for today", 3, "rows found"), upstream=["extract"]),
            task("summary", plugin="echo_xcom", params={"push": {"rows": 42}}, upstream=["extract"]),
            task("report", ["sh", "-c", "sleep 1; echo reported"], upstream=["flaky", "check"]),
        ], schedule="@daily", description="the UI's test DAG"))
        self.home.write_dag(dag("ui_slow", [task("wait", ["sleep", "120"])], schedule="30 6 * * MON-FRI",
                                description="one long task, to cancel"))
        self.home.write_dag('{"dag_id": "broken", "tasks": [{"task_id": 3}]}', "broken.json")
        server = Server(self.home)
        self.procs.append(server.proc)

        env = dict(os.environ, DAGRUN_UI_URL="http://127.0.0.1:%d/" % server.port, DAGRUN_CHROMIUM=browser,
                   DAGRUN_UI_NODE_MODULES=NODE_MODULES, DAGRUN_UI_OUT=OUTPUT, DAGRUN_UI_DAG="ui_demo",
                   DAGRUN_UI_SLOW_DAG="ui_slow", DAGRUN_UI_ACTIONS="1" if has_run_actions() else "0")
        started = time.monotonic()
        runner = subprocess.Popen([node, RUNNER], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.procs.append(runner)
        lines = []
        # Kills a runner that hangs; its output then says where it stood.
        watchdog = threading.Timer(300, runner.kill)
        watchdog.start()
        try:
            for line in runner.stdout:
                lines.append(line)
                if line.startswith("triggered "):
                    run_id = line.split()[1]
                    run = self.home.query("SELECT state, conf FROM dag_run WHERE run_id = ?", run_id)
                    self.assertEqual(run[0]["state"], "queued", run)
                    self.assertEqual(json.loads(run[0]["conf"]), {"who": "the ui test"})
                    self.procs.append(self.home.start("scheduler"))
            rc = runner.wait()
        finally:
            watchdog.cancel()
        output = "".join(lines)
        with open(os.path.join(OUTPUT, "runner.log"), "w", encoding="utf-8") as f:
            f.write(output)
        print("browser test: %.1f s; screenshots in %s" % (time.monotonic() - started, OUTPUT))
        self.assertEqual(rc, 0, output)
        self.assertIn("ui_test: ok", output)
        for name in ("01-dags.png", "02-dag-graph.png", "04-grid-live.png", "05-run-failed.png", "06-run-log.png"):
            self.assertTrue(os.path.getsize(os.path.join(OUTPUT, name)) > 0, name)


if __name__ == "__main__":
    unittest.main()
