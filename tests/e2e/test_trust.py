"""dag_authors in HOME/dagrun.json through the real binary. In an untrusted home
every way a DAG file could run its author's code as the engine's user (a command
task, an in_process plugin, a plugin found through --plugin-path or
DAGRUN_PLUGIN_PATH, loader variables in env, a data_dir outside the DAG's data
directory) fails `validate` (exit 1) and `trigger` (exit 2) with the position,
the task and the field, and nothing is recorded as run; an isolated plugin from
the installed or an operator-trusted directory runs; `dagrun scheduler` loads
DAGs the same way; an invalid dag_authors stops every DAG from loading; the news
plugins keep NEWS_DATA_DIR inside the DAG's data directory (DAGRUN_PARAM_ROOT),
whichever param or env file sets it."""
import datetime
import json
import os
import shutil
import signal
import tempfile
import time
import unittest

from harness import HomeTestCase, wait_for

PLUGIN_DIR = os.environ.get("DAGRUN_PLUGIN_DIR", "")
WHY = '; dag_authors is "untrusted" in HOME/dagrun.json'


def position(text, needle):
    """Line and column (1-based) of the first occurrence of needle in text."""
    at = text.index(needle)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


class TrustTestCase(HomeTestCase):
    def setUp(self):
        super().setUp()
        # A plugin directory the caller names, with a copy of a real plugin.
        self.extra = tempfile.mkdtemp(prefix="dagrun-extra-plugins-")
        shutil.copy(os.path.join(PLUGIN_DIR, "dagrun_noop.so"), os.path.join(self.extra, "dagrun_extra.so"))

    def tearDown(self):
        shutil.rmtree(self.extra, ignore_errors=True)
        super().tearDown()

    def configure(self, config):
        with open(os.path.join(self.home.root, "dagrun.json"), "w", encoding="utf-8") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))

    def shown(self, text):
        return text.replace(os.path.realpath(self.home.root), "HOME").replace(self.home.root, "HOME")

    def write(self, dag_id, tasks_text):
        """A DAG file whose tasks are given as JSON text, one task a line, for exact positions."""
        text = '{"dag_id": "%s",\n "tasks": [\n%s]}\n' % (dag_id, ",\n".join(tasks_text))
        return self.home.write_dag(text, dag_id + ".json"), text

    def runs(self):
        if not os.path.exists(self.home.db_path):
            return []
        return self.home.query("SELECT run_id FROM dag_run")

    def assertRefused(self, dag_id, text, needle, task_id, message, *flags, env=None):
        """validate and trigger both refuse the DAG with exactly this diagnostic."""
        line, col = position(text, needle)
        expected = f"HOME/dags/{dag_id}.json:{line}:{col}: error: task '{task_id}': {message}{WHY}\n"
        v = self.home.run(*flags, "validate", env=env)
        self.assertRc(v, 1)
        self.assertIn(expected, self.shown(v.err))
        t = self.home.run(*flags, "trigger", dag_id, env=env)
        self.assertRc(t, 2)
        self.assertIn(expected, self.shown(t.err))
        self.assertEqual(self.runs(), [])


class UntrustedRefusalTest(TrustTestCase):
    def setUp(self):
        super().setUp()
        self.configure({"dag_authors": "untrusted"})

    def test_a_command_task_is_refused(self):
        _, text = self.write("cmd", ['  {"task_id": "a", "command": ["touch", "ran"]}'])
        self.assertRefused("cmd", text, '["touch"', "a",
                           "command tasks are refused: a command runs as the engine's user")
        self.assertFalse(os.path.exists(os.path.join(self.home.root, "ran")))

    def test_an_in_process_plugin_is_refused_even_through_default_args(self):
        _, text = self.write("inproc", ['  {"task_id": "a", "plugin": "noop", "isolation": "in_process"}'])
        self.assertRefused("inproc", text, '"in_process"', "a",
                           "isolation 'in_process' is refused: the plugin would run inside the engine, without limits")
        os.remove(os.path.join(self.home.dags, "inproc.json"))
        text = ('{"dag_id": "inherit", "default_args": {"isolation": "in_process"},\n'
                ' "tasks": [{"task_id": "b", "plugin": "noop"}]}\n')
        self.home.write_dag(text, "inherit.json")
        self.assertRefused("inherit", text, '"in_process"', "b",
                           "isolation 'in_process' is refused: the plugin would run inside the engine, without limits")

    def test_a_plugin_from_the_plugin_path_flag_or_variable_is_refused(self):
        # dagrun_extra.so is noop under another name: loading it would fail on the name,
        # so the refusal also shows that an untrusted file is never loaded at all.
        _, text = self.write("extra", ['  {"task_id": "a", "plugin": "extra"}'])
        where = os.path.join(os.path.realpath(self.extra), "dagrun_extra.so")
        message = (f"plugin 'extra' would be loaded from {where}, outside the trusted plugin directories "
                   f"({os.path.realpath(PLUGIN_DIR)})")
        self.assertRefused("extra", text, '"extra"}', "a", message, "--plugin-path", self.extra)
        self.assertRefused("extra", text, '"extra"}', "a", message, env={"DAGRUN_PLUGIN_PATH": self.extra})

    def test_a_flag_directory_cannot_shadow_a_trusted_plugin(self):
        shutil.copy(os.path.join(PLUGIN_DIR, "dagrun_noop.so"), os.path.join(self.extra, "dagrun_log.so"))
        _, text = self.write("shadow", ['  {"task_id": "a", "plugin": "log"}'])
        where = os.path.join(os.path.realpath(self.extra), "dagrun_log.so")
        self.assertRefused("shadow", text, '"log"', "a",
                           f"plugin 'log' would be loaded from {where}, outside the trusted plugin directories "
                           f"({os.path.realpath(PLUGIN_DIR)})", "--plugin-path", self.extra)

    def test_loader_variables_and_paths_outside_the_dag_are_refused(self):
        _, text = self.write("env", ['  {"task_id": "a", "plugin": "noop", "env": {"LD_PRELOAD": "/tmp/x.so"}}'])
        self.assertRefused("env", text, '"/tmp/x.so"', "a",
                           "env 'LD_PRELOAD' is refused: it changes what code or files the task host loads as "
                           "the engine's user")
        os.remove(os.path.join(self.home.dags, "env.json"))
        _, text = self.write("paths", ['  {"task_id": "a", "plugin": "noop", "params": {"data_dir": "."}}'])
        self.assertRefused("paths", text, '"."', "a",
                           "params.data_dir '.' (HOME) is outside the DAG's data directory (HOME/data/paths), and "
                           "a plugin uses it as the engine's user")


