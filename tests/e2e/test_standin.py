"""The Naver news / Slack webhook stand-in, driven over HTTP as the news plugins use it."""
import datetime
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "standins",
                      "news_standin.py")
START = "2026-11-29T11:00:00+09:00"
AUTH = {"X-Naver-Client-Id": "cid", "X-Naver-Client-Secret": "secret"}
WEBHOOK = "/services/T000/B000/XXXX"
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# The localhost server must be reached directly whatever *_proxy says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Standin:
    """The real server in a child process, on a free port read from its port file."""

    def __init__(self, *extra):
        self.dir = tempfile.mkdtemp(prefix="standin-test-")
        self.port_file = os.path.join(self.dir, "port")
        self.log_path = os.path.join(self.dir, "stderr.log")
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen([sys.executable, SCRIPT, "--port", "0", "--port-file", self.port_file,
                                          *extra], stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"stand-in did not start: {self.log()}")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.base = f"http://127.0.0.1:{int(f.read())}"

    def log(self):
        with open(self.log_path, encoding="utf-8") as f:
            return f.read()

    def call(self, method, path, body=None, headers=None, timeout=10):
        """Returns (status, headers, raw body)."""
        data = body if isinstance(body, (bytes, type(None))) else body.encode("utf-8")
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with OPENER.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def search(self, query, headers=AUTH, **params):
        qs = urllib.parse.urlencode(dict(query=query, **params)) if query is not None else \
            urllib.parse.urlencode(params)
        return self.call("GET", "/v1/search/news.json?" + qs, headers=headers)

    def items(self, query, **params):
        status, _, body = self.search(query, **params)
        assert status == 200, body
        return json.loads(body)

    def admin(self, method, path, value=None):
        body = json.dumps(value) if value is not None else None
        status, _, raw = self.call(method, "/_admin/" + path, body,
                                   {"Content-Type": "application/json"} if body else {})
        return status, json.loads(raw)

    def post_slack(self, payload, path=WEBHOOK, content_type="application/json"):
        body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        return self.call("POST", path, body, {"Content-Type": content_type})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def plain(text):
    return html.unescape(re.sub(r"</?b>", "", text))


def parse_pub_date(text):
    """Checks the RFC 822 form with +0900 and returns the datetime and the weekday it claims."""
    m = re.fullmatch(r"(\w{3}), (\d{2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) \+0900", text)
    assert m, f"not an RFC 822 +0900 date: {text!r}"
    day, month = int(m.group(2)), MONTHS.index(m.group(3)) + 1
    when = datetime.datetime(int(m.group(4)), month, day, int(m.group(5)), int(m.group(6)), int(m.group(7)))
    return when, m.group(1)


SERVER = None


def setUpModule():
    global SERVER
    SERVER = Standin("--client-id", "cid", "--client-secret", "secret", "--start-time", START, "--seed", "1")


def tearDownModule():
    SERVER.stop()


class StandinTestCase(unittest.TestCase):
    def setUp(self):
        self.s = SERVER
        status, _ = self.s.admin("POST", "reset", {"corpus": True})
        self.assertEqual(status, 200)


