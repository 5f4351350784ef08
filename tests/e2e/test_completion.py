"""Bash completion through the real binary and a real bash: `dagrun
completion bash` sourced, then _dagrun called as bash calls it on TAB. Verbs,
a verb's flags, DAG ids and run ids of the home the command line names,
literal sub-words, files for FILE values and positions; every verb of
`dagrun --help` is offered; `--ids` lists a home's DAG and run ids; what the
build writes into share/ is the same script."""
import os
import re
import subprocess

from harness import DAGRUN, HomeTestCase, dag, task


class CompletionTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.home.write_dag(dag("etl", [task("t", ["true"])], schedule="@daily"))
        self.home.write_dag(dag("news_bot", [task("t", ["true"])]))
        self.assertRc(self.home.run("trigger", "etl", "--run-id", "run_one"), 0)
        r = self.home.run("completion", "bash")
        self.assertRc(r, 0)
        self.script = os.path.join(self.home.root, "dagrun.bash")
        with open(self.script, "w") as f:
            f.write(r.out)

    def complete(self, *words):
        """What bash offers for the command line words (the last being typed)."""
        program = (
            'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=();'
            ' _dagrun; printf "%s\\n" "${COMPREPLY[@]}"')
        env = dict(os.environ, PATH=os.path.dirname(DAGRUN) + os.pathsep + os.environ.get("PATH", ""))
        env.pop("DAGRUN_HOME", None)
        r = subprocess.run(["bash", "-c", program, "bash", self.script, *words], capture_output=True, text=True,
                           env=env, cwd=self.home.root, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return sorted(line for line in r.stdout.splitlines() if line)

    def test_verbs_flags_and_ids(self):
        home = ["dagrun", "--home", self.home.root]
        self.assertEqual(self.complete("dagrun", "tr"), ["trigger"])
        self.assertEqual(self.complete("dagrun", "ca"), ["callbacks", "cancel"])
        self.assertEqual(self.complete("dagrun", "can"), ["cancel"])
        self.assertEqual(self.complete(*home, "trigger", ""), ["etl", "news_bot"])
        self.assertEqual(self.complete(*home, "backfill", "e"), ["etl"])
        self.assertEqual(self.complete("dagrun", "--home=" + self.home.root, "tasks", ""), ["run_one"])
        self.assertEqual(self.complete(*home, "callbacks", ""), ["run_one"])
        self.assertEqual(self.complete(*home, "logs", "run_one", ""), [])  # a task id is typed
        self.assertIn("--run-id", self.complete("dagrun", "trigger", "--"))
        self.assertIn("--home", self.complete("dagrun", "trigger", "--"))
        self.assertEqual(self.complete("dagrun", "backfill", "--re"), ["--reprocess"])
        self.assertEqual(self.complete("dagrun", "db", ""), ["clean"])
        self.assertEqual(self.complete("dagrun", "completion", ""), ["bash"])
        # A flag's value: nothing for a number, files for FILE, directories for DIR.
        self.assertEqual(self.complete(*home, "backfill", "--from", ""), [])
        self.assertEqual(self.complete("dagrun", "serve", "--auth", "dagrun.b"), ["dagrun.bash"])
        os.makedirs(os.path.join(self.home.root, "zdir"))
        open(os.path.join(self.home.root, "zfile"), "w").close()
        self.assertEqual(self.complete("dagrun", "--home", "z"), ["zdir"])  # directories only
        self.assertEqual(self.complete("dagrun", "--db", "z"), ["zdir", "zfile"])
        # After a flag's value, the positional count is right again.
        self.assertEqual(self.complete(*home, "runs", "--limit", "5", ""), ["etl", "news_bot"])
        self.assertEqual(self.complete("dagrun", "validate", "dags/e"), ["dags/etl.json"])

    def test_every_verb_of_the_help_is_offered(self):
        help_text = self.home.run("--help").out
        listed = set(re.findall(r"^  ([a-z][a-z-]+)\s", help_text, re.M))
        self.assertIn("trigger", listed)
        self.assertEqual(listed - set(self.complete("dagrun", "")), set())

    def test_ids_of_a_home(self):
        r = self.home.run("completion", "--ids", "dags")
        self.assertRc(r, 0)
        self.assertEqual(sorted(r.out.split()), ["etl", "news_bot"])
        self.assertEqual(self.home.run("completion", "--ids", "runs").out.split(), ["run_one"])
        r = self.home.run("completion", "--ids", "tasks")
        self.assertRc(r, 2)
        self.assertIn("--ids is dags or runs", r.err)
        self.assertRc(self.home.run("completion", "zsh"), 2)

    def test_the_build_writes_the_same_script(self):
        built = os.path.join(os.environ["DAGRUN_BUILD_DIR"], "share", "bash-completion", "completions", "dagrun")
        with open(built) as f, open(self.script) as g:
            self.assertEqual(f.read(), g.read())