class UntrustedAllowedTest(TrustTestCase):
    def test_an_isolated_plugin_from_the_installed_directory_runs(self):
        self.configure({"dag_authors": "untrusted"})
        self.write("iso", ['  {"task_id": "a", "plugin": "noop", "params": {"data_dir": "data/iso/cache"}}'])
        v = self.home.run("validate")
        self.assertRc(v, 0)
        t = self.home.run("trigger", "iso", "--run-id", "r1")
        self.assertRc(t, 0)
        self.assertEqual(self.home.task_states("r1"), {"a": "success"})

    def test_a_plugin_from_an_operator_trusted_directory_runs(self):
        vetted = os.path.join(self.home.root, "vetted-plugins")
        os.makedirs(vetted)
        shutil.copy(os.path.join(PLUGIN_DIR, "dagrun_noop.so"), vetted)
        self.configure({"dag_authors": "untrusted", "trusted_plugin_dirs": ["vetted-plugins"]})
        # The operator's directory is searched before the installed one.
        listing = self.home.run("plugins")
        self.assertRc(listing, 0)
        noop = [line for line in listing.out.splitlines() if line.startswith("noop ")]
        self.assertEqual(len(noop), 1, listing.out)
        self.assertIn(os.path.join(vetted, "dagrun_noop.so"), noop[0])
        self.write("vetted", ['  {"task_id": "a", "plugin": "noop"}'])
        t = self.home.run("trigger", "vetted", "--run-id", "r1")
        self.assertRc(t, 0)
        self.assertEqual(self.home.task_states("r1"), {"a": "success"})

    def test_trusted_mode_runs_commands_as_before(self):
        self.configure({"dag_authors": "trusted"})
        self.write("cmd", ['  {"task_id": "a", "command": ["touch", "ran"]}'])
        t = self.home.run("trigger", "cmd", "--run-id", "r1")
        self.assertRc(t, 0)
        self.assertEqual(self.home.task_states("r1"), {"a": "success"})