class NaverSearchTest(StandinTestCase):
    def test_credentials_are_required(self):
        status, headers, body = self.s.search("서울 지하철", headers={})
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body), {"errorMessage": "Not Exist Client ID : Authentication failed. "
                                                            "(인증에 실패했습니다.)", "errorCode": "024"})
        self.assertEqual(headers["Content-Type"], "application/json; charset=utf-8")
        for bad in ({"X-Naver-Client-Id": "other", "X-Naver-Client-Secret": "secret"},
                    {"X-Naver-Client-Id": "cid", "X-Naver-Client-Secret": "wrong"},
                    {"X-Naver-Client-Id": "cid"}):
            status, _, body = self.s.search("서울 지하철", headers=bad)
            self.assertEqual(status, 401, bad)
            self.assertEqual(json.loads(body)["errorCode"], "024")
        self.assertEqual(self.s.search("서울 지하철")[0], 200)

    def test_items_highlight_the_keyword_escape_html_and_date_correctly(self):
        status, headers, raw = self.s.search("서울 지하철", display=100)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json; charset=utf-8")
        self.assertIn(b"<\\/b>", raw)  # the real API escapes '/' in its JSON
        result = json.loads(raw)
        self.assertEqual(sorted(result), ["display", "items", "lastBuildDate", "start", "total"])
        self.assertEqual((result["start"], result["display"]), (1, len(result["items"])))
        parse_pub_date(result["lastBuildDate"])
        articles = {a["link"]: a for a in self.s.admin("GET", "articles")[1]["articles"]}
        phrase = re.compile(r"서울\s*지하철")
        expected = {link for link, a in articles.items() if phrase.search(a["title"] + " " + a["description"])}
        self.assertEqual({i["link"] for i in result["items"]}, expected)
        self.assertEqual(result["total"], len(expected))
        for item in result["items"]:
            self.assertEqual(sorted(item), ["description", "link", "originallink", "pubDate", "title"])
            self.assertTrue(phrase.search(plain(item["title"])) or phrase.search(plain(item["description"])))
            self.assertIn("<b>", item["title"] + item["description"])
            article = articles[item["link"]]
            self.assertEqual(plain(item["title"]), article["title"])
            self.assertEqual(plain(item["description"]), article["description"])
            self.assertNotIn('"', item["title"] + item["description"])
            self.assertEqual(re.findall(r"<[^>]*>", item["title"] + item["description"]),
                             [t for t in re.findall(r"</?b>", item["title"] + item["description"])])
            when, weekday = parse_pub_date(item["pubDate"])
            self.assertEqual(weekday, DAYS[when.weekday()], item["pubDate"])

    def test_entities_cover_quotes_ampersands_angle_brackets_and_numeric_forms(self):
        self.s.admin("POST", "publish", {"count": 90})
        text = "".join(i["title"] + i["description"] for i in self.s.items("지하철", display=100)["items"])
        for entity in ("&quot;", "&amp;", "&lt;", "&gt;", "&apos;", "&#39;", "&#183;"):
            self.assertIn(entity, text)

    def test_latin_keywords_match_case_insensitively(self):
        self.s.admin("POST", "publish", {"count": 90})
        items = self.s.items("gtx-a", display=100)["items"]
        self.assertTrue(items)
        self.assertTrue(all("<b>GTX-A</b>" in i["title"] + i["description"] for i in items))
        items = self.s.items("r&d")["items"]
        self.assertTrue(items)
        self.assertTrue(all("<b>R&amp;D</b>" in i["title"] + i["description"] for i in items))

    def test_links_look_like_naver_news_and_outlets(self):
        for item in self.s.items("지하철", display=100)["items"]:
            self.assertRegex(item["link"], r"^https://n\.news\.naver\.com/mnews/article/\d{3}/\d{10}\?sid=102$|^"
                             + re.escape(item["originallink"]) + "$")
            self.assertTrue(item["originallink"].startswith("https://"))
            self.assertNotIn("naver.com", item["originallink"])

    def test_sort_date_is_newest_first_and_sim_returns_the_same_set(self):
        by_date = self.s.items("지하철", display=100, sort="date")["items"]
        dates = [parse_pub_date(i["pubDate"])[0] for i in by_date]
        self.assertGreater(len(dates), 10)
        self.assertEqual(dates, sorted(dates, reverse=True))
        by_sim = self.s.items("지하철", display=100)["items"]
        self.assertEqual({i["link"] for i in by_sim}, {i["link"] for i in by_date})
        self.assertNotEqual([i["link"] for i in by_sim], [i["link"] for i in by_date])

    def test_pages_follow_start_and_display(self):
        ten = self.s.items("지하철", display=10, sort="date")["items"]
        first = self.s.items("지하철", display=5, start=1, sort="date")
        second = self.s.items("지하철", display=5, start=6, sort="date")
        self.assertEqual(first["display"], 5)
        self.assertEqual(second["start"], 6)
        self.assertEqual([i["link"] for i in first["items"] + second["items"]], [i["link"] for i in ten])
        beyond = self.s.items("지하철", start=1000)
        self.assertEqual((beyond["items"], beyond["display"]), ([], 0))
        self.assertEqual(beyond["total"], first["total"])

    def test_out_of_range_parameters_give_se_errors(self):
        cases = [({"display": 0}, "SE02"), ({"display": 101}, "SE02"), ({"display": "ten"}, "SE02"),
                 ({"start": 0}, "SE03"), ({"start": 1001}, "SE03"), ({"sort": "views"}, "SE04")]
        for params, code in cases:
            status, _, body = self.s.search("지하철", **params)
            self.assertEqual((status, json.loads(body)["errorCode"]), (400, code), params)
        status, _, body = self.s.search(None, display=10)
        self.assertEqual((status, json.loads(body)["errorCode"]), (400, "SE01"))
        self.assertIn("Incorrect query request", json.loads(body)["errorMessage"])
        status, _, body = self.s.call("GET", "/v1/search/news.json?query=%FF%FE", headers=AUTH)
        self.assertEqual((status, json.loads(body)["errorCode"]), (400, "SE06"))
        status, _, body = self.s.call("GET", "/v1/search/blog.json?query=a", headers=AUTH)
        self.assertEqual((status, json.loads(body)["errorCode"]), (404, "SE05"))
        self.assertEqual(self.s.search("지하철", display=100, start=1000)[0], 200)

    def test_published_articles_appear_at_the_top(self):
        before = self.s.items("지하철", display=100, sort="date")
        status, published = self.s.admin("POST", "publish", {"count": 4})
        self.assertEqual((status, published["published"]), (200, 34))
        fresh = [a["link"] for a in reversed(published["articles"])]
        after = self.s.items("지하철", display=100, sort="date")
        self.assertEqual([i["link"] for i in after["items"][:4]], fresh)
        self.assertEqual(after["total"], before["total"] + 4)
        self.assertFalse(set(fresh) & {i["link"] for i in before["items"]})
        newest_before = parse_pub_date(before["items"][0]["pubDate"])[0]
        self.assertGreaterEqual(parse_pub_date(after["items"][0]["pubDate"])[0], newest_before)

    def test_some_article_matches_two_keywords(self):
        seoul = {i["link"] for i in self.s.items("서울 지하철", display=100)["items"]}
        strike = {i["link"] for i in self.s.items("지하철 파업", display=100)["items"]}
        self.assertTrue(seoul & strike)
        self.assertTrue(strike - seoul or seoul - strike)

    def test_syndicated_copies_share_a_title_under_different_links(self):
        articles = self.s.admin("GET", "articles")[1]["articles"]
        self.assertEqual(len(articles), 30)
        copies = [a for a in articles if a["copy_of"] is not None]
        self.assertTrue(copies)
        for copy in copies:
            original = articles[copy["copy_of"]]
            self.assertEqual(copy["title"], original["title"])
            self.assertNotEqual(copy["link"], original["link"])
            self.assertNotEqual(copy["originallink"], original["originallink"])
        links = [a["link"] for a in articles]
        self.assertEqual(len(set(links)), len(links))

    def test_the_corpus_depends_only_on_the_seed(self):
        same = Standin("--start-time", START, "--seed", "1")
        other = Standin("--start-time", START, "--seed", "2")
        try:
            mine = self.s.admin("GET", "articles")[1]
            self.assertEqual(same.admin("GET", "articles")[1], mine)
            self.assertNotEqual([a["title"] for a in other.admin("GET", "articles")[1]["articles"]],
                                [a["title"] for a in mine["articles"]])
        finally:
            same.stop()
            other.stop()


