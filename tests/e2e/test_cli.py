"""The command line itself: usage errors, help, graph output, run ids."""
import json
import unittest

from harness import HomeTestCase, dag, task


class UsageTest(HomeTestCase):
    def test_unknown_verb_suggests_and_exits_2(self):
        r = self.home.run("trigerr", "x")
        self.assertRc(r, 2)
        self.assertIn("unknown verb 'trigerr' (did you mean 'trigger'?)", r.err)
        self.assertIn("usage: dagrun", r.err)

    def test_unknown_flag_exits_2_with_the_verb_usage(self):
        r = self.home.run("runs", "--limt", "3")
        self.assertRc(r, 2)
        self.assertIn("unknown option '--limt' (did you mean '--limit'?)", r.err)
        self.assertIn("usage: dagrun runs", r.err)

    def test_every_verb_has_help(self):
        for verb in ("list", "validate", "graph", "trigger", "runs", "tasks", "logs", "plugins"):
            r = self.home.run(verb, "--help")
            self.assertRc(r, 0)
            self.assertIn("usage: dagrun " + verb, r.out)

    def test_no_verb_is_a_usage_error(self):
        self.assertRc(self.home.run(), 2)
        self.assertRc(self.home.run("--help"), 0)

    def test_bad_values_are_usage_errors(self):
        self.home.write_dag(dag("d", [task("a", ["true"])]))
        self.assertIn("--state must be", self.home.run("runs", "--state", "done").err)
        self.assertRc(self.home.run("runs", "--state", "done"), 2)
        r = self.home.run("trigger", "d", "--conf", "[1, 2]")
        self.assertRc(r, 2)
        self.assertIn("--conf must be a JSON object", r.err)
        self.assertRc(self.home.run("trigger", "d", "--conf", "{nope"), 2)
        self.assertRc(self.home.run("tasks"), 2)

    def test_unknown_dag_is_refused_with_a_suggestion(self):
        self.home.write_dag(dag("example_etl", [task("a", ["true"])]))
        r = self.home.run("trigger", "example_elt")
        self.assertRc(r, 2)
        self.assertIn("did you mean 'example_etl'?", r.err)

    def test_a_taken_run_id_is_refused(self):
        self.home.write_dag(dag("d", [task("a", ["true"])]))
        self.assertRc(self.home.run("trigger", "d", "--run-id", "same"), 0)
        r = self.home.run("trigger", "d", "--run-id", "same")
        self.assertRc(r, 2)
        self.assertIn("already exists", r.err)
        self.assertEqual(len(self.home.query("SELECT * FROM dag_run")), 1)

    def test_run_id_is_printed(self):
        self.home.write_dag(dag("d", [task("a", ["true"])]))
        r = self.home.run("trigger", "d")
        self.assertRc(r, 0)
        run_id = self.home.only_run()["run_id"]
        self.assertTrue(run_id.startswith("manual__"))
        self.assertIn(run_id, r.out)

    def test_reading_verbs_on_an_empty_home(self):
        self.assertEqual(self.home.json("runs"), [])
        self.assertRc(self.home.run("tasks", "nope"), 1)
        self.assertRc(self.home.run("logs", "nope", "t"), 1)


class GraphTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.home.write_dag(dag("diamond", [
            task("start", ["true"]),
            task("left", ["true"], upstream=["start"]),
            task("right", ["true"], upstream=["start"]),
            task("join", ["true"], upstream=["right", "left"]),
        ]))

    def test_order_puts_upstream_first(self):
        r = self.home.run("graph", "diamond", "--order")
        self.assertRc(r, 0)
        order = r.out.split()
        self.assertEqual(sorted(order), ["join", "left", "right", "start"])
        self.assertEqual(order[0], "start")
        self.assertEqual(order[-1], "join")

    def test_dot_has_every_edge(self):
        r = self.home.run("graph", "diamond")
        self.assertRc(r, 0)
        self.assertIn("digraph", r.out)
        for a, b in (("start", "left"), ("start", "right"), ("left", "join"), ("right", "join")):
            self.assertRegex(r.out, rf'"?{a}"?\s*->\s*"?{b}"?|\d+->\d+')
        self.assertEqual(r.out.count("->"), 4)


class ListTest(HomeTestCase):
    def test_list_shows_valid_and_invalid_files(self):
        self.home.write_dag(dag("good", [task("a", ["true"])], schedule="*/10 * * * *"))
        self.home.write_dag('{"dag_id": "broken", "tasks": [{"task_id": "x", "retires": 1, "command": ["true"]}]}',
                            name="broken.json")
        r = self.home.run("list")
        self.assertRc(r, 0)
        good = next(line for line in r.out.splitlines() if line.startswith("good"))
        self.assertIn("*/10 * * * *", good)
        self.assertIn("yes", good)
        broken = next(line for line in r.out.splitlines() if "broken.json" in line)
        self.assertIn("no (1 error)", broken)


if __name__ == "__main__":
    unittest.main()