class ParamRootTest(TrustTestCase):
    """The engine checks params.data_dir, but the news plugins also take NEWS_DATA_DIR
    from params.config and from the env file the DAG names, which may be a file the
    DAG author wrote into the DAGs folder. In untrusted mode the engine gives each
    plugin try DAGRUN_PARAM_ROOT, and the bot keeps its files only inside it.
    cleanup is the stage that uses NEWS_DATA_DIR without the network."""

    def setUp(self):
        super().setUp()
        self.configure({"dag_authors": "untrusted"})
        self.outside = tempfile.mkdtemp(prefix="dagrun-outside-")
        self.addCleanup(shutil.rmtree, self.outside, True)

    def plant_old_csv(self, directory):
        """A CSV cleanup would delete (dated 2020, past any retention) in directory."""
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, "news_20200101.csv")
        with open(path, "w") as f:
            f.write("x")
        return path

    def write_bot(self, env_text, params):
        with open(os.path.join(self.home.dags, "bot.env"), "w") as f:
            f.write(env_text)
        self.write("bot", ['  {"task_id": "cleanup", "plugin": "cleanup", "params": %s}' % json.dumps(params)])

    def test_news_data_dir_outside_the_dags_data_directory_is_refused(self):
        cases = (
            # The env file in the DAGs folder points at the home itself.
            ("env file", f"NEWS_DATA_DIR={self.home.root}\n", {"env_file": "dags/bot.env"}, self.home.root,
             "(from HOME/dags/bot.env)"),
            ("params.config", "", {"env_file": "dags/bot.env", "config": {"NEWS_DATA_DIR": self.outside}},
             self.outside, "(from params.config)"),
        )
        for n, (source, env_text, params, target, named) in enumerate(cases):
            with self.subTest(source=source):
                old = self.plant_old_csv(target)
                self.write_bot(env_text, params)
                self.assertRc(self.home.run("validate"), 0)  # the engine cannot see it: only the plugin can
                run_id = f"r{n}"
                self.assertRc(self.home.run("trigger", "bot", "--run-id", run_id), 1)
                self.assertEqual(self.home.task_states(run_id), {"cleanup": "failed"})
                [attempt] = self.home.tries(run_id)  # a configuration error: no retry
                shown_target = self.shown(target)
                self.assertIn(f"cleanup: NEWS_DATA_DIR '{shown_target}' {named} is outside the DAG's data "
                              "directory HOME/data/bot (DAGRUN_PARAM_ROOT); in untrusted mode the bot keeps its "
                              "files only there", self.shown(attempt["error"]))
                self.assertTrue(os.path.exists(old))
                self.assertEqual(sorted(os.listdir(target)) if target == self.outside else
                                 [f for f in os.listdir(target) if f.startswith((".news", "seen", "news_"))],
                                 ["news_20200101.csv"])

    def test_news_data_dir_inside_the_dags_data_directory_is_used(self):
        news_dir = os.path.join(self.home.root, "data", "bot", "news")
        old = self.plant_old_csv(news_dir)
        self.write_bot("NEWS_DATA_DIR=data/bot/news\n", {"env_file": "dags/bot.env"})
        self.assertRc(self.home.run("trigger", "bot", "--run-id", "r1"), 0)
        self.assertEqual(self.home.task_states("r1"), {"cleanup": "success"})
        self.assertFalse(os.path.exists(old))
        self.assertIn(".news.lock", os.listdir(news_dir))

    def test_trusted_mode_keeps_the_bots_files_wherever_it_is_told(self):
        self.configure({"dag_authors": "trusted"})
        old = self.plant_old_csv(self.outside)
        self.write_bot(f"NEWS_DATA_DIR={self.outside}\n", {"env_file": "dags/bot.env"})
        self.assertRc(self.home.run("trigger", "bot", "--run-id", "r1"), 0)
        self.assertFalse(os.path.exists(old))


class InvalidSettingTest(TrustTestCase):
    def test_an_invalid_dag_authors_stops_every_dag(self):
        self.configure('{"dag_authors": "nobody"}')
        self.write("fine", ['  {"task_id": "a", "plugin": "noop"}'])
        expected = ('dagrun.json:1:17: error: config: invalid dag_authors \'nobody\': must be "trusted" or '
                    '"untrusted"')
        for verb, rc in (("validate", 1), ("list", 1), ("trigger", 2)):
            args = (verb, "fine") if verb == "trigger" else (verb,)
            r = self.home.run(*args)
            self.assertRc(r, rc)
            self.assertIn(expected, r.err)
            self.assertIn("no DAG is loaded until it is fixed", r.err)
        self.assertEqual(self.runs(), [])


class SchedulerTrustTest(TrustTestCase):
    def test_the_scheduler_refuses_what_validate_refuses(self):
        self.configure({"dag_authors": "untrusted"})
        start = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).strftime(
            "%Y-%m-%dT00:00:00Z")
        texts = {}
        for dag_id, body in (("cmd", '"command": ["touch", "ran"]'), ("iso", '"plugin": "noop"')):
            texts[dag_id] = ('{"dag_id": "%s", "schedule": "@daily", "start_date": "%s",\n'
                             ' "tasks": [{"task_id": "a", %s}]}\n' % (dag_id, start, body))
            self.home.write_dag(texts[dag_id], dag_id + ".json")
        proc = self.home.start("scheduler")
        try:
            wait_for(lambda: self.home.poll("SELECT * FROM dag_run WHERE dag_id = 'iso' AND state = 'success'"),
                     timeout=60, what="a successful run of the isolated plugin DAG")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, out + err)
        line, col = position(texts["cmd"], '["touch"')
        self.assertIn(f"HOME/dags/cmd.json:{line}:{col}: error: task 'a': command tasks are refused", self.shown(err))
        self.assertEqual(self.home.query("SELECT * FROM dag_run WHERE dag_id = 'cmd'"), [])
        self.assertFalse(os.path.exists(os.path.join(self.home.root, "ran")))


if __name__ == "__main__":
    unittest.main()
