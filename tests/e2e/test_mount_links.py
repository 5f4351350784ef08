"""Bind sources and env files through links that containers planted, and the
secrets of a container's environment, through the real dagrun binary and the
real Docker daemon.

A mount root's contents are writable by the containers that mount it, so no
link inside a root is ever followed (docs/security.md). Each test asserts on
what the host sees: a marker a task tries to write through a mount must not
appear outside the root, and a secret must not appear in any output.
"""
import glob
import json
import os
import unittest
import uuid

from harness import HomeTestCase, dag, task
from test_news_docker import TEST_LABEL, docker_or_skip

IMAGE = "dagrun-test-busybox:latest"


class ContainerHome(HomeTestCase):
    def setUp(self):
        self.docker = docker_or_skip(self)  # before the home exists: a skipped test has no tearDown
        super().setUp()
        self.label = "links-" + uuid.uuid4().hex[:12]
        self.addCleanup(self.docker.remove, self.label)
        self.marker = "dagrun-escape-" + uuid.uuid4().hex[:12]

    def container(self, command, binds=(), **keys):
        """A container object; binds are writable (source, target) pairs."""
        c = {"image": IMAGE, "command": command, "network_mode": "none", "mount_tmp_dir": False,
             "labels": {TEST_LABEL: self.label},
             "mounts": [{"source": s, "target": t, "type": "bind"} for s, t in binds]}
        c.update(keys)
        return c

    def data(self, *parts):
        """A path under HOME/data as the engine shows it: resolved, like the home."""
        return os.path.join(os.path.realpath(self.home.root), "data", *parts)

    def writable_by_containers(self, *parts):
        """Makes HOME/data/PARTS and opens it, and each directory below
        HOME/data on the way, to everyone. The test image runs as root, but
        without capabilities (the engine drops them all), so its root writes
        only where any other user may: the directories the test makes belong
        to the engine's user, who is root only when the tests run as root."""
        os.makedirs(self.data(*parts), exist_ok=True)
        for i in range(1, len(parts) + 1):
            os.chmod(self.data(*parts[:i]), 0o777)

    def tries_by_task(self, run_id):
        return {t["task_id"]: t for t in self.home.tries(run_id)}

    def everything_written(self, run_id, trigger):
        """What the engine wrote anywhere: terminal, logs, `tasks --json`, the database's files."""
        parts = [trigger.out, trigger.err, json.dumps(self.home.json("tasks", run_id))]
        for path in glob.glob(os.path.join(self.home.root, "logs", "**", "*"), recursive=True) + \
                glob.glob(self.home.db_path + "*"):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    parts.append(f.read().decode("utf-8", "replace"))
        return "\n".join(parts)

    def assertNoMarker(self, *dirs):
        for d in ("/", "/inner", self.home.root, *dirs):
            self.assertFalse(os.path.exists(os.path.join(d, self.marker)), f"{self.marker} appeared in {d}")


class PlantedByAnEarlierTaskTest(ContainerHome):
    """A first task plants links in its data directory; later tasks mount through them."""

    def test_links_planted_earlier_are_never_followed(self):
        self.writable_by_containers("esc")  # plant writes its links there
        os.makedirs(self.data("other"))
        private = os.path.join(self.home.root, "private")
        os.makedirs(private)
        with open(os.path.join(private, "app.env"), "w") as f:
            f.write("STOLEN=stolen-SECRET-4f1c\n")
        plant = ("mkdir -p /d/sub/deeper && ln -sfn sub/deeper /d/l2 && ln -sfn / /d/x && "
                 "ln -sfn / /d/sub/last && ln -sfn {other} /d/sib && ln -sfn {private} /d/envlink && "
                 "ln -sfn ../other /d/up").format(other=self.data("other"), private=private)
        write = f"ls /host; touch /host/{self.marker}"
        # source as written, the link the refusal names
        through = {
            "dotdot": ("data/esc/l2/../x", "l2"),            # the issue's example
            "absolute": ("data/esc/x", "x"),                 # an absolute link to /
            "last": ("data/esc/sub/last", "sub/last"),       # the last component, deeper down
            "sibling": ("data/esc/sib", "sib"),              # a sibling DAG's data, by absolute path
            "sibling_rel": ("data/esc/up/../other", "up"),   # the same, relative, with '..'
        }
        tasks = [task("plant", container=self.container(["sh", "-c", plant], [("data/esc", "/d")]))]
        for task_id, (source, _) in through.items():
            tasks.append(task(task_id, container=self.container(["sh", "-c", write], [(source, "/host")]),
                              upstream=["plant"]))
        tasks.append(task("env_link", upstream=["plant"], container=self.container(
            ["sh", "-c", "echo stolen=$STOLEN"], env_file="data/esc/envlink/app.env")))
        self.home.write_dag(dag("esc", tasks, max_active_tasks=2))

        # Before the run nothing is a link: the DAG is valid.
        self.assertRc(self.home.run("validate"), 0)
        r, run_id = self.home.trigger_new("esc")
        tries = self.tries_by_task(run_id)
        self.assertEqual(tries["plant"]["state"], "success", r)
        self.assertTrue(os.path.islink(self.data("esc", "l2")))
        for task_id, (source, link) in through.items():
            with self.subTest(task_id):
                self.assertEqual(tries[task_id]["state"], "failed", r)
                self.assertIn(f"bind mount source '{source}' runs through the symbolic link "
                              f"{self.data('esc', link)} inside the mount root {self.data('esc')}",
                              tries[task_id]["error"])
        self.assertEqual(tries["env_link"]["state"], "failed", r)
        self.assertIn(f"env_file 'data/esc/envlink/app.env' runs through the symbolic link "
                      f"{self.data('esc', 'envlink')}", tries["env_link"]["error"])
        self.assertNoMarker(self.data("other"), self.data("esc"))
        everything = self.everything_written(run_id, r)
        self.assertNotIn("stolen-SECRET-4f1c", everything)
        self.assertEqual(self.docker.containers(self.label), [])  # only plant ran, and was removed

    def test_links_planted_by_an_earlier_run_are_never_followed(self):
        self.writable_by_containers("esc")
        self.home.write_dag(dag("esc", [
            task("plant", container=self.container(["sh", "-c", "ln -sfn /etc /d/conf"], [("data/esc", "/d")]))]))
        r, run_id = self.home.trigger_new("esc")
        self.assertEqual(self.tries_by_task(run_id)["plant"]["state"], "success", r)
        # The next version of the DAG reads what it thinks is its own config directory.
        self.home.write_dag(dag("esc", [
            task("read", container=self.container(["cat", "/c/hostname"], [("data/esc/conf", "/c")]))]))
        r = self.home.run("validate")
        self.assertRc(r, 1)
        self.assertIn("bind mount source 'data/esc/conf' runs through the symbolic link "
                      f"{self.data('esc', 'conf')} inside the mount root {self.data('esc')}", r.err)


