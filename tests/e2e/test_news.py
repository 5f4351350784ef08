"""The news bot DAG (dags/seoul_metro_news_bot.json) run by the real dagrun binary
against the Naver/Slack stand-in (tools/standins/news_standin.py)."""
import csv
import glob
import html
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

from harness import HomeTestCase, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
STANDIN = os.path.join(ROOT, "tools", "standins", "news_standin.py")
DAG_FILE = os.path.join(ROOT, "dags", "seoul_metro_news_bot.json")
DAG_ID = "seoul_metro_news_bot"
CLIENT_ID = "e2e-client-id-7f3a"
CLIENT_SECRET = "e2e-client-secret-91bc"
WEBHOOK_PATH = "/services/TE2E/BE2E/WEBHOOKSECRET42"
# How the DAG's on_failure callback (the notify_failure plugin) begins its message.
ALERT = ":rotating_light: dagrun: run '"
KEYWORDS = ["서울 지하철", "지하철 파업", "9호선 혼잡"]
# localhost must be reached directly whatever *_proxy says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Standin:
    """The stand-in in a child process on a free port, with a fixed clock."""

    def __init__(self, workdir):
        self.port_file = os.path.join(workdir, "standin.port")
        self.log = open(os.path.join(workdir, "standin.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, STANDIN, "--port", "0", "--port-file", self.port_file, "--client-id", CLIENT_ID,
             "--client-secret", CLIENT_SECRET, "--start-time", "2026-11-29T11:00:00+09:00"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the stand-in did not start")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.base = f"http://127.0.0.1:{int(f.read())}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()

    def call(self, method, path, value=None, headers=None):
        data = json.dumps(value).encode() if value is not None else None
        hdrs = dict(headers or {})
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with OPENER.open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def admin(self, method, path, value=None):
        status, body = self.call(method, "/_admin/" + path, value)
        assert status == 200, (status, body)
        return json.loads(body)

    def slack_texts(self):
        """The articles' messages: the DAG's failure alerts are alerts()."""
        return [t for t in self.all_slack_texts() if not t.startswith(ALERT)]

    def alerts(self):
        """The messages of the DAG's on_failure callback (notify_failure)."""
        return [t for t in self.all_slack_texts() if t.startswith(ALERT)]

    def all_slack_texts(self):
        return [m["text"] for m in self.admin("GET", "slack")["messages"]]

    def requests(self, service):
        return [r for r in self.admin("GET", "requests")["requests"] if r["service"] == service]

    def search_titles(self, keyword):
        """The plain titles Naver returns for a keyword right now."""
        query = urllib.parse.urlencode({"query": keyword, "display": 100, "sort": "date"})
        status, body = self.call("GET", "/v1/search/news.json?" + query,
                                 headers={"X-Naver-Client-Id": CLIENT_ID, "X-Naver-Client-Secret": CLIENT_SECRET})
        assert status == 200, body
        return [html.unescape(re.sub(r"<[^>]*>", "", item["title"])) for item in json.loads(body)["items"]]


def title_key(title):
    """The bot's duplicate key: punctuation and symbols ignored, case folded, spaces collapsed."""
    chars = [" " if unicodedata.category(c)[0] in "PSZC" else c.lower() for c in title]
    return " ".join("".join(chars).split())


LINK = re.compile(r"<([^|>]+)\|([^>]*)>")


def slack_unescape(text):
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def posted(texts):
    """(url, title) of every article link in the Slack messages, in order."""
    return [(slack_unescape(u), slack_unescape(t)) for text in texts for u, t in LINK.findall(text)]


def news_dag():
    """The shipped DAG, with a retry delay short enough for a test."""
    with open(DAG_FILE, encoding="utf-8") as f:
        value = json.load(f)
    value["default_args"]["retry_delay"] = "100ms"  # the shipped 1m would make the tests slow
    return value


def write_news_env(home_root, standin, **overrides):
    """The bot's .env in the home, pointing at the stand-in."""
    values = {
        "NAVER_CLIENT_ID": CLIENT_ID,
        "NAVER_CLIENT_SECRET": CLIENT_SECRET,
        "NAVER_API_URL": standin.base + "/v1/search/news.json",
        "NEWS_KEYWORDS": ",".join(KEYWORDS),
        "NEWS_DISPLAY": "100",
        "SLACK_WEBHOOK_URL": standin.base + WEBHOOK_PATH,
    }
    values.update(overrides)
    with open(os.path.join(home_root, ".env"), "w", encoding="utf-8") as f:
        f.write("# written by the e2e tests\n")
        for key, value in values.items():
            f.write(f'export {key}="{value}"\n')


class NewsBotTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.standin = Standin(self.home.root)
        self.addCleanup(self.standin.stop)
        self.news_dir = os.path.join(self.home.root, "news-data")
        self.dag = news_dag()
        self.write_dag()
        self.write_env()

    def write_dag(self):
        self.home.write_dag(self.dag)

    def write_env(self, **overrides):
        write_news_env(self.home.root, self.standin, **overrides)

    def trigger(self):
        return self.home.trigger_new(DAG_ID)

    def tries(self, run_id, task_id):
        return [t for t in self.home.tries(run_id) if t["task_id"] == task_id]

    def xcom(self, run_id, task_id):
        rows = self.home.query("SELECT value FROM xcom WHERE run_id = ? AND task_id = ? AND key = 'summary'",
                               run_id, task_id)
        return json.loads(rows[0]["value"]) if rows else None

    def csv_rows(self):
        rows = []
        for path in sorted(glob.glob(os.path.join(self.news_dir, "news_*.csv"))):
            with open(path, "rb") as f:
                raw = f.read()
            self.assertTrue(raw.startswith(b"\xef\xbb\xbf"), path)
            table = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
            self.assertEqual(table[0], ["keyword", "title", "link", "originallink", "description", "pub_date"])
            rows.extend(table[1:])
        return rows

    def expected_keys(self):
        return {title_key(t) for k in KEYWORDS for t in self.standin.search_titles(k)}

    def assert_each_once(self, items):
        duplicates = sorted({x for x in items if items.count(x) > 1})
        self.assertEqual(duplicates, [], "sent or written more than once")

    def assert_no_secrets(self, *texts):
        everything = "\n".join(texts)
        for root, _, files in os.walk(self.home.root):
            for name in files:
                if name in (".env", "standin.log", "standin.port"):
                    continue
                with open(os.path.join(root, name), "rb") as f:
                    everything += f.read().decode("utf-8", "replace")
        for secret in (CLIENT_ID, CLIENT_SECRET, "WEBHOOKSECRET42", "TE2E/BE2E"):
            self.assertNotIn(secret, everything)

    def test_clean_run_posts_and_writes_every_article_once(self):
        result, run_id = self.trigger()
        self.assertRc(result, 0)
        for task in ("fetch_news", "filter_duplicates", "send_notifications", "cleanup"):
            self.assertEqual([t["state"] for t in self.tries(run_id, task)], ["success"], task)

        self.assertEqual(len(self.standin.requests("naver")), len(KEYWORDS))
        articles = posted(self.standin.slack_texts())
        keys = [title_key(t) for _, t in articles]
        self.assertGreater(len(articles), 10)
        self.assert_each_once(keys)
        self.assertEqual(set(keys), self.expected_keys())
        self.assertEqual(len(self.standin.slack_texts()), -(-len(articles) // 10))  # batches of 10

        rows = self.csv_rows()
        self.assertEqual(len(rows), len(articles))
        self.assert_each_once([r[2] for r in rows])
        self.assertEqual({title_key(r[1]) for r in rows}, set(keys))
        self.assertTrue(all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", r[5]) for r in rows))

        summary = self.xcom(run_id, "filter_duplicates")
        self.assertEqual(summary["new"], len(articles))
        self.assertEqual(summary["fetched"], summary["new"] + summary["duplicates"])
        self.assertEqual(self.xcom(run_id, "send_notifications")["sent"], len(articles))
        self.assert_no_secrets(result.out, result.err)

    def test_second_run_posts_only_new_articles(self):
        first, _ = self.trigger()
        self.assertRc(first, 0)
        sent_before = posted(self.standin.slack_texts())
        fresh = self.standin.admin("POST", "publish", {"count": 12})
        self.assertEqual(len(fresh["articles"]), 12)

        second, run_id = self.trigger()
        self.assertRc(second, 0)
        all_sent = posted(self.standin.slack_texts())
        sent_now = all_sent[len(sent_before):]
        self.assertGreater(len(sent_now), 0)
        self.assertFalse({u for u, _ in sent_now} & {u for u, _ in sent_before})
        keys = [title_key(t) for _, t in all_sent]
        self.assert_each_once(keys)
        self.assertEqual(set(keys), self.expected_keys())
        self.assertGreater(self.xcom(run_id, "filter_duplicates")["already_sent"], 0)
        rows = self.csv_rows()
        self.assertEqual(len(rows), len(all_sent))
        self.assert_each_once([r[2] for r in rows])

    def test_slack_failing_mid_way_then_recovering_sends_nothing_twice(self):
        self.write_env(NEWS_SLACK_BATCH="4")
        # The first message goes through, the second gets a 500; the retry finishes.
        self.standin.admin("POST", "faults", {"slack": [{"delay": 0}, {"status": 500}]})
        result, run_id = self.trigger()
        self.assertRc(result, 0)
        tries = self.tries(run_id, "send_notifications")
        self.assertEqual([t["state"] for t in tries], ["failed", "success"])
        self.assertIn("slack server error (500)", tries[0]["error"])

        articles = posted(self.standin.slack_texts())
        self.assert_each_once([u for u, _ in articles])
        self.assertEqual({title_key(t) for _, t in articles}, self.expected_keys())
        rows = self.csv_rows()
        self.assertEqual(len(rows), len(articles))
        self.assert_each_once([r[2] for r in rows])
        self.assertEqual(self.xcom(run_id, "send_notifications")["sent_by_earlier_try"], 4)
        self.assert_no_secrets(result.out, result.err)

    def test_slack_rate_limit_is_waited_out_within_the_try(self):
        self.standin.admin("POST", "faults", {"slack": [{"status": 429, "retry_after": 1}]})
        result, run_id = self.trigger()
        self.assertRc(result, 0)
        self.assertEqual([t["state"] for t in self.tries(run_id, "send_notifications")], ["success"])
        slack = self.standin.requests("slack")
        self.assertEqual(slack[0]["status"], 429)
        self.assertEqual(len(slack), len(self.standin.slack_texts()) + 1)
        self.assert_each_once([u for u, _ in posted(self.standin.slack_texts())])

    def test_cancelling_an_in_process_run_stops_a_retry_after_wait(self):
        # In process, nothing can kill the plugin: it must notice the cancellation itself.
        self.dag["default_args"]["isolation"] = "in_process"
        self.write_dag()
        self.write_env(NEWS_SLACK_MAX_WAIT="600")
        self.standin.admin("POST", "faults", {"slack": [{"status": 429, "retry_after": 600}]})
        proc = self.home.start("trigger", DAG_ID, "--run-id", "r1")
        try:
            log = os.path.join(self.home.root, "logs", DAG_ID, "r1", "send_notifications.1.log")
            wait_for(lambda: os.path.exists(log) and "as Retry-After asks" in open(log, encoding="utf-8").read(),
                     what="send_notifications to start waiting")
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)  # a hang guard: the wait asked for is 600 s
        finally:
            proc.kill()
        self.assertEqual(proc.returncode, 1, out + err)
        [attempt] = self.tries("r1", "send_notifications")
        self.assertEqual(attempt["state"], "failed")
        self.assertEqual(self.home.task_states("r1")["cleanup"], "skipped")
        self.assertEqual(self.standin.slack_texts(), [])
        # Interrupted is a failure too: the alert went out before the trigger exited.
        [alert] = self.standin.alerts()
        self.assertIn("failed: interrupted by SIGINT", alert)

    def test_a_slow_naver_answer_times_out_and_is_retried(self):
        self.write_env(NEWS_HTTP_TIMEOUT="0.5")
        self.standin.admin("POST", "faults", {"naver": [{"delay": 3}]})
        result, run_id = self.trigger()
        self.assertRc(result, 0)
        tries = self.tries(run_id, "fetch_news")
        self.assertEqual([t["state"] for t in tries], ["failed", "success"])
        self.assertIn("naver request for '서울 지하철' failed: Operation timed out", tries[0]["error"])

    def test_rejected_credentials_fail_at_once_without_retry(self):
        self.write_env(NAVER_CLIENT_SECRET="wrong-secret-value")
        result, run_id = self.trigger()
        self.assertRc(result, 1)
        tries = self.tries(run_id, "fetch_news")
        self.assertEqual([t["state"] for t in tries], ["failed"])  # retries: 1, yet one try
        self.assertIn("naver rejected the client credentials (401): NID AUTH Result Invalid (28)", tries[0]["error"])
        self.assertEqual(len(self.standin.requests("naver")), 1)
        self.assertEqual(self.standin.slack_texts(), [])
        states = self.home.task_states(run_id)
        self.assertEqual(states["send_notifications"], "upstream_failed")
        self.assertNotIn("wrong-secret-value", tries[0]["error"] + result.out + result.err)
        # The DAG's on_failure told the channel, once, before the trigger returned.
        [alert] = self.standin.alerts()
        self.assertTrue(alert.startswith(f"{ALERT}{run_id}' of DAG '{DAG_ID}' failed: task 'fetch_news' failed: fetch_news: "
                                         "naver rejected the client credentials (401)"), alert)
        self.assertNotIn("wrong-secret-value", alert)
        [callback] = self.home.query("SELECT * FROM callback WHERE run_id = ?", run_id)
        self.assertEqual((callback["event"], callback["task_id"], callback["state"]), ("failure", "", "sent"))

    def test_naver_rate_limit_is_retried_and_succeeds(self):
        self.standin.admin("POST", "faults", {"naver": [{"status": 429}]})
        result, run_id = self.trigger()
        self.assertRc(result, 0)
        tries = self.tries(run_id, "fetch_news")
        self.assertEqual([t["state"] for t in tries], ["failed", "success"])
        self.assertIn("naver rate limit exceeded (429)", tries[0]["error"])
        self.assertEqual(len(self.standin.requests("naver")), 1 + len(KEYWORDS))  # before expected_keys() asks
        self.assertEqual({title_key(t) for _, t in posted(self.standin.slack_texts())}, self.expected_keys())

    def test_malformed_json_fails_clearly(self):
        self.standin.admin("POST", "faults", {"naver_always": {"malformed": True}})
        result, run_id = self.trigger()
        self.assertRc(result, 1)
        tries = self.tries(run_id, "fetch_news")
        self.assertEqual([t["state"] for t in tries], ["failed", "failed"])
        self.assertIn("naver response for '서울 지하철' is not valid JSON", tries[-1]["error"])
        self.assertIn("the body starts with: {", tries[-1]["error"])
        self.assertEqual(self.standin.slack_texts(), [])
        self.assertEqual(len(self.standin.alerts()), 1)

    def test_in_process_plugins_behave_the_same(self):
        self.dag["default_args"]["isolation"] = "in_process"
        self.write_dag()
        self.standin.admin("POST", "faults", {"slack": [{"delay": 0}, {"status": 503}]})
        result, run_id = self.trigger()
        self.assertRc(result, 0)
        self.assertEqual([t["state"] for t in self.tries(run_id, "send_notifications")], ["failed", "success"])
        articles = posted(self.standin.slack_texts())
        self.assert_each_once([u for u, _ in articles])
        self.assertEqual({title_key(t) for _, t in articles}, self.expected_keys())
        self.assert_each_once([r[2] for r in self.csv_rows()])
        self.assert_no_secrets(result.out, result.err)

    def test_cleanup_removes_only_its_own_old_files(self):
        os.makedirs(self.news_dir)
        outside = tempfile.mkdtemp(prefix="news-outside-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", outside]))
        with open(os.path.join(outside, "news_20200103.csv"), "w") as f:
            f.write("not the bot's")
        old = time.time() - 30 * 86400
        for name in ("news_20200101.csv", "news_20200102.csv.bak", "notes.txt", "seen.json.tmp-1.1"):
            path = os.path.join(self.news_dir, name)
            with open(path, "w") as f:
                f.write("x")
            os.utime(path, (old, old))
        os.symlink(os.path.join(outside, "news_20200103.csv"), os.path.join(self.news_dir, "news_20200103.csv"))

        result, run_id = self.trigger()
        self.assertRc(result, 0)
        left = sorted(os.listdir(self.news_dir))
        self.assertNotIn("news_20200101.csv", left)
        self.assertNotIn("seen.json.tmp-1.1", left)
        for kept in ("news_20200102.csv.bak", "notes.txt", "news_20200103.csv", "seen.json", ".news.lock"):
            self.assertIn(kept, left)
        self.assertTrue(os.path.islink(os.path.join(self.news_dir, "news_20200103.csv")))
        with open(os.path.join(outside, "news_20200103.csv")) as f:
            self.assertEqual(f.read(), "not the bot's")
        self.assertEqual(sorted(self.xcom(run_id, "cleanup")["removed"]), ["news_20200101.csv", "seen.json.tmp-1.1"])
        self.assertEqual(len(glob.glob(os.path.join(self.news_dir, "news_2026*.csv"))), 1)  # today's stays


if __name__ == "__main__":
    import unittest
    unittest.main()
