"""The news bot in containers (dags/seoul_metro_news_bot_docker.json), and what
happens to a container task's container when dagrun is interrupted or killed,
run by the real dagrun binary against the real Docker Engine.

The image comes from tools/build-news-image. Each test creates a bridge
network of its own and runs the bot's containers on it; the stand-in listens
on the host's address on that network (read from the network's bridge
interface, which the daemon created for this test), on a port the OS chose.
Nothing depends on the machine's default bridge or its addresses. Every
container and network these tests cause carries the label
e2e.test_news_docker=<a value unique to the test>, and only those are listed
or removed. Without a Docker Engine the tests skip (fail under CI=true).
"""
import datetime
import fcntl
import http.client
import ipaddress
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest
import urllib.parse
import uuid

from harness import HomeTestCase, wait_for
from test_news import CLIENT_ID, CLIENT_SECRET, KEYWORDS, STANDIN, WEBHOOK_PATH, Standin, posted, title_key

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
DAG_FILE = os.path.join(ROOT, "dags", "seoul_metro_news_bot_docker.json")
DAG_ID = "seoul_metro_news_bot_docker"
BUILD_IMAGE = os.path.join(ROOT, "tools", "build-news-image")
SOCKET = "/var/run/docker.sock"
TEST_LABEL = "e2e.test_news_docker"  # dagrun.* labels are the engine's
BUSYBOX = "dagrun-test-busybox:latest"
IMAGE_UID = 10001  # the image's user (tools/build-news-image)
STAGES = ("fetch_news", "filter_duplicates", "send_notifications", "cleanup")


