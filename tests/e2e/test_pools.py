"""Pools and priorities through the real binary (docs/pools.md): a pool of 2
shared by 3 DAGs, run by a scheduler and a foreground trigger at once, never
has more than 2 tries running (measured from the tries' recorded times); the
waiting try of the highest priority_weight goes first; an engine killed with
kill -9 while holding a slot does not keep it; `dagrun pools` shows the use,
and wrong declarations are refused with their place."""
import datetime
import json
import os
import signal

from harness import HomeTestCase, dag, task, wait_for
from test_scheduler import Scheduler


def when(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class PoolTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.communicate(timeout=30)
        super().tearDown()

    def pools(self, *pools):
        with open(os.path.join(self.home.root, "dagrun.json"), "w", encoding="utf-8") as f:
            json.dump({"pools": [{"name": n, "slots": s} for n, s in pools]}, f)

    def most_at_once(self, run_ids):
        edges = []
        for run_id in run_ids:
            for t in self.home.tries(run_id):
                self.assertIsNotNone(t["end_date"], t)
                edges += [(when(t["start_date"]), 1), (when(t["end_date"]), -1)]
        edges.sort(key=lambda e: (e[0], e[1]))  # an end before a start at the same instant
        now = most = 0
        for _, delta in edges:
            now += delta
            most = max(most, now)
        return most

    def slots(self, state):
        return self.home.poll("SELECT * FROM pool_slot WHERE state = ?", state)

    def test_a_pool_of_2_shared_by_3_dags_and_two_engines_never_runs_more_than_2(self):
        self.pools(("shared", 2))
        for d in ("a", "b", "c"):
            self.home.write_dag(dag(d, [task("t%d" % i, ["sleep", "0.3"], pool="shared") for i in range(4)],
                                    max_active_tasks=4))
        for d in ("a", "b"):
            self.assertRc(self.home.run("trigger", d, "--queue", "--run-id", d + "1"), 0)
        s = Scheduler(self.home)
        self.procs.append(s.proc)
        wait_for(lambda: self.slots("running"), timeout=60, what="the scheduler's tries holding slots")
        # A foreground trigger is a second engine on the same history.
        trigger = self.home.run("trigger", "c", "--run-id", "c1", timeout=120)
        self.assertRc(trigger, 0)
        use = self.home.json("pools")
        self.assertEqual(use[0]["name"], "shared")
        self.assertEqual(use[0]["slots"], 2)
        self.assertLessEqual(use[0]["used"], 2)
        wait_for(lambda: len(self.home.poll("SELECT * FROM dag_run WHERE state = 'success'")) == 3, timeout=120,
                 what="the three runs")
        self.assertEqual(self.most_at_once(["a1", "b1", "c1"]), 2)
        self.assertEqual(self.home.query("SELECT * FROM pool_slot"), [])
        rc, _, _ = s.stop()
        self.assertEqual(rc, 0)

    def test_the_waiting_try_of_the_highest_priority_weight_goes_first(self):
        self.pools(("one", 1))
        release = os.path.join(self.home.root, "release")
        self.home.write_dag(dag("hold", [task("h", ["sh", "-c", "while [ ! -e %s ]; do sleep 0.05; done" % release],
                                              pool="one")]))
        self.home.write_dag(dag("line", [task(n, ["true"], pool="one", priority_weight=w)
                                         for n, w in (("low", 1), ("high", 10), ("mid", 5))], max_active_tasks=3))
        hold = self.home.start("trigger", "hold", "--run-id", "hold1")
        self.procs.append(hold)
        wait_for(lambda: self.slots("running"), timeout=60, what="the holder")
        line = self.home.start("trigger", "line", "--run-id", "line1")
        self.procs.append(line)
        wait_for(lambda: len(self.slots("waiting")) == 3, timeout=60, what="three tries in line")
        verbose = self.home.run("pools", "--verbose")
        self.assertRc(verbose, 0)
        self.assertIn("waiting  line    line1   high", verbose.out)
        open(release, "w").close()
        self.assertEqual(hold.wait(timeout=60), 0)
        self.assertEqual(line.wait(timeout=60), 0)
        started = {t["task_id"]: when(t["start_date"]) for t in self.home.tries("line1")}
        self.assertLess(started["high"], started["mid"])
        self.assertLess(started["mid"], started["low"])

    def test_an_engine_killed_while_holding_a_slot_does_not_keep_it(self):
        self.pools(("one", 1))
        self.home.write_dag(dag("hold", [task("h", ["sleep", "300"], pool="one")]))
        self.home.write_dag(dag("next", [task("n", ["true"], pool="one")]))
        hold = self.home.start("trigger", "hold", "--run-id", "hold1")
        self.procs.append(hold)
        wait_for(lambda: self.slots("running"), timeout=60, what="the holder")
        hold.send_signal(signal.SIGKILL)
        hold.wait(timeout=30)
        result = self.home.run("trigger", "next", "--run-id", "next1", timeout=60)
        self.assertRc(result, 0)
        self.assertEqual(self.home.task_states("next1"), {"n": "success"})

    def test_pools_are_listed_and_wrong_declarations_are_refused_where_they_stand(self):
        self.assertIn("no pools", self.home.run("pools").out)
        self.pools(("api", 2), ("db", 0))
        out = self.home.run("pools")
        self.assertRc(out, 0)
        self.assertRegex(out.out, r"api\s+2\s+0\s+2\s+0")
        self.assertRegex(out.out, r"db\s+0\s+0\s+0\s+0")
        self.home.write_dag(dag("d", [task("t", ["true"], pool="apj")]))
        bad = self.home.run("validate")
        self.assertRc(bad, 1)
        self.assertIn("unknown pool 'apj' (did you mean 'api'?)", bad.err + bad.out)
        with open(os.path.join(self.home.root, "dagrun.json"), "w", encoding="utf-8") as f:
            f.write('{"pools": [{"name": "api", "slots": -1}]}')
        refused = self.home.run("pools")
        self.assertRc(refused, 1)
        self.assertIn("dagrun.json:1:37: error: config: slots must be a whole number from 0 to 100000, got -1",
                      refused.err)
