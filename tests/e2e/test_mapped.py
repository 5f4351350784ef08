"""Mapped tasks through the real binary (docs/dag-format.md, "Mapped tasks"): a
task mapped over an upstream plugin's XCom list of 1,000 items runs 1,000
instances, each with its own row, try and log, named each[i], and the
downstream pulls their values as one list in order; an empty list skips the
task; an instance retries on its own; a scheduler killed with kill -9 while
instances run is replaced by another that finishes the run without running
an ended instance again; `dagrun validate` refuses wrong expand keys."""
import json
import os
import signal

from harness import HomeTestCase, dag, task, wait_for
from test_scheduler import SchedulerTestCase


def echo_xcom(task_id, params, upstream=(), **keys):
    return task(task_id, upstream=upstream, plugin="echo_xcom", params=params, isolation="in_process", **keys)


class MappedTest(HomeTestCase):
    def xcom(self, run_id, task_id, key):
        rows = self.home.query("SELECT value FROM xcom WHERE run_id = ? AND task_id = ? AND key = ?",
                               run_id, task_id, key)
        self.assertEqual(len(rows), 1, (task_id, key))
        return json.loads(rows[0]["value"])

    def test_a_thousand_instances_over_an_upstream_xcom_list(self):
        items = [{"n": i, "name": "item-%d" % i} for i in range(1000)]
        self.home.write_dag(dag("fan", [
            echo_xcom("list", {"push": {"return_value": items}}),
            echo_xcom("each", {"push": {"return_value": "{{ map_item.name }}", "index": "{{ map_index }}"}},
                      upstream=["list"], expand={"xcom": "list"}),
            echo_xcom("after", {"pull": [{"task_id": "each", "key": "return_value"}], "echo_as": "gathered",
                                "require": True}, upstream=["each"]),
        ], max_active_tasks=8))
        result, run_id = self.home.trigger_new("fan")
        self.assertRc(result, 0)
        states = self.home.task_states(run_id)
        self.assertEqual(len(states), 1003)
        self.assertEqual({states["each[%d]" % i] for i in range(1000)}, {"success"})
        self.assertEqual((states["list"], states["each"], states["after"]), ("success", "success", "success"))
        tries = self.home.tries(run_id)
        per_task = {}
        for t in tries:
            per_task.setdefault(t["task_id"], []).append(t)
        self.assertNotIn("each", per_task)  # the mapped task itself runs no try
        self.assertEqual(len([k for k in per_task if k.startswith("each[")]), 1000)
        self.assertTrue(all(len(v) == 1 for v in per_task.values()))
        self.assertEqual(self.xcom(run_id, "each[417]", "index"), "417")
        self.assertEqual(self.xcom(run_id, "after", "gathered"), ["item-%d" % i for i in range(1000)])

    def test_an_empty_list_skips_the_task_and_all_done_still_runs(self):
        self.home.write_dag(dag("empty", [
            echo_xcom("list", {"push": {"return_value": []}}),
            echo_xcom("each", {"push": {"v": "{{ map_item }}"}}, upstream=["list"], expand={"xcom": "list"}),
            echo_xcom("skipped", {}, upstream=["each"]),
            echo_xcom("cleanup", {"pull": [{"task_id": "each", "key": "v"}], "echo_as": "seen"}, upstream=["each"],
                      trigger_rule="all_done"),
        ]))
        result, run_id = self.home.trigger_new("empty")
        self.assertRc(result, 0)
        states = self.home.task_states(run_id)
        self.assertEqual(states, {"list": "success", "each": "skipped", "skipped": "skipped", "cleanup": "success"})
        self.assertEqual(self.xcom(run_id, "cleanup", "seen"), [])

    def test_an_instance_retries_on_its_own_and_its_failure_fails_the_run(self):
        self.home.write_dag(dag("flaky", [
            task("each", ["sh", "-c", 'echo "item $DAGRUN_MAP_INDEX=$DAGRUN_MAP_ITEM"; test "$DAGRUN_MAP_ITEM" != bad'],
                 expand=["good", "bad", {"a": [1]}], retries=1, retry_delay="0s"),
            task("after", ["true"], upstream=["each"]),
        ]))
        result, run_id = self.home.trigger_new("flaky")
        self.assertRc(result, 1)
        states = self.home.task_states(run_id)
        self.assertEqual(states, {"each": "failed", "after": "upstream_failed", "each[0]": "success",
                                  "each[1]": "failed", "each[2]": "success"})
        counts = {}
        for t in self.home.tries(run_id):
            counts[t["task_id"]] = counts.get(t["task_id"], 0) + 1
        self.assertEqual(counts, {"each[0]": 1, "each[1]": 2, "each[2]": 1})
        logs = self.home.run("logs", run_id, "each[2]")
        self.assertRc(logs, 0)
        self.assertIn('item 2={"a":[1]}', logs.out)
        self.assertIn("task 'each[1]' failed", self.home.only_run()["reason"])

    def test_wrong_expand_keys_are_refused_with_their_place(self):
        self.home.write_dag(dag("bad", [
            task("up", ["true"]),
            task("a", ["true"], expand={"xcom": "up"}),
            task("b", ["echo", "{{ map_item }}"]),
            task("c", ["true"], expand=7),
        ]))
        r = self.home.run("validate")
        self.assertRc(r, 1)
        self.assertIn("task 'a': expand.xcom 'up' is not one of the task's upstream tasks", r.err)
        self.assertIn("task 'b': template 'map_item' is for a mapped task's instances", r.err)
        self.assertIn("task 'c': expand must be a list of items", r.err)


class MappedResumeTest(SchedulerTestCase):
    def test_a_kill_9_while_instances_run_and_another_scheduler_finishes_the_run(self):
        self.home.write_dag(dag("slow", [
            task("each", ["sh", "-c", "sleep 0.4; echo done $DAGRUN_MAP_INDEX"], expand=list(range(20)), retries=2,
                 retry_delay="0s"),
            task("after", ["true"], upstream=["each"]),
        ], max_active_tasks=3))
        self.assertRc(self.home.run("trigger", "slow", "--queue", "--run-id", "m1"), 0)
        s = self.scheduler()
        wait_for(lambda: len(self.home.poll("SELECT * FROM task_instance WHERE run_id = 'm1' AND task_id LIKE "
                                            "'each[%' AND state = 'success'")) >= 4, timeout=60,
                 what="some instances to succeed")
        s.proc.send_signal(signal.SIGKILL)
        s.proc.communicate(timeout=30)
        ended_before = {r["task_id"] for r in self.home.query(
            "SELECT task_id FROM task_instance WHERE run_id = 'm1' AND state = 'success'")}
        self.scheduler()
        wait_for(lambda: self.home.poll("SELECT * FROM dag_run WHERE run_id = 'm1' AND state = 'success'"),
                 timeout=120, what="the run to finish under the second scheduler")
        states = self.home.task_states("m1")
        self.assertEqual({states["each[%d]" % i] for i in range(20)}, {"success"})
        self.assertEqual((states["each"], states["after"]), ("success", "success"))
        tries = self.home.tries("m1")
        for task_id in ended_before:
            self.assertEqual(len([t for t in tries if t["task_id"] == task_id]), 1, task_id)
        # Every try that the kill interrupted is in the history, charged.
        died = [t for t in tries if "engine died" in (t["error"] or "")]
        self.assertTrue(all(t["state"] == "failed" for t in died))
        successes = [t for t in tries if t["state"] == "success" and t["task_id"].startswith("each[")]
        self.assertEqual(len(successes), 20)