class Docker:
    """The Engine API on the local socket: just enough to look and clean up."""

    class _Connection(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(self.timeout)
            self.sock.connect(SOCKET)

    def call(self, method, path, body=None):
        conn = self._Connection("docker", timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, (json.loads(data) if data.strip().startswith((b"{", b"[")) else data)
        finally:
            conn.close()

    def containers(self, label_value):
        query = urllib.parse.urlencode({"all": "true", "filters": json.dumps({"label": [f"{TEST_LABEL}={label_value}"]})})
        status, body = self.call("GET", "/containers/json?" + query)
        assert status == 200, (status, body)
        return body

    def remove(self, label_value):
        for c in self.containers(label_value):
            self.call("DELETE", f"/containers/{c['Id']}?force=true")

    def events(self, label_value, action):
        """The times (ns since the epoch) of the past container events `action` of labelled containers."""
        filters = {"type": ["container"], "event": [action], "label": [f"{TEST_LABEL}={label_value}"]}
        query = urllib.parse.urlencode({"since": "0", "until": str(int(time.time()) + 1),
                                        "filters": json.dumps(filters)})
        status, body = self.call("GET", "/events?" + query)
        assert status == 200, (status, body)
        text = body if isinstance(body, bytes) else json.dumps(body).encode()
        return [json.loads(line)["timeNano"] for line in text.decode().splitlines() if line.strip()]

    def create_network(self, label_value):
        """A bridge network of this test's own; returns (its name, the host's IPv4 address on it)."""
        name = "e2e-news-" + label_value
        status, body = self.call("POST", "/networks/create", {
            "Name": name, "Driver": "bridge", "CheckDuplicate": True, "Labels": {TEST_LABEL: label_value},
            # The bridge interface gets a name we know, rather than br-<id>.
            "Options": {"com.docker.network.bridge.name": bridge_name(label_value)}})
        assert status == 201, (status, body)
        return name, interface_ipv4(bridge_name(label_value))

    def remove_networks(self, label_value):
        query = urllib.parse.urlencode({"filters": json.dumps({"label": [f"{TEST_LABEL}={label_value}"]})})
        status, body = self.call("GET", "/networks?" + query)
        assert status == 200, (status, body)
        for network in body:
            self.call("DELETE", f"/networks/{network['Id']}")


def bridge_name(label_value):
    return "e2e" + label_value[-12:]  # an interface name has at most 15 characters


def interface_ipv4(name):
    """The IPv4 address of a network interface of this host (SIOCGIFADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("256s", name.encode()[:15])
        reply = fcntl.ioctl(s.fileno(), 0x8915, request)  # SIOCGIFADDR
    return str(ipaddress.IPv4Address(reply[20:24]))


def iso_ms(text):
    """Milliseconds since the epoch of the history's "2026-11-29T04:35:24.309Z"."""
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(milliseconds=1)


def docker_or_skip(test):
    """A Docker client, or skips the test (fails it under CI=true) when no daemon answers."""
    try:
        status, _ = Docker().call("GET", "/_ping")
        if status == 200:
            return Docker()
        why = f"the Docker Engine at {SOCKET} answered /_ping with {status}"
    except OSError as error:
        why = f"no Docker Engine at {SOCKET}: {error}"
    if os.environ.get("CI") == "true":
        test.fail(why + " (CI runs every container test)")
    print(f"\n*** SKIPPING the container tests: {why} (start one with tools/docker-up) ***", file=sys.stderr)
    test.skipTest(why)


class NetworkStandin(Standin):
    """The stand-in on the host's address on the test's network, where its containers reach the host."""

    def __init__(self, workdir, host):  # pylint: disable=super-init-not-called
        self.port_file = os.path.join(workdir, "standin.port")
        self.log = open(os.path.join(workdir, "standin.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, STANDIN, "--host", host, "--port", "0", "--port-file", self.port_file,
             "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
             "--start-time", "2026-11-29T11:00:00+09:00"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        wait_for(lambda: os.path.exists(self.port_file) or self.proc.poll() is not None, timeout=20,
                 what="the stand-in to listen")
        if self.proc.poll() is not None:
            raise AssertionError("the stand-in did not start")
        with open(self.port_file) as f:
            self.base = f"http://{host}:{int(f.read())}"


class ContainerTestCase(HomeTestCase):
    def setUp(self):
        self.docker = docker_or_skip(self)  # before the home exists: a skipped test has no tearDown
        super().setUp()
        self.label = "cimage-" + uuid.uuid4().hex[:12]
        self.addCleanup(self.docker.remove, self.label)

    def labelled(self, container):
        """container (a DAG's container object) with this test's label added."""
        container.setdefault("labels", {})[TEST_LABEL] = self.label
        return container

    def left_behind(self):
        return [c["Names"][0] for c in self.docker.containers(self.label)]


class NewsDockerTest(ContainerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.image_output = None
        try:
            Docker().call("GET", "/_ping")
        except OSError:
            return  # each test skips (or fails under CI) in setUp
        # ctest's DAGRUN_BUILD_DIR tells the script which build's binaries to take.
        build = subprocess.run([BUILD_IMAGE], capture_output=True, text=True, timeout=900)
        assert build.returncode == 0, build.stderr
        cls.image_output = build.stdout

    def setUp(self):
        super().setUp()
        self.assertRegex(self.image_output or "", r"^sha256:[0-9a-f]{64} [0-9.]+ MB\n$")
        network, host = self.docker.create_network(self.label)
        # A network goes only once no container is on it.
        self.addCleanup(lambda: (self.docker.remove(self.label), self.docker.remove_networks(self.label)))
        self.standin = NetworkStandin(self.home.root, host)
        self.addCleanup(self.standin.stop)
        with open(DAG_FILE, encoding="utf-8") as f:
            self.dag = json.load(f)
        self.dag["default_args"]["retry_delay"] = "100ms"  # the shipped 1m would make the tests slow
        container = self.labelled(self.dag["default_args"]["container"])
        container["network_mode"] = network
        self.home.write_dag(self.dag)
        # The containers run as the image's user: the bot's directory is
        # theirs, and .env readable by their group, as docs/news-bot.md says.
        self.news_dir = os.path.join(self.home.root, "news-data")
        os.mkdir(self.news_dir)
        self.write_env()
        self.give_to_image_user(self.news_dir, 0o755)
        self.give_to_image_user(os.path.join(self.home.root, ".env"), 0o640)

    def give_to_image_user(self, path, mode):
        if os.geteuid() == 0:
            os.chown(path, IMAGE_UID if os.path.isdir(path) else os.geteuid(), IMAGE_UID)
            os.chmod(path, mode)
        else:  # nobody can hand a file to another user; open it up instead
            os.chmod(path, 0o777 if os.path.isdir(path) else 0o644)

    def write_env(self):
        values = {
            "NAVER_CLIENT_ID": CLIENT_ID,
            "NAVER_CLIENT_SECRET": CLIENT_SECRET,
            "NAVER_API_URL": self.standin.base + "/v1/search/news.json",
            "NEWS_KEYWORDS": ",".join(KEYWORDS),
            "NEWS_DISPLAY": "100",
            "SLACK_WEBHOOK_URL": self.standin.base + WEBHOOK_PATH,
        }
        with open(os.path.join(self.home.root, ".env"), "w", encoding="utf-8") as f:
            for key, value in values.items():
                f.write(f"{key}={value}\n")

    def trigger(self):
        return self.home.trigger_new(DAG_ID)

    def summary(self, run_id, task_id):
        """The stage's summary. The task host prints {"key": "summary", "value": ...} on stdout, and the
        executor stores the container's last stdout line, as a JSON string, under return_value."""
        rows = self.home.query("SELECT key, value FROM xcom WHERE run_id = ? AND task_id = ?", run_id, task_id)
        self.assertEqual([r["key"] for r in rows], ["return_value"])
        pushed = json.loads(json.loads(rows[0]["value"]))
        self.assertEqual(pushed["key"], "summary")
        return pushed["value"]

    def csv_links(self):
        links = []
        for name in sorted(os.listdir(self.news_dir)):
            if name.startswith("news_") and name.endswith(".csv"):
                with open(os.path.join(self.news_dir, name), encoding="utf-8-sig", newline="") as f:
                    links += [line.split(",")[2] for line in f.read().split("\r\n")[1:] if line]
        return links

    def expected_keys(self):
        return {title_key(t) for k in KEYWORDS for t in self.standin.search_titles(k)}

    def assert_each_once(self, items):
        self.assertEqual(sorted({x for x in items if items.count(x) > 1}), [], "sent or written more than once")

    def test_run_posts_every_article_once_and_leaves_no_container(self):
        result, run_id = self.trigger()
        self.assertRc(result, 0)
        for task in STAGES:
            tries = [t for t in self.home.tries(run_id) if t["task_id"] == task]
            self.assertEqual([t["state"] for t in tries], ["success"], task)

        articles = posted(self.standin.slack_texts())
        keys = [title_key(t) for _, t in articles]
        self.assertGreater(len(articles), 10)
        self.assert_each_once(keys)
        self.assertEqual(set(keys), self.expected_keys())
        links = self.csv_links()
        self.assertEqual(len(links), len(articles))
        self.assert_each_once(links)

        self.assertEqual(self.summary(run_id, "filter_duplicates")["new"], len(articles))
        self.assertEqual(self.summary(run_id, "send_notifications")["sent"], len(articles))
        # The stages handed the articles over in the run's data directory.
        data = os.path.join(self.home.root, "data", DAG_ID, run_id)
        self.assertTrue(os.path.exists(os.path.join(data, "new_articles.json")))
        self.assertEqual(self.left_behind(), [])
        log = os.path.join(self.home.root, "logs", DAG_ID, run_id, "fetch_news.1.log")
        with open(log, encoding="utf-8") as f:
            self.assertIn("INFO fetch_news: try 1 of run " + run_id, f.read())

    def test_second_run_posts_only_new_articles(self):
        first, _ = self.trigger()
        self.assertRc(first, 0)
        sent_before = posted(self.standin.slack_texts())
        self.assertEqual(len(self.standin.admin("POST", "publish", {"count": 12})["articles"]), 12)

        second, run_id = self.trigger()
        self.assertRc(second, 0)
        all_sent = posted(self.standin.slack_texts())
        sent_now = all_sent[len(sent_before):]
        self.assertGreater(len(sent_now), 0)
        self.assertFalse({u for u, _ in sent_now} & {u for u, _ in sent_before})
        keys = [title_key(t) for _, t in all_sent]
        self.assert_each_once(keys)
        self.assertEqual(set(keys), self.expected_keys())
        self.assertGreater(self.summary(run_id, "filter_duplicates")["already_sent"], 0)
        self.assertEqual(len(self.csv_links()), len(all_sent))
        self.assertEqual(self.left_behind(), [])


class InterruptedContainerTest(ContainerTestCase):
    """A container task whose dagrun goes away: by SIGINT, and by SIGKILL."""

    def sleeper_dag(self, dag_id):
        container = self.labelled({"image": BUSYBOX, "command": ["sleep", "60"], "auto_remove": "force"})
        return {"dag_id": dag_id, "tasks": [{"task_id": "nap", "container": container}]}

    def start_sleeper(self, dag_id, run_id):
        self.home.write_dag(self.sleeper_dag(dag_id))
        proc = self.home.start("trigger", dag_id, "--run-id", run_id)
        self.addCleanup(lambda: (proc.kill(), proc.communicate()))
        running = lambda: [c for c in self.docker.containers(self.label) if c["State"] == "running"]
        wait_for(lambda: running() or proc.poll() is not None, timeout=60, what="the container to run")
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"dagrun ended before its container ran:\n{out}\n{err}")
        return proc

    def test_sigint_fails_the_run_and_removes_the_container(self):
        proc = self.start_sleeper("napping", "r1")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)  # a hang guard: the sleep is 60 s
        self.assertEqual(proc.returncode, 1, out + err)
        [run] = self.home.query("SELECT state, reason FROM dag_run WHERE run_id = 'r1'")
        self.assertEqual(run["state"], "failed")
        [attempt] = self.home.tries("r1")
        self.assertEqual(attempt["state"], "failed")
        self.assertEqual(run["reason"], "interrupted by SIGINT")
        self.assertEqual(attempt["error"], "cancelled: interrupted by SIGINT")
        self.assertEqual(self.left_behind(), [])

    def test_a_container_of_a_killed_dagrun_is_removed_by_the_next_one(self):
        proc = self.start_sleeper("napping", "r1")
        proc.kill()
        proc.wait(timeout=30)
        self.assertEqual(len(self.left_behind()), 1)  # nobody was there to remove it

        self.home.write_dag({"dag_id": "other", "tasks": [{"task_id": "t", "command": ["true"]}]})
        result = self.home.run("trigger", "other", "--run-id", "r2", timeout=120)
        self.assertRc(result, 0)
        self.assertEqual(self.left_behind(), [])
        self.assertRegex(result.err, r"removed container [0-9a-f]{12} left by a dead engine \(run 'r1', task 'nap', try 1\)")
        # The container's processes carry the run's id too and show in /proc to root: they are
        # the daemon's to end, not recovery's (killing them let an auto-removed container vanish
        # unreported).
        self.assertIn("run 'r1' of 'napping' was left running by a dead engine: 1 tries failed, 0 processes stopped",
                      result.err)
        [attempt] = self.home.tries("r1")
        self.assertEqual(attempt["state"], "failed")
        self.assertTrue(attempt["error"].startswith("engine died"), attempt["error"])
        # Removed before the new run started: the daemon's destroy event against the run's start,
        # which the history keeps to the millisecond.
        [destroyed] = self.docker.events(self.label, "destroy")
        [started] = self.home.query("SELECT start_date FROM dag_run WHERE run_id = 'r2'")
        self.assertLessEqual(destroyed // 1_000_000, iso_ms(started["start_date"]))


if __name__ == "__main__":
    unittest.main()
