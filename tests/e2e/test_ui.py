"""The web UI of `dagrun serve`: its files as the server sends them, and the
pages in a real headless Chromium (tests/e2e/ui/*.mjs, driven by
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
from test_news import DAG_ID as NEWS_DAG_ID, Standin, news_dag, posted, write_news_env
from test_serve import Server

BUILD = os.environ.get("DAGRUN_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
NODE_MODULES = os.path.join(BUILD, "web", "ui", "node_modules")
RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui", "ui_test.mjs")
NEWS_RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui", "news_ui_test.mjs")
MAPPED_RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui", "mapped_ui_test.mjs")
# Screenshots and the browser's progress, kept with the build's test output.
OUTPUT = os.path.join(BUILD, "test-output", "ui")


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
        for path in ("/", "/dags/hello", "/runs/some_run", "/dags", "/dags/a%2Fb/grid", "/pools"):
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
    the grid turning live, its filters, a run's graph, Gantt, XCom and logs,
    a clear, a cancel and a backfill from the UI. Then
    the news bot, triggered from the UI against the Naver/Slack stand-in."""

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

    def browser_env(self, server):
        """The environment of a browser script against server, or a skip without Chromium."""
        browser = chromium()
        if not browser:
            self.skipTest("no Chromium (apt-get install chromium; tools/test installs it)")
        self.assertTrue(os.path.isdir(os.path.join(NODE_MODULES, "playwright-core")),
                        "the build's npm ci installs playwright-core into " + NODE_MODULES)
        os.makedirs(OUTPUT, exist_ok=True)
        return dict(os.environ, DAGRUN_UI_URL="http://127.0.0.1:%d/" % server.port, DAGRUN_CHROMIUM=browser,
                    DAGRUN_UI_NODE_MODULES=NODE_MODULES, DAGRUN_UI_OUT=OUTPUT)

    def run_script(self, script, env, on_line, log_name, shots):
        """Runs a browser script with node; on_line sees each line it prints.
        Returns its output, after asserting it ended well and saved its shots."""
        for name in shots:  # none left from an earlier run can pass for this one's
            if os.path.exists(os.path.join(OUTPUT, name)):
                os.remove(os.path.join(OUTPUT, name))
        node = shutil.which("node") or shutil.which("nodejs")
        self.assertTrue(node, "node is needed by the build already")
        started = time.monotonic()
        runner = subprocess.Popen([node, script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.procs.append(runner)
        lines = []
        # Kills a runner that hangs; its output then says where it stood.
        watchdog = threading.Timer(300, runner.kill)
        watchdog.start()
        try:
            for line in runner.stdout:
                lines.append(line)
                on_line(line)
            rc = runner.wait()
        finally:
            watchdog.cancel()
        output = "".join(lines)
        with open(os.path.join(OUTPUT, log_name), "w", encoding="utf-8") as f:
            f.write(output)
        print("browser test: %.1f s; screenshots in %s" % (time.monotonic() - started, OUTPUT))
        self.assertEqual(rc, 0, output)
        self.assertIn("ui_test: ok", output)
        for name in shots:
            self.assertTrue(os.path.getsize(os.path.join(OUTPUT, name)) > 0, name)
        return output

    def test_dag_graph_trigger_live_grid_run_graph_gantt_and_log(self):
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
        self.home.write_dag(dag("ui_slow", [task("wait", ["sleep", "120"], pool="ui_pool")],
                                schedule="30 6 * * MON-FRI", description="one long task, to cancel"))
        with open(os.path.join(self.home.root, "dagrun.json"), "w", encoding="utf-8") as f:
            json.dump({"pools": [{"name": "ui_pool", "slots": 1, "description": "the slow DAG's"}]}, f)
        self.home.write_dag('{"dag_id": "broken", "tasks": [{"task_id": 3}]}', "broken.json")
        server = Server(self.home)
        self.procs.append(server.proc)
        env = dict(self.browser_env(server), DAGRUN_UI_DAG="ui_demo", DAGRUN_UI_SLOW_DAG="ui_slow")

        def on_line(line):
            if line.startswith("triggered "):
                run_id = line.split()[1]
                run = self.home.query("SELECT state, conf FROM dag_run WHERE run_id = ?", run_id)
                self.assertEqual(run[0]["state"], "queued", run)
                self.assertEqual(json.loads(run[0]["conf"]), {"who": "the ui test"})
                self.procs.append(self.home.start("scheduler"))
        self.run_script(RUNNER, env, on_line, "runner.log",
                        ("01-dags.png", "02-dag-graph.png", "04-grid-live.png", "05-run-failed.png", "06-run-log.png",
                         "08-run-cleared.png", "09-run-cancelled.png", "10-backfill-dialog.png", "11-backfilled.png",
                         "12-pools.png"))

    def test_a_mapped_tasks_instances_fold_under_it_on_the_run_page(self):
        script = ("if [ {{ map_item }} = 5 ]; then echo 'item 5 fails' >&2; exit 3; fi; "
                  "echo 'item {{ map_item }} ok'")
        self.home.write_dag(dag("ui_mapped", [task("each", ["sh", "-c", script], expand=list(range(12)))]))
        self.assertRc(self.home.run("trigger", "ui_mapped", "--run-id", "m1", timeout=120), 1)
        server = Server(self.home)
        self.procs.append(server.proc)
        self.run_script(MAPPED_RUNNER, dict(self.browser_env(server), DAGRUN_UI_RUN="m1"), lambda line: None,
                        "mapped.log", ("13-mapped-run.png",))

    def test_news_bot_triggered_from_the_ui_against_the_standins(self):
        standin = Standin(self.home.root)
        self.addCleanup(standin.stop)
        bot = news_dag()
        # The schedule stays (the list shows it in words), but starts later: the
        # scheduler makes no run of its own beside the one the page triggers.
        bot["start_date"] = "2099-01-01"
        self.home.write_dag(bot)
        write_news_env(self.home.root, standin)
        # One command, as a team would start it: the server runs the scheduler.
        server = Server(self.home, "--with-scheduler")
        self.procs.append(server.proc)
        env = dict(self.browser_env(server), DAGRUN_UI_NEWS_DAG=NEWS_DAG_ID)
        runs = []

        def on_line(line):
            if line.startswith("triggered "):
                runs.append(line.split()[1])
        output = self.run_script(NEWS_RUNNER, env, on_line, "news.log", ("10-news-grid.png", "11-news-run.png"))
        # Paused and unpaused from the page: active again in the history.
        self.assertEqual(self.home.query("SELECT is_paused FROM dag WHERE dag_id = ?", NEWS_DAG_ID)[0]["is_paused"], 0)
        self.assertEqual(len(runs), 1, output)
        # What the page showed is what happened: the run succeeded and Slack got the articles.
        run = self.home.query("SELECT state FROM dag_run WHERE run_id = ?", runs[0])
        self.assertEqual(run[0]["state"], "success")
        articles = posted(standin.slack_texts())
        self.assertGreater(len(articles), 10)
        logs = self.home.run("logs", runs[0], "send_notifications")
        self.assertRc(logs, 0)
        self.assertIn("%d articles sent in" % len(articles), logs.out)


if __name__ == "__main__":
    unittest.main()
