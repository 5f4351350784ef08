"""Ids that reach the file system: every id the rules accept works end to end
(trigger, tasks, logs, db clean), every other one is refused before anything is
written, and the engine never follows a link planted under its data root."""
import json
import os
import shutil
import stat
import tempfile
import unittest

from harness import HomeTestCase, dag, task
from test_policy import FakeDaemon

NAME_MAX = 255
OLD = "2020-01-01T00:00:00.000Z"


def tree(root):
    """Every path under root (links not followed), with its mode, and file contents."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            content = None
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    content = f.read()
            out[os.path.relpath(p, root)] = (st.st_mode, content)
    out["."] = (os.lstat(root).st_mode, None)
    return out


class Outside:
    """A directory outside the home, with a file in it, that must never change."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="dagrun-e2e-outside-")
        os.makedirs(os.path.join(self.root, "sub"))
        with open(os.path.join(self.root, "sub", "precious"), "w") as f:
            f.write("keep me\n")
        os.chmod(self.root, 0o700)
        self.before = tree(self.root)

    def assertUnchanged(self, test):
        test.assertEqual(tree(self.root), self.before)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class IdsTestCase(HomeTestCase):
    def make_old(self, run_id):
        """Lets `db clean --older-than 30d` take the run."""
        import sqlite3
        with sqlite3.connect(self.home.db_path) as conn:
            conn.execute("UPDATE dag_run SET end_date = ? WHERE run_id = ?", (OLD, run_id))

    def outside(self):
        o = Outside()
        self.addCleanup(o.cleanup)
        return o

    def home_entries(self):
        return sorted(os.listdir(self.home.root))


class DagAndTaskIdTest(IdsTestCase):
    BAD = {
        ".": "must not be '.': it names a directory",
        "..": "must not be '..': it names a directory",
        "a/b": "'a/b' may contain only letters, digits, '_', '-' and '.'",
        "a\nb": "'a\\x0ab' contains a control character (\\x0a)",
        "a\x1b[2Jb": "'a\\x1b[2Jb' contains a control character (\\x1b)",
        "x" * 251: "is longer than 250 bytes",
        "": "must not be empty",
    }

    def test_bad_dag_ids_are_validation_errors_naming_the_field(self):
        for bad, why in self.BAD.items():
            with self.subTest(dag_id=bad):
                path = self.home.write_dag(dag(bad, [task("a", ["true"])]), name="bad.json")
                r = self.home.run("validate", path)
                self.assertRc(r, 1)
                self.assertIn("bad.json:2:13: error: dag: dag_id " + why, r.err)
                self.assertNotIn("\x1b", r.err)
                os.remove(path)

    def test_bad_task_ids_are_validation_errors_naming_the_task(self):
        for bad, why in self.BAD.items():
            with self.subTest(task_id=bad):
                path = self.home.write_dag(dag("d", [task(bad, ["true"])]), name="bad.json")
                r = self.home.run("validate", path)
                self.assertRc(r, 1)
                self.assertRegex(r.err, r"bad\.json:\d+:\d+: error: tasks\[0\]: task_id ")
                self.assertIn("task_id " + why, r.err)
                os.remove(path)

    def test_a_dag_with_a_bad_id_is_never_run(self):
        self.home.write_dag(dag("..", [task("a", ["sh", "-c", "echo x > f"])]), name="dots.json")
        r = self.home.run("trigger", "..")
        self.assertRc(r, 2)
        self.assertNotIn("data", self.home_entries())
        self.assertNotIn("logs", self.home_entries())