class ConcurrentPlanterTest(ContainerHome):
    """A running container swaps a directory above another task's source for a link to /."""

    def test_a_running_planter_never_gets_a_mount_through_its_links(self):
        self.writable_by_containers("race", "sub", "inner")  # hold writes in race/, removes sub/inner
        os.makedirs(self.data("race", "quiet", "inner"))
        swap = ("touch /d/hold-running; i=0; while [ $i -lt 80 ]; do rm -rf /d/sub; ln -sfn / /d/sub; "
                "sleep 0.05; rm -f /d/sub; mkdir -p /d/sub/inner; sleep 0.05; i=$((i+1)); done")
        ready = self.data("race", "hold-running")
        self.home.write_dag(dag("race", [
            task("hold", container=self.container(["sh", "-c", swap], [("data/race", "/d")])),
            task("wait_hold", command=["sh", "-c", f"while [ ! -e {ready} ]; do sleep 0.05; done"]),
            task("victim", upstream=["wait_hold"], container=self.container(
                ["sh", "-c", f"touch /v/{self.marker}"], [("data/race/sub/inner", "/v")])),
            # Not a link yet, but the running planter could swap quiet/ before the mount.
            task("victim_quiet", upstream=["wait_hold"], container=self.container(
                ["sh", "-c", f"touch /v/{self.marker}"], [("data/race/quiet/inner", "/v")])),
            # The planter's own directory, read-only: it can change nothing on the way there.
            task("same_dir", upstream=["wait_hold"], container=self.container(
                ["sh", "-c", "test -e /r/hold-running"],
                mounts=[{"source": "data/race", "target": "/r", "type": "bind", "read_only": True}])),
        ], max_active_tasks=4))
        r, run_id = self.home.trigger_new("race")
        tries = self.tries_by_task(run_id)
        self.assertEqual(tries["hold"]["state"], "success", r)
        self.assertEqual(tries["same_dir"]["state"], "success", r)
        self.assertEqual(tries["victim"]["state"], "failed", r)
        error = tries["victim"]["error"]
        refused_as_link = "runs through the symbolic link " + self.data("race", "sub") in error
        refused_as_race = (f"lies below {self.data('race')}, which the running container" in error and
                           "task 'hold'" in error and "mounts writable" in error)
        self.assertTrue(refused_as_link or refused_as_race, error)
        self.assertEqual(tries["victim_quiet"]["state"], "failed", r)
        self.assertIn(f"bind mount source {self.data('race', 'quiet', 'inner')} lies below {self.data('race')}, "
                      "which the running container", tries["victim_quiet"]["error"])
        self.assertIn("(dag 'race', run '" + run_id + "', task 'hold') mounts writable", tries["victim_quiet"]["error"])
        self.assertNoMarker(self.data("race"), self.data("race", "sub", "inner"), self.data("race", "quiet", "inner"))


class SecretsNeverLeakTest(ContainerHome):
    """Env values stay out of the terminal, the logs, `tasks --json` and the database."""

    def test_a_bad_env_line_and_a_failing_container_leak_no_secret(self):
        os.makedirs(self.data("sec"))
        with open(self.data("sec", "bad.env"), "w") as f:
            f.write("OK=1\nbare-SECRET-9a7e pasted without its key\n")
        with open(self.data("sec", "good.env"), "w") as f:
            f.write("API_TOKEN=token-SECRET-51d0\n")
        self.home.write_dag(dag("sec", [
            task("bad_env", container=self.container(["true"], env_file="data/sec/bad.env")),
            task("echoes", container=self.container(
                ["sh", "-c", "echo token=$API_TOKEN pw=$DB_PASSWORD; echo $API_TOKEN >&2; exit 3"],
                env_file="data/sec/good.env", environment={"DB_PASSWORD": "pw-SECRET-c3b2"})),
        ]))
        r, run_id = self.home.trigger_new("sec")
        tries = self.tries_by_task(run_id)
        self.assertEqual(tries["bad_env"]["state"], "failed", r)
        self.assertIn(self.data("sec", "bad.env") + ":2: ", tries["bad_env"]["error"])
        self.assertEqual(tries["echoes"]["state"], "failed", r)
        self.assertIn("token=*** pw=***", tries["echoes"]["error"])
        everything = self.everything_written(run_id, r)
        for secret in ("bare-SECRET-9a7e", "token-SECRET-51d0", "pw-SECRET-c3b2"):
            self.assertNotIn(secret, everything)


if __name__ == "__main__":
    unittest.main()