class SlackTest(StandinTestCase):
    def test_webhook_answers_ok_and_records_the_message(self):
        status, headers, body = self.s.post_slack({"text": "*새 기사* <https://n.news.naver.com/x|제목>",
                                                   "mrkdwn": True})
        self.assertEqual((status, body), (200, b"ok"))
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        status, _, body = self.s.post_slack({"blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                                                   "text": "블록"}}]},
                                            path="/services/T1/B2/other")
        self.assertEqual((status, body), (200, b"ok"))
        form = "payload=" + urllib.parse.quote(json.dumps({"text": "폼"}))
        self.assertEqual(self.s.post_slack(form, content_type="application/x-www-form-urlencoded")[0], 200)
        messages = self.s.admin("GET", "slack")[1]["messages"]
        self.assertEqual([m["text"] for m in messages], ["*새 기사* <https://n.news.naver.com/x|제목>", None, "폼"])
        self.assertEqual(messages[0]["path"], WEBHOOK)
        self.assertIs(messages[0]["payload"]["mrkdwn"], True)
        self.assertRegex(messages[0]["received_at"], r"^2026-11-29T11:\d\d:\d\d\.\d{3}\+09:00$")

    def test_bad_payloads_and_paths_are_refused_and_not_recorded(self):
        self.assertEqual(self.s.post_slack("{not json")[:3:2], (400, b"invalid_payload"))
        self.assertEqual(self.s.post_slack("[1]")[:3:2], (400, b"invalid_payload"))
        self.assertEqual(self.s.post_slack({"username": "bot"})[:3:2], (400, b"no_text"))
        self.assertEqual(self.s.post_slack({"text": "x"}, path="/services/T000/B000")[:3:2], (404, b"no_service"))
        self.assertEqual(self.s.admin("GET", "slack")[1]["messages"], [])


class FaultTest(StandinTestCase):
    def faults(self, **spec):
        status, body = self.s.admin("POST", "faults", spec)
        self.assertEqual(status, 200, body)
        return body

    def test_401_uses_the_real_body_once(self):
        self.faults(naver=[{"status": 401}])
        status, _, body = self.s.search("지하철")
        self.assertEqual((status, json.loads(body)["errorCode"]), (401, "024"))
        self.assertEqual(self.s.search("지하철")[0], 200)

    def test_429_carries_retry_after(self):
        self.faults(naver=[{"status": 429, "retry_after": 2}], slack=[{"status": 429, "retry_after": 3}])
        status, headers, body = self.s.search("지하철")
        self.assertEqual(status, 429)
        self.assertEqual(headers["Retry-After"], "2")
        self.assertEqual(json.loads(body), {"errorMessage": "Rate limit exceeded. (속도 제한을 초과했습니다.)",
                                            "errorCode": "012"})
        status, headers, body = self.s.post_slack({"text": "a"})
        self.assertEqual((status, body, headers["Retry-After"]), (429, b"rate_limited", "3"))
        self.assertEqual(self.s.admin("GET", "slack")[1]["messages"], [])
        self.assertEqual(self.s.post_slack({"text": "a"})[0], 200)

    def test_500_and_times_n(self):
        self.faults(naver=[{"status": 500, "times": 2}], slack=[{"status": 500}])
        for _ in range(2):
            status, _, body = self.s.search("지하철")
            self.assertEqual((status, json.loads(body)["errorCode"]), (500, "SE99"))
        self.assertEqual(self.s.search("지하철")[0], 200)
        self.assertEqual(self.s.post_slack({"text": "a"})[:3:2], (500, b"rollup_error"))
        self.assertEqual(self.s.post_slack({"text": "a"})[:3:2], (200, b"ok"))

    def test_queued_faults_apply_in_order_per_service(self):
        self.faults(naver=[{"status": 401}])
        self.faults(naver=[{"status": 429}], slack=[{"status": 500}])
        self.assertEqual(self.s.search("지하철")[0], 401)
        self.assertEqual(self.s.post_slack({"text": "a"})[0], 500)
        self.assertEqual(self.s.search("지하철")[0], 429)
        self.assertEqual(self.s.search("지하철")[0], 200)

    def test_delay_answers_normally_but_late(self):
        self.faults(naver=[{"delay": 0.3}])
        status, _, body = self.s.search("지하철")
        self.assertEqual((status, len(json.loads(body)["items"])), (200, 10))
        self.assertEqual(self.s.admin("GET", "requests")[1]["requests"][0]["fault"], {"delay": 0.3})
        # A client that gives up before the delay is over gets nothing: the server cannot answer sooner.
        self.faults(slack=[{"delay": 1.0}])
        with self.assertRaises((TimeoutError, urllib.error.URLError)):
            self.s.call("POST", WEBHOOK, json.dumps({"text": "late"}), {"Content-Type": "application/json"},
                        timeout=0.2)
        # The late answer still happens: the message is recorded once the delay is over.
        wait_for(lambda: self.s.admin("GET", "slack")[1]["messages"], what="the delayed message")
        entry = wait_for(lambda: [r for r in self.s.admin("GET", "requests")[1]["requests"]
                                  if r["service"] == "slack"], what="the delayed request")[0]
        self.assertEqual(entry["fault"], {"delay": 1.0})

    def test_malformed_is_a_200_with_truncated_json(self):
        self.faults(naver=[{"malformed": True}], slack=[{"malformed": True}])
        status, _, body = self.s.search("지하철")
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"{"))
        with self.assertRaises(ValueError):
            json.loads(body)
        status, _, body = self.s.post_slack({"text": "a"})
        self.assertEqual(status, 200)
        self.assertNotEqual(body, b"ok")
        self.assertEqual(len(self.s.admin("GET", "slack")[1]["messages"]), 1)
        json.loads(self.s.search("지하철")[2])

    def test_close_drops_the_connection_without_an_answer(self):
        self.faults(naver=[{"close": True}], slack=[{"close": True}])
        with self.assertRaises((ConnectionError, urllib.error.URLError)):
            self.s.search("지하철")
        with self.assertRaises((ConnectionError, urllib.error.URLError)):
            self.s.post_slack({"text": "a"})
        self.assertEqual(self.s.admin("GET", "slack")[1]["messages"], [])
        self.assertEqual(self.s.search("지하철")[0], 200)
        statuses = [r["status"] for r in self.s.admin("GET", "requests")[1]["requests"]]
        self.assertEqual(statuses, [None, None, 200])

    def test_always_faults_persist_until_reset(self):
        self.faults(naver_always={"status": 503})
        for _ in range(3):
            self.assertEqual(self.s.search("지하철")[0], 503)
        self.assertEqual(self.s.post_slack({"text": "a"})[0], 200)
        self.assertEqual(self.s.admin("POST", "reset")[0], 200)
        self.assertEqual(self.s.search("지하철")[0], 200)
        self.faults(slack_always={"status": 429})
        self.assertEqual(self.s.post_slack({"text": "a"})[0], 429)
        self.faults(slack_always=None)
        self.assertEqual(self.s.post_slack({"text": "a"})[0], 200)

    def test_invalid_fault_specs_are_refused(self):
        for spec in ({"naver": [{"status": 200}]}, {"naver": [{"bogus": 1}]}, {"slack": {"status": 500}},
                     {"naver": [{"status": 500, "times": 0}]}, {"naver": [{"close": True, "status": 500}]},
                     {"nothing": []}):
            status, body = self.s.admin("POST", "faults", spec)
            self.assertEqual(status, 400, spec)
            self.assertIn("error", body)
        self.assertEqual(self.s.admin("GET", "faults")[1]["naver"], [])


