"""The container policy from the command line: every DAG in tests/data/policy
(one per refused rule, next to a .errors file with its exact diagnostics) fails
validation with exactly those errors, and `dagrun trigger` refuses it with exit
2 before anything reaches a Docker daemon. The "daemon" here is a unix socket
the test listens on and that must never see a connection. A valid container
DAG validates without any daemon; HOME/dagrun.json widens the policy, and an
invalid one stops every verb that loads DAGs."""
import glob
import json
import os
import re
import shutil
import socket
import tempfile
import unittest

from harness import TEST_DATA, HomeTestCase, dag, task

POLICY = os.path.join(TEST_DATA, "policy")


class FakeDaemon:
    """A listening unix socket that records whether anyone ever connected."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dagrun-sock-")
        self.path = os.path.join(self.dir, "daemon.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(16)
        self.sock.setblocking(False)

    @property
    def url(self):
        return "unix://" + self.path

    def connections(self):
        """Connections made so far: each one waits in the backlog until accepted."""
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def policy_files():
    return sorted(glob.glob(os.path.join(POLICY, "*.json")))


def dag_id_of(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["dag_id"]


class PolicyTestCase(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.daemon = FakeDaemon()
        self.env = {"DOCKER_HOST": self.daemon.url}

    def tearDown(self):
        self.daemon.close()
        super().tearDown()

    def shown(self, text):
        """The output with the home's path as HOME, as the .errors files write it."""
        return text.replace(os.path.realpath(self.home.root), "HOME")

    def install(self, path):
        """Copies a policy DAG into the home, its daemon URLs pointing at the fake daemon."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r'"tcp://[^"]*"', '"' + self.daemon.url + '"', text)
        with open(os.path.join(self.home.dags, os.path.basename(path)), "w", encoding="utf-8") as f:
            f.write(text)

    def write_config(self, config):
        with open(os.path.join(self.home.root, "dagrun.json"), "w", encoding="utf-8") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))


class RefusedRuleTest(PolicyTestCase):
    def test_every_policy_file_gives_its_exact_diagnostics(self):
        files = policy_files()
        self.assertGreaterEqual(len(files), 15)
        for path in files:
            name = os.path.basename(path)
            with self.subTest(file=name):
                with open(path[:-len(".json")] + ".errors", encoding="utf-8") as f:
                    expected = [l for l in f.read().splitlines() if l]
                # From the data folder, so the file label matches the .errors files.
                r = self.home.run("validate", name, cwd=POLICY, env=self.env)
                self.assertRc(r, 1)
                lines = [self.shown(l) for l in r.err.splitlines() if " error: " in l]
                self.assertEqual(lines, expected)
                self.assertIn("1 of 1 file invalid", r.err)
        self.assertEqual(self.daemon.connections(), 0)

    def test_trigger_refuses_each_and_nothing_reaches_the_daemon(self):
        for path in policy_files():
            name = os.path.basename(path)
            with self.subTest(file=name):
                self.install(path)
                r = self.home.run("trigger", dag_id_of(path), env=self.env)
                self.assertRc(r, 2)
                self.assertIn("is invalid", r.err)
                # The first recorded error is among what trigger printed.
                with open(path[:-len(".json")] + ".errors", encoding="utf-8") as f:
                    first = f.readline().split(" error: ", 1)[1].strip()
                self.assertIn(first, self.shown(r.err))
                os.remove(os.path.join(self.home.dags, name))
        self.assertEqual(self.daemon.connections(), 0)
        self.assertFalse(os.path.exists(os.path.join(self.home.root, "logs")))
        if os.path.exists(self.home.db_path):
            self.assertEqual(self.home.query("SELECT * FROM dag_run"), [])

    def test_the_fake_daemon_does_notice_a_connection(self):
        # Guards the guard: a connect is seen even when the client hangs up at once.
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(self.daemon.path)
        client.close()
        self.assertEqual(self.daemon.connections(), 1)


def news_bot_dag(docker_url):
    """The seed's four DockerOperator tasks, their shared settings in default_args."""
    return dag("container_news_bot", [
        task("fetch_news", container={"command": "python scripts/1_fetch_news.py"}),
        task("filter_duplicates", container={"command": "python scripts/2_filter_duplicates.py"},
             upstream=["fetch_news"]),
        task("send_notifications", container={"command": "python scripts/3_send_notifications.py"},
             upstream=["filter_duplicates"]),
        task("cleanup", container={"command": "python scripts/4_cleanup.py"},
             upstream=["send_notifications"]),
    ], params={"env_file": ".env", "data_dir": "news-data"}, default_args={
        "retries": 1, "retry_delay": "1m",
        "container": {
            "image": "seoul_metro_news_bot:latest", "api_version": "auto", "auto_remove": True,
            "docker_url": docker_url, "network_mode": "shared_network", "mount_tmp_dir": False,
            "mounts": [
                {"source": "news-data", "target": "/app/data", "type": "bind"},
                {"source": ".env", "target": "/app/.env", "type": "bind", "read_only": True},
            ],
        },
    })


