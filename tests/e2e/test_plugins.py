"""Plugins through the real binary: each misbehaving test plugin fails only
its own task in process isolation, retries apply, XCom flows between tasks,
and discovery, listing and the ABI check work from the command line."""
import os
import subprocess
import unittest

from harness import HomeTestCase, dag, task

BUILD = os.environ.get("DAGRUN_BUILD_DIR", "")
TEST_PLUGINS = os.path.join(BUILD, "tests", "plugins")


def plugin(task_id, name, upstream=(), **keys):
    return task(task_id, plugin=name, upstream=upstream, **keys)


class MisbehavingPluginTest(HomeTestCase):
    def test_each_misbehaving_plugin_fails_only_its_own_task(self):
        self.home.write_dag(dag("zoo", [
            plugin("crash", "crash"),
            plugin("abort", "abort"),
            plugin("throw", "throw"),
            plugin("hog", "hog", memory_limit="64MiB"),
            plugin("spin", "spin", cpu_limit="1s", params={"max_seconds": 60}),
            plugin("hang", "sleep", params={"seconds": 60}, execution_timeout="500ms"),
            plugin("fine", "noop"),
            task("after", ["true"], upstream=["crash", "abort", "throw", "hog", "spin", "hang", "fine"],
                 trigger_rule="all_done"),
        ], max_active_tasks=4))
        r = self.home.run("trigger", "zoo", "--run-id", "z")
        self.assertRc(r, 0)  # the all_done leaf succeeded
        errors = {t["task_id"]: t for t in self.home.tries("z")}
        self.assertIn("SIGSEGV", errors["crash"]["error"])
        self.assertEqual(errors["crash"]["signal"], 11)
        self.assertIn("SIGABRT", errors["abort"]["error"])
        self.assertIn("thrown on purpose", errors["throw"]["error"])
        # Under ASan the host dies in ASan's allocator instead of reporting
        # bad_alloc (tests/unit/sanitizers.h); the try still fails alone.
        if "address" not in os.environ.get("DAGRUN_SANITIZE", ""):
            self.assertIn("memory limit of 64MiB exceeded", errors["hog"]["error"])
        self.assertIn("CPU limit of 1s exceeded", errors["spin"]["error"])
        self.assertIn("timed out after 500ms", errors["hang"]["error"])
        self.assertEqual(errors["fine"]["state"], "success")
        self.assertEqual(errors["after"]["state"], "success")
        for tid in ("crash", "abort", "throw", "hog", "spin", "hang"):
            self.assertEqual(errors[tid]["state"], "failed", tid)

    def test_retries_apply_to_a_crashing_plugin(self):
        self.home.write_dag(dag("crashy", [plugin("crash", "crash", retries=1, retry_delay=0)]))
        self.assertRc(self.home.run("trigger", "crashy", "--run-id", "c"), 1)
        tries = self.home.tries("c")
        self.assertEqual([t["try_number"] for t in tries], [1, 2])
        self.assertTrue(all("SIGSEGV" in t["error"] for t in tries))

    def test_a_plugin_that_succeeds_on_its_third_try(self):
        self.home.write_dag(dag("third", [
            plugin("flaky", "fail", retries=3, retry_delay="50ms", params={"succeed_on_try": 3}),
        ]))
        self.assertRc(self.home.run("trigger", "third", "--run-id", "t"), 0)
        self.assertEqual([t["state"] for t in self.home.tries("t")], ["failed", "failed", "success"])

    def test_failed_no_retry_ignores_retries(self):
        self.home.write_dag(dag("final", [
            plugin("bad", "fail", retries=3, retry_delay=0,
                   params={"no_retry": True, "message": "credentials rejected"}),
        ]))
        self.assertRc(self.home.run("trigger", "final", "--run-id", "f"), 1)
        [attempt] = self.home.tries("f")
        self.assertEqual(attempt["error"], "credentials rejected (try 1)")

    def test_a_skipping_plugin_skips_its_downstream(self):
        self.home.write_dag(dag("skippy", [
            plugin("maybe", "fail", params={"skip": True}),
            task("then", ["true"], upstream=["maybe"]),
        ]))
        self.assertRc(self.home.run("trigger", "skippy", "--run-id", "s"), 0)
        self.assertEqual(self.home.task_states("s"), {"maybe": "skipped", "then": "skipped"})


class InProcessTest(HomeTestCase):
    def test_in_process_plugins_run_and_report(self):
        self.home.write_dag(dag("inproc", [
            plugin("ok", "noop", isolation="in_process"),
            plugin("bad", "fail", isolation="in_process", params={"message": "nope"}),
        ]))
        self.assertRc(self.home.run("trigger", "inproc", "--run-id", "i"), 1)
        tries = {t["task_id"]: t for t in self.home.tries("i")}
        self.assertEqual(tries["ok"]["state"], "success")
        self.assertEqual(tries["bad"]["error"], "nope (try 1)")
        self.assertIsNone(tries["ok"]["pid"])  # ran inside the engine