class RunIdFlagTest(IdsTestCase):
    def setUp(self):
        super().setUp()
        # Names no other process uses: what an escaped run would leave behind,
        # as the run's log (<task>.1.log) and as the file the task writes.
        self.probe = "probe_" + os.path.basename(self.home.root).replace("-", "_")
        self.home.write_dag(dag("d", [task(self.probe, ["sh", "-c", f"echo hi; echo x > {self.probe}.out"])]))
        self.target = tempfile.mktemp(prefix="dagrun-e2e-runid-")  # never created

    def bad_ids(self):
        return {
            "../../..": "--run-id '../../..' may contain only",
            self.target: "--run-id '" + self.target[:60] + "'",
            "": "--run-id must not be empty",
            "r" * 300: "--run-id is longer than 250 bytes",
            "a\nb": "--run-id 'a\\x0ab' contains a control character (\\x0a)",
            ".": "--run-id must not be '.'",
            "..": "--run-id must not be '..'",
            "a b": "--run-id 'a b' may contain only",
        }

    def assertNothingWritten(self):
        self.assertEqual(self.home_entries(), ["dags"])
        self.assertFalse(os.path.lexists(self.target))
        # ../../.. from HOME/logs/d is HOME's parent; look a few levels up too.
        d = self.home.root
        for _ in range(4):
            d = os.path.dirname(d)
            for suffix in (".1.log", ".out"):
                self.assertFalse(os.path.lexists(os.path.join(d, self.probe + suffix)), d)

    def test_bad_run_ids_are_refused_before_anything_is_written(self):
        for bad, message in self.bad_ids().items():
            for extra in ([], ["--queue"]):
                with self.subTest(run_id=bad, extra=extra):
                    r = self.home.run("trigger", "d", "--run-id", bad, *extra)
                    self.assertRc(r, 2)
                    self.assertIn("dagrun trigger: " + message, r.err)
                    self.assertNotIn("\n", r.err.rstrip("\n"))
                    self.assertNothingWritten()
        r = self.home.run("trigger", "d", "--run-id=")
        self.assertRc(r, 2)
        self.assertNothingWritten()

    def test_verbs_taking_ids_refuse_bad_ones_with_exit_2(self):
        self.assertRc(self.home.run("trigger", "d", "--run-id", "good"), 0)
        for bad in ("../../..", "", "r" * 300, "a\nb", "/etc"):
            with self.subTest(run_id=bad):
                for args in (["tasks", bad], ["logs", bad, self.probe], ["clear", bad]):
                    r = self.home.run(*args)
                    self.assertRc(r, 2)
                    self.assertIn("RUN_ID", r.err)
        for bad in ("..", "a/b", "t" * 251):
            with self.subTest(task_id=bad):
                r = self.home.run("logs", "good", bad)
                self.assertRc(r, 2)
                self.assertIn("TASK_ID", r.err)
                r = self.home.run("clear", "good", "--task", bad)
                self.assertRc(r, 2)
                self.assertIn("--task", r.err)
        self.assertEqual(self.home.task_states("good"), {self.probe: "success"})


class LongIdsEndToEndTest(IdsTestCase):
    def test_a_250_char_task_id_runs_logs_and_is_cleaned(self):
        tid = "t" * 250
        self.home.write_dag(dag("d", [task(tid, ["sh", "-c", "echo long task says hi; echo x > f"])]))
        r = self.home.run("trigger", "d", "--run-id", "r1")
        self.assertRc(r, 0)
        self.assertEqual(self.home.task_states("r1"), {tid: "success"})
        [attempt] = self.home.tries("r1")
        log = attempt["log_path"]
        self.assertTrue(os.path.isfile(log))
        self.assertLessEqual(len(os.path.basename(log).encode()), NAME_MAX)
        self.assertEqual(os.path.realpath(os.path.dirname(log)),
                         os.path.join(os.path.realpath(self.home.root), "logs", "d", "r1"))
        r = self.home.run("logs", "r1", tid)
        self.assertRc(r, 0)
        self.assertEqual(r.out, "long task says hi\n")
        self.assertIn(tid, self.home.run("tasks", "r1").out)
        self.make_old("r1")
        r = self.home.run("db", "clean", "--older-than", "30d")
        self.assertRc(r, 0)
        self.assertFalse(os.path.lexists(log))
        self.assertFalse(os.path.lexists(os.path.join(self.home.root, "logs", "d", "r1")))
        self.assertFalse(os.path.lexists(os.path.join(self.home.root, "data", "d", "r1")))

    def test_the_longest_valid_ids_work_end_to_end(self):
        dag_id = "D" * 250
        tid = "T" * 250
        run_id = ("manual__2026-11-29T02:07:39.123+00:00~" + "r" * 250)[:250]
        self.home.write_dag(dag(dag_id, [task(tid, ["sh", "-c", "pwd; echo x > f"])]), name="long.json")
        r = self.home.run("trigger", dag_id, "--run-id", run_id)
        self.assertRc(r, 0)
        self.assertEqual(self.home.task_states(run_id), {tid: "success"})
        data = os.path.join(os.path.realpath(self.home.root), "data", dag_id, run_id)
        self.assertTrue(os.path.isfile(os.path.join(data, "f")))
        r = self.home.run("logs", run_id, tid)
        self.assertRc(r, 0)
        self.assertEqual(os.path.realpath(r.out.strip()), data)
        self.assertRc(self.home.run("tasks", run_id), 0)
        self.make_old(run_id)
        r = self.home.run("db", "clean", "--older-than", "30d")
        self.assertRc(r, 0)
        self.assertIn("deleted 1 run", r.out)
        self.assertFalse(os.path.lexists(data))
        self.assertFalse(os.path.lexists(os.path.join(self.home.root, "logs", dag_id, run_id)))

    def test_a_run_id_of_every_allowed_character_works(self):
        self.home.write_dag(dag("d", [task("a", ["sh", "-c", "echo ok"])]))
        run_id = "Az09_-.~:+x"
        self.assertRc(self.home.run("trigger", "d", "--run-id", run_id), 0)
        self.assertEqual(self.home.run("logs", run_id, "a").out, "ok\n")


