"""Validation from the command line: every class of error in tests/data/bad
(each next to a .errors file with the exact expected diagnostics), all errors
at once, and a rejected DAG recording nothing."""
import glob
import os
import re
import shutil
import unittest

from harness import TEST_DATA, HomeTestCase, dag, task

BAD = os.path.join(TEST_DATA, "bad")


def normalise(line):
    # The unit tests load with a fixed plugin list; the binary sees the build's plugins.
    return re.sub(r"; known plugins: .*$", "; known plugins: ...", line)


class BadFileTest(HomeTestCase):
    def test_every_bad_file_gives_its_exact_diagnostics(self):
        files = sorted(glob.glob(os.path.join(BAD, "*.json")))
        self.assertGreaterEqual(len(files), 20)
        for path in files:
            with self.subTest(file=os.path.basename(path)):
                expected_path = path[:-len(".json")] + ".errors"
                with open(expected_path, encoding="utf-8") as f:
                    expected = [normalise(l) for l in f.read().splitlines() if l]
                # Run from the data folder so the file label matches the .errors files.
                r = self.home.run("validate", os.path.basename(path), cwd=BAD)
                self.assertRc(r, 1)
                lines = [normalise(l) for l in r.err.splitlines() if l and " error: " in l]
                self.assertEqual(lines, expected)

    def test_all_errors_are_reported_at_once(self):
        r = self.home.run("validate", "many_errors.json", cwd=BAD)
        self.assertRc(r, 1)
        self.assertGreaterEqual(r.err.count(" error: "), 15)
        self.assertIn("unknown key 'retires' (did you mean 'retries'?)", r.err)
        self.assertIn("dependency cycle: transform -> load -> transform", r.err)

    def test_unknown_plugin_lists_the_installed_ones(self):
        self.home.write_dag(dag("p", [task("t", plugin="nooop")]))
        r = self.home.run("validate")
        self.assertRc(r, 1)
        self.assertRegex(r.err, r"p\.json:\d+:\d+: error: task 't': unknown plugin 'nooop' "
                                r"\(did you mean 'noop'\?\); known plugins: .*noop.*sleep")


class RejectedDagTest(HomeTestCase):
    def test_an_invalid_dag_never_runs_and_records_nothing(self):
        shutil.copy(os.path.join(BAD, "unknown_upstream.json"), self.home.dags)
        dag_id = "unknown_upstream"
        with open(os.path.join(BAD, "unknown_upstream.json")) as f:
            m = re.search(r'"dag_id"\s*:\s*"([^"]+)"', f.read())
            dag_id = m.group(1)
        r = self.home.run("trigger", dag_id)
        self.assertRc(r, 2)
        self.assertIn("unknown upstream", r.err)
        self.assertFalse(os.path.exists(os.path.join(self.home.root, "logs")))
        if os.path.exists(self.home.db_path):
            self.assertEqual(self.home.query("SELECT * FROM dag_run"), [])

    def test_one_bad_file_does_not_stop_the_others(self):
        self.home.write_dag(dag("good", [task("a", ["true"])]))
        shutil.copy(os.path.join(BAD, "cycle.json"), self.home.dags)
        r = self.home.run("validate")
        self.assertRc(r, 1)
        self.assertIn("good.json: ok", r.out)
        self.assertIn("cycle.json:", r.err)
        self.assertIn("1 of 2 files invalid", r.err)
        self.assertRc(self.home.run("trigger", "good"), 0)

    def test_a_container_task_with_errors_never_runs(self):
        self.home.write_dag(dag("boxed", [task("t", container={"image": "busybox", "comand": "true"})]))
        r = self.home.run("trigger", "boxed")
        self.assertRc(r, 2)
        self.assertIn("unknown container key 'comand' (did you mean 'command'?)", r.err)


class HostileFileTest(HomeTestCase):
    """Files built to crash or stall the loader: each is refused quickly with a
    position, and the good DAG beside it still loads and runs."""

    def test_pathological_files_are_refused_and_the_good_one_runs(self):
        self.home.write_dag(dag("good", [task("a", ["true"])]))
        # Nesting far past any stack if something recursed over it.
        self.home.write_dag('{"dag_id": "deep", "params": ' + "[" * 200000 + "]" * 200000 +
                            ', "tasks": [{"task_id": "a", "command": ["true"]}]}', name="deep.json")
        # One line, 100,000 tasks, an unknown key in each: once 47 s.
        tasks = ",".join('{"task_id": "t%d", "command": ["true"], "colour": 1}' % i for i in range(100000))
        self.home.write_dag('{"dag_id": "wide", "tasks": [' + tasks + "]}", name="wide.json")
        # A valid file followed by a NUL and anything at all.
        self.home.write_dag('{"dag_id": "tail", "tasks": [{"task_id": "a", "command": ["true"]}]}\0{"x": 1}',
                            name="tail.json")
        r = self.home.run("validate")
        self.assertRc(r, 1)
        self.assertIn("good.json: ok", r.out)
        self.assertIn("deep.json:1:", r.err)
        self.assertIn("nesting is deeper than 64 levels", r.err)
        self.assertIn("tail.json:1:69: error: invalid JSON: NUL byte in the file", r.err)
        self.assertIn("wide.json:1:69: error: task 't0': unknown key 'colour'", r.err)
        self.assertIn("wide.json: error: 99900 more errors not shown (the first 100 are)", r.err)
        self.assertEqual(r.err.count("wide.json:"), 101)
        self.assertIn("3 of 4 files invalid", r.err)
        self.assertRc(self.home.run("trigger", "good"), 0)

    def test_a_file_over_the_size_limit_is_not_read(self):
        path = os.path.join(self.home.dags, "huge.json")
        with open(path, "wb") as f:
            f.truncate(64 * 1024 * 1024 + 1)  # sparse: costs no disk
        r = self.home.run("validate")
        self.assertRc(r, 1)
        self.assertIn("huge.json: error: cannot read file: file is larger than 64 MiB (67108865 bytes)", r.err)

    def test_a_nul_never_reaches_a_command(self):
        marker = os.path.join(self.home.root, "ran")
        self.home.write_dag({"dag_id": "nul", "tasks": [
            {"task_id": "a", "command": ["touch", marker + "\u0000.ignored"]}]})
        r = self.home.run("trigger", "nul")
        self.assertRc(r, 2)
        self.assertIn("string contains a NUL character (\\u0000)", r.err)
        self.assertFalse(os.path.exists(marker))


if __name__ == "__main__":
    unittest.main()