class XComTest(HomeTestCase):
    def test_values_flow_between_isolated_and_in_process_plugins(self):
        self.home.write_dag(dag("xcom", [
            plugin("producer", "echo_xcom", params={"push": {"count": 42, "names": ["서울", "부산"]}}),
            plugin("relay", "echo_xcom", upstream=["producer"], isolation="in_process",
                   params={"pull": [{"task_id": "producer", "key": "count"}], "echo_as": "again",
                           "require": True}),
            plugin("consumer", "echo_xcom", upstream=["relay"],
                   params={"pull": [{"task_id": "relay", "key": "again"},
                                    {"task_id": "producer", "key": "names"}], "require": True}),
        ]))
        r = self.home.run("trigger", "xcom", "--run-id", "x")
        self.assertRc(r, 0)
        rows = self.home.query("SELECT task_id, key, value FROM xcom WHERE run_id='x' ORDER BY task_id, key")
        self.assertEqual([(x["task_id"], x["key"]) for x in rows],
                         [("producer", "count"), ("producer", "names"), ("relay", "again")])
        log = self.home.run("logs", "x", "consumer").out
        self.assertIn("pulled relay.again = 42", log)
        self.assertIn("서울", log)

    def test_a_pull_of_nothing_fails_when_required(self):
        self.home.write_dag(dag("nothing", [
            plugin("consumer", "echo_xcom", params={"pull": [{"task_id": "ghost", "key": "k"}], "require": True}),
        ]))
        self.assertRc(self.home.run("trigger", "nothing", "--run-id", "n"), 1)
        self.assertIn("nothing was pushed under ghost.k", self.home.tries("n")[0]["error"])

    def test_invalid_json_is_refused(self):
        self.home.write_dag(dag("badjson", [plugin("p", "echo_xcom", params={"push_raw": {"k": "{oops"}})]))
        self.assertRc(self.home.run("trigger", "badjson", "--run-id", "b"), 1)
        self.assertEqual(self.home.query("SELECT * FROM xcom"), [])


class LogTest(HomeTestCase):
    def test_log_lines_stdout_and_stderr_reach_the_try_log(self):
        self.home.write_dag(dag("logs", [plugin("talk", "log")]))
        self.assertRc(self.home.run("trigger", "logs", "--run-id", "l"), 0)
        log = self.home.run("logs", "l", "talk").out
        for text in ("an info line", "a warning", "an error line", "second of two lines"):
            self.assertIn(text, log)


def exported(library):
    out = subprocess.run(["nm", "-D", "--defined-only", library], check=True, capture_output=True, text=True).stdout
    return [line.split()[-1] for line in out.splitlines()]


class ExportsTest(HomeTestCase):
    def test_every_plugin_in_the_tree_exports_only_its_entry_point(self):
        # The in-tree plugins link with the package's version script
        # (cmake/plugin-exports.map): C++ ones would otherwise export the
        # std:: templates they instantiate, for in_process neighbours to bind to.
        r = self.home.run("plugins")
        self.assertRc(r, 0)
        files = [line.split()[-1] for line in r.out.splitlines()[1:] if line.strip()]
        self.assertIn("dagrun_echo_xcom.so", " ".join(files))  # a C++ plugin is among them
        for library in files + [os.path.join(TEST_PLUGINS, "dagrun_bad_abi.so")]:
            self.assertEqual(exported(library), ["dagrun_plugin_descriptor"], library)


class DiscoveryTest(HomeTestCase):
    def test_plugins_lists_name_version_description_and_file(self):
        r = self.home.run("plugins")
        self.assertRc(r, 0)
        line = next(l for l in r.out.splitlines() if l.startswith("noop "))
        self.assertIn("1.0.0", line)
        self.assertIn("succeeds at once", line)
        self.assertIn("dagrun_noop.so", line)

    def test_plugin_path_and_abi_refusal(self):
        self.assertTrue(os.path.exists(os.path.join(TEST_PLUGINS, "dagrun_bad_abi.so")), TEST_PLUGINS)
        self.home.write_dag(dag("abi", [plugin("old", "bad_abi", retries=2)]))
        # Unknown without the extra directory...
        r = self.home.run("validate")
        self.assertRc(r, 1)
        self.assertIn("unknown plugin 'bad_abi'", r.err)
        # ...found through --plugin-path and through DAGRUN_PLUGIN_PATH, then refused at load.
        r = self.home.run("--plugin-path", TEST_PLUGINS, "trigger", "abi", "--run-id", "a1")
        self.assertRc(r, 1)
        [attempt] = self.home.tries("a1")  # no retry: a rebuild is needed, not another try
        self.assertIn("was built for plugin ABI 99.0, but this dagrun speaks ABI 1.0", attempt["error"])
        r = self.home.run("trigger", "abi", "--run-id", "a2", env={"DAGRUN_PLUGIN_PATH": TEST_PLUGINS})
        self.assertRc(r, 1)
        r = self.home.run("plugins", env={"DAGRUN_PLUGIN_PATH": TEST_PLUGINS})
        self.assertIn("bad_abi", r.out)
        self.assertIn("ABI 99.0", r.out)


if __name__ == "__main__":
    unittest.main()