class PlantedLinkTest(IdsTestCase):
    def plant(self, dag_id, run_id, target):
        parent = os.path.join(self.home.root, "data", dag_id)
        os.makedirs(parent, exist_ok=True)
        os.symlink(target, os.path.join(parent, run_id))

    def test_a_link_at_the_run_data_dir_is_refused_by_a_command_task(self):
        outside = self.outside()
        self.home.write_dag(dag("d", [task("a", ["sh", "-c", "echo pwned > file; chmod 777 ."])]))
        self.plant("d", "r1", outside.root)
        r = self.home.run("trigger", "d", "--run-id", "r1")
        self.assertRc(r, 1)
        [attempt] = self.home.tries("r1")
        self.assertEqual(attempt["state"], "failed")
        self.assertIn("is a symbolic link", attempt["error"])
        self.assertEqual(self.home.only_run()["state"], "failed")
        outside.assertUnchanged(self)

    def test_a_link_at_the_dag_data_dir_is_refused(self):
        outside = self.outside()
        self.home.write_dag(dag("d", [task("a", ["sh", "-c", "echo pwned > file"])]))
        os.makedirs(os.path.join(self.home.root, "data"))
        os.symlink(outside.root, os.path.join(self.home.root, "data", "d"))
        r = self.home.run("trigger", "d", "--run-id", "r1")
        self.assertRc(r, 1)
        self.assertIn("is a symbolic link", self.home.tries("r1")[0]["error"])
        outside.assertUnchanged(self)
        self.make_old("r1")
        self.assertRc(self.home.run("db", "clean", "--older-than", "30d"), 0)
        outside.assertUnchanged(self)

    def test_a_link_at_the_run_data_dir_is_refused_by_a_container_task(self):
        daemon = FakeDaemon()
        self.addCleanup(daemon.close)
        outside = self.outside()
        self.home.write_dag(dag("c", [{"task_id": "a", "container": {
            "image": "busybox", "docker_url": daemon.url, "mount_tmp_dir": True,
            "command": ["sh", "-c", "echo pwned > /tmp/dagrun/file"]}}]))
        self.plant("c", "r1", outside.root)
        r = self.home.run("trigger", "c", "--run-id", "r1", env={"DOCKER_HOST": daemon.url})
        self.assertRc(r, 1)
        self.assertIn("is a symbolic link", self.home.tries("r1")[0]["error"])
        # Refused while making the run's directories, before the container
        # exists (the daemon, which never answers, would have stalled the try).
        outside.assertUnchanged(self)

    def test_db_clean_removes_a_planted_link_never_its_target(self):
        outside = self.outside()
        self.home.write_dag(dag("d", [task("a", ["true"])]))
        self.plant("d", "r1", outside.root)
        self.home.run("trigger", "d", "--run-id", "r1")
        self.make_old("r1")
        r = self.home.run("db", "clean", "--older-than", "30d")
        self.assertRc(r, 0)
        self.assertFalse(os.path.lexists(os.path.join(self.home.root, "data", "d", "r1")))
        outside.assertUnchanged(self)

    def test_db_clean_never_follows_links_inside_the_run_dir(self):
        outside = self.outside()
        script = (f"ln -s {outside.root} dir_link; ln -s {outside.root}/sub/precious file_link; "
                  f"mkdir -p deep/er; ln -s {outside.root}/sub deep/er/sub_link; echo x > deep/er/f")
        self.home.write_dag(dag("d", [task("a", ["sh", "-c", script])]))
        self.assertRc(self.home.run("trigger", "d", "--run-id", "r1"), 0)
        data = os.path.join(self.home.root, "data", "d", "r1")
        self.assertTrue(os.path.islink(os.path.join(data, "dir_link")))
        self.make_old("r1")
        r = self.home.run("db", "clean", "--older-than", "30d")
        self.assertRc(r, 0)
        self.assertFalse(os.path.lexists(data))
        outside.assertUnchanged(self)


if __name__ == "__main__":
    unittest.main()