class AdminTest(StandinTestCase):
    def test_requests_are_logged_with_secrets_masked(self):
        lines_before = self.s.log().count("naver GET /v1/search/news.json")
        self.s.search("서울 지하철", display=5)
        self.s.search("지하철", display=500)
        requests = self.s.admin("GET", "requests")[1]["requests"]
        self.assertEqual([(r["service"], r["method"], r["path"], r["status"]) for r in requests],
                         [("naver", "GET", "/v1/search/news.json", 200), ("naver", "GET", "/v1/search/news.json", 400)])
        self.assertEqual(requests[0]["query"], {"query": "서울 지하철", "display": "5"})
        headers = {k.lower(): v for k, v in requests[0]["headers"].items()}
        self.assertEqual((headers["x-naver-client-id"], headers["x-naver-client-secret"]), ("cid", "***"))
        self.assertNotIn('"secret"', json.dumps(requests))
        self.assertEqual(self.s.log().count("naver GET /v1/search/news.json") - lines_before, 2)

    def test_reset_clears_logs_and_faults_but_keeps_the_clock_unless_asked(self):
        self.s.admin("POST", "publish", {"count": 3})
        self.s.post_slack({"text": "a"})
        self.s.admin("POST", "faults", {"naver": [{"status": 500}], "slack_always": {"status": 500}})
        self.assertEqual(self.s.admin("POST", "reset")[0], 200)
        status = self.s.admin("GET", "status")[1]
        self.assertEqual((status["published"], status["messages"], status["requests"]), (33, 0, 0))
        self.assertEqual(self.s.admin("GET", "faults")[1],
                         {"naver": [], "slack": [], "naver_always": None, "slack_always": None})
        self.assertEqual(self.s.search("지하철")[0], 200)
        self.s.admin("POST", "reset", {"corpus": True})
        self.assertEqual(self.s.admin("GET", "status")[1]["published"], 30)

    def test_unknown_admin_endpoints_and_bad_counts(self):
        self.assertEqual(self.s.admin("GET", "nothing")[0], 404)
        self.assertEqual(self.s.admin("POST", "publish", {"count": -1})[0], 400)


class ProcessTest(unittest.TestCase):
    def test_publish_every_adds_articles_on_a_timer(self):
        server = Standin("--initial", "0", "--publish-every", "0.1")
        try:
            wait_for(lambda: server.admin("GET", "status")[1]["published"] >= 3, what="timed publishing")
            articles = server.admin("GET", "articles")[1]["articles"]
            newest = server.items("지하철", sort="date")["items"][0]
            self.assertEqual(newest["link"], articles[-1]["link"])
            self.assertIn("published #0", server.log())
        finally:
            server.stop()

    def test_sigterm_and_sigint_stop_it_cleanly(self):
        for signum in (signal.SIGTERM, signal.SIGINT):
            server = Standin()
            try:
                self.assertEqual(server.search("지하철")[0], 200)
                server.proc.send_signal(signum)
                self.assertEqual(server.proc.wait(10), 0)
                self.assertFalse(os.path.exists(server.port_file))
                self.assertIn("news-standin stopped", server.log())
            finally:
                server.stop()


if __name__ == "__main__":
    unittest.main()