class ValidContainerDagTest(PolicyTestCase):
    def test_a_valid_container_dag_validates_without_a_daemon(self):
        self.home.write_dag(news_bot_dag(self.daemon.url))
        r = self.home.run("validate", env=self.env)
        self.assertRc(r, 0)
        self.assertIn("container_news_bot.json: ok (container_news_bot, 4 tasks)", r.out)
        r = self.home.run("graph", "container_news_bot", "--order", env=self.env)
        self.assertRc(r, 0)
        self.assertEqual(r.out.split(), ["fetch_news", "filter_duplicates", "send_notifications", "cleanup"])
        self.assertEqual(self.daemon.connections(), 0)

    def test_the_seed_docker_url_form_is_accepted(self):
        self.home.write_dag(news_bot_dag("unix://var/run/docker.sock"))
        self.assertRc(self.home.run("validate", env=self.env), 0)

    def test_the_seed_with_a_writable_env_file_is_refused(self):
        d = news_bot_dag(self.daemon.url)
        d["default_args"]["container"]["mounts"][1]["read_only"] = False
        self.home.write_dag(d)
        r = self.home.run("validate", env=self.env)
        self.assertRc(r, 1)
        self.assertIn("default_args: bind mount of the DAG's env file '.env' must be read_only", r.err)
        # Reported once, where it is written, not once per task.
        self.assertEqual(r.err.count("must be read_only"), 1)


class EngineConfigTest(PolicyTestCase):
    def outside_dag(self):
        return dag("outside", [task("t", container={
            "image": "busybox", "mounts": [{"source": "/srv/dagrun-e2e-shared/in", "target": "/in"}],
            "cap_add": ["NET_ADMIN"]})])

    def test_the_operator_widens_the_policy_in_dagrun_json(self):
        self.home.write_dag(self.outside_dag())
        r = self.home.run("validate", env=self.env)
        self.assertRc(r, 1)
        self.assertIn("bind mount source '/srv/dagrun-e2e-shared/in' is outside the allowed mount roots", r.err)
        self.assertIn("cap_add 'NET_ADMIN' is not allowed by the container policy", r.err)
        self.write_config({"containers": {"allowed_mount_roots": ["/srv/dagrun-e2e-shared"],
                                          "allowed_capabilities": ["CHOWN", "NET_ADMIN"]}})
        r = self.home.run("validate", env=self.env)
        self.assertRc(r, 0)
        self.assertEqual(self.daemon.connections(), 0)

    def test_an_invalid_config_stops_every_verb_that_loads_dags(self):
        self.home.write_dag(dag("plain", [task("a", ["true"])]))
        self.write_config('{"containers": {"allowed_mount_roots": ["/"],\n "max_memroy": "1GiB"}}')
        expected = [
            "HOME/dagrun.json:1:41: error: containers: mount root '/' is the host's root directory, "
            "which is never mounted",
            "HOME/dagrun.json:2:2: error: containers: unknown key 'max_memroy' (did you mean 'max_memory'?)",
        ]
        for verb, rc in (("validate", 1), ("list", 1), ("graph", 1), ("trigger", 2)):
            with self.subTest(verb=verb):
                args = (verb, "plain") if verb in ("graph", "trigger") else (verb,)
                r = self.home.run(*args, env=self.env)
                self.assertRc(r, rc)
                self.assertEqual([self.shown(l) for l in r.err.splitlines() if " error: " in l], expected)
                self.assertIn("invalid engine configuration", r.err)
        # Nothing ran: the command task of the valid DAG was never started.
        self.assertFalse(os.path.exists(os.path.join(self.home.root, "logs")))
        # Verbs that read only the history do not need the configuration.
        self.assertRc(self.home.run("runs", env=self.env), 0)


if __name__ == "__main__":
    unittest.main()
