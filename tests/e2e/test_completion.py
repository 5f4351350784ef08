"""Bash completion through the real binary and a real bash: `dagrun
completion bash` sourced, then _dagrun called as bash calls it on TAB. Verbs,
a verb's flags, DAG ids and run ids of the home the command line names,
literal sub-words, files for FILE values and positions; every verb of
`dagrun --help` is offered; `--ids` lists a home's DAG and run ids; what the
build writes into share/ is the same script.

zsh completion through a real interactive zsh on a pseudo-terminal
(ZshCompletionTest): `dagrun completion zsh` found on $fpath (or sourced),
TAB pressed after a command line, and what _dagrun handed to compadd
recorded: the same words as bash, with each verb's and flag's help."""
import fcntl
import os
import re
import select
import shlex
import shutil
import struct
import subprocess
import tempfile
import termios
import time

from harness import DAGRUN, HomeTestCase, dag, task


class HomeWithRun(HomeTestCase):
    """A home with two DAGs, etl and news_bot, and one run of etl: run_one."""

    def setUp(self):
        super().setUp()
        self.home.write_dag(dag("etl", [task("t", ["true"])], schedule="@daily"))
        self.home.write_dag(dag("news_bot", [task("t", ["true"])]))
        self.assertRc(self.home.run("trigger", "etl", "--run-id", "run_one"), 0)


def completion_env():
    """dagrun on PATH, as a user who installed it has it; no DAGRUN_HOME."""
    env = dict(os.environ, PATH=os.path.dirname(DAGRUN) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("DAGRUN_HOME", None)
    return env


class CompletionTest(HomeWithRun):
    def setUp(self):
        super().setUp()
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
        r = subprocess.run(["bash", "-c", program, "bash", self.script, *words], capture_output=True, text=True,
                           env=completion_env(), cwd=self.home.root, timeout=60)
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
        self.assertEqual(self.complete("dagrun", "completion", ""), ["bash", "zsh"])
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
        r = self.home.run("completion", "fish")
        self.assertRc(r, 2)
        self.assertIn("bash and zsh", r.err)

    def test_the_build_writes_the_same_script(self):
        built = os.path.join(os.environ["DAGRUN_BUILD_DIR"], "share", "bash-completion", "completions", "dagrun")
        with open(built) as f, open(self.script) as g:
            self.assertEqual(f.read(), g.read())
        # And the zsh script, for zsh's $fpath (it needs no zsh to compare).
        built = os.path.join(os.environ["DAGRUN_BUILD_DIR"], "share", "zsh", "site-functions", "_dagrun")
        with open(built) as f:
            self.assertEqual(f.read(), self.home.run("completion", "zsh").out)


# Sourced by the interactive zsh (the test types `source FILE`): loads the
# completion from $fpath, or sources the script, as a .zshrc would; then, as
# the next line is read, puts $ZCAPTURE_LINE in the buffer, completes it as TAB
# does, and exits. compadd is wrapped to record what it is given that matches
# the word typed, "word<TAB>display" a line (display: "word  -- description"
# when it has one), and then to add it as usual. Its names start with __zc_ so
# that an array a caller names to it (compadd -a ids, -d descr) is not hidden.
ZSH_CAPTURE = r"""
if [[ -n $ZCAPTURE_SOURCE ]]; then
  autoload -U compinit && compinit -u -d $ZCAPTURE_DIR/zcompdump-source
  source $ZCAPTURE_SOURCE
else
  fpath=($ZCAPTURE_FPATH $fpath)
  autoload -U compinit && compinit -u -d $ZCAPTURE_DIR/zcompdump-fpath
fi
zstyle ':completion:*' list-grouped false
compadd() {
  local -a __zc_opts=("${@[1,(i)(-|--)]}") __zc_hits __zc_descr
  local -A __zc_pre
  integer __zc_d=${__zc_opts[(i)-d]} __zc_i
  # -O, -A, -D: a completer asking what would match, adding nothing
  if [[ -n ${__zc_opts[(r)-[OAD]*]} ]]; then builtin compadd "$@"; return; fi
  if (( __zc_d < $#__zc_opts )); then
    if [[ $__zc_opts[__zc_d+1] == \(* ]]; then eval "__zc_descr=$__zc_opts[__zc_d+1]"
    else __zc_descr=("${(@P)__zc_opts[__zc_d+1]}"); fi
  fi
  builtin compadd -A __zc_hits -D __zc_descr "$@"
  zparseopts -E -A __zc_pre P: p:
  for (( __zc_i = 1; __zc_i <= $#__zc_hits; __zc_i++ )); do
    print -r -- "$__zc_pre[-P]$__zc_pre[-p]$__zc_hits[__zc_i]	$__zc_descr[__zc_i]" >>$ZCAPTURE_OUT
  done
  builtin compadd "$@"
}
zcapture() {
  exec 2>>$ZCAPTURE_ERR
  BUFFER=$ZCAPTURE_LINE
  CURSOR=$#BUFFER
  zle complete-word
  exit 0
}
zle -N zle-line-init zcapture
"""


class ZshCompletionTest(HomeWithRun):
    @classmethod
    def setUpClass(cls):
        cls.zsh = shutil.which("zsh")
        cls.dir = tempfile.mkdtemp(prefix="dagrun-zsh-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)  # also when what follows fails
        os.makedirs(os.path.join(cls.dir, "functions"))
        cls.script = os.path.join(cls.dir, "functions", "_dagrun")
        with open(cls.script, "w") as f:
            f.write(subprocess.run([DAGRUN, "completion", "zsh"], capture_output=True, text=True, check=True).stdout)
        cls.rc = os.path.join(cls.dir, "capture.zsh")
        with open(cls.rc, "w") as f:
            f.write(ZSH_CAPTURE)

    def setUp(self):
        if not self.zsh:  # a failure under CI=true (run.py)
            self.skipTest("no zsh (apt-get install zsh; tools/test installs it)")
        super().setUp()

    def complete(self, *words, source=False, cwd=None):
        """What zsh offers on TAB after the words (the last being typed, as
        is), in cwd (default the home): {candidate: its description, or ""}.
        With source, the script is sourced after compinit instead of found
        on $fpath."""
        offered, errors = os.path.join(self.dir, "offered"), os.path.join(self.dir, "errors")
        for path in (offered, errors):
            open(path, "w").close()
        line = " ".join(map(shlex.quote, words[:-1])) + " " + words[-1]
        env = dict(completion_env(), TERM="xterm", ZCAPTURE_LINE=line, ZCAPTURE_DIR=self.dir,
                   ZCAPTURE_OUT=offered, ZCAPTURE_ERR=errors,
                   ZCAPTURE_FPATH=os.path.dirname(self.script), ZCAPTURE_SOURCE=self.script if source else "")
        master, terminal = os.openpty()
        # Wide, so that zsh does not cut the descriptions to the terminal's width.
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 1000, 0, 0))
        zsh = subprocess.Popen([self.zsh, "-f", "-i"], stdin=terminal, stdout=terminal, stderr=terminal, env=env,
                               cwd=cwd or self.home.root, start_new_session=True)
        os.close(terminal)
        screen = b""
        try:
            os.write(master, f"source {shlex.quote(self.rc)}\n".encode())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # what zsh writes is read, so that it never waits on the terminal
                if not select.select([master], [], [], 1)[0]:
                    continue
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: zsh exited and the terminal closed
                    break
                if not data:
                    break
                screen += data
        finally:
            if zsh.poll() is None:
                zsh.kill()
            zsh.wait(timeout=30)
            os.close(master)
        self.assertEqual(zsh.returncode, 0, screen.decode(errors="replace"))
        with open(errors) as f:
            self.assertEqual(f.read(), "")
        result = {}
        with open(offered) as f:
            for line in f.read().splitlines():
                word, _, display = line.partition("\t")
                result[word] = re.sub(r"^\S+\s+-- ", "", display) if display else ""
        return result

    def test_verbs_with_their_summaries(self):
        summaries = dict(re.findall(r"^  ([a-z][a-z-]+) +(.*)$", self.home.run("--help").out, re.M))
        self.assertIn("trigger", summaries)
        offered = self.complete("dagrun", "")
        for verb in ("trigger", "runs", "validate"):
            self.assertIn(verb, offered)
        # Every verb of the help, with its summary as the help says it
        # (colons and quotes in "cancel" and "callbacks").
        self.assertEqual(offered, summaries)
        self.assertEqual(sorted(self.complete("dagrun", "ca")), ["callbacks", "cancel"])
        self.assertEqual(sorted(self.complete("dagrun", "--home", self.home.root, "tr")), ["trigger"])
        # Sourced after compinit instead of found on $fpath: the same.
        self.assertEqual(sorted(self.complete("dagrun", "tr", source=True)), ["trigger"])
        self.assertEqual(sorted(self.complete("dagrun", "--")),
                         ["--dags", "--db", "--help", "--home", "--log-level", "--plugin-path", "--version"])

    def test_every_verbs_flags_with_their_help(self):
        # "  --name METAVAR  help", padded to a column: one space at least.
        flag = re.compile(r"^  (--[a-z0-9-]+)(?: [A-Z]\S*)? +(.*)$", re.M)
        for verb in self.complete("dagrun", ""):
            with self.subTest(verb=verb):
                # The verb's flags and the global ones, as `dagrun VERB --help`
                # lists them ($, quotes, colons and all), and --help.
                expected = dict(flag.findall(self.home.run(verb, "--help").out), **{"--help": "print the usage"})
                self.assertIn("--home", expected)
                self.assertEqual(self.complete("dagrun", verb, "--"), expected)
        self.assertEqual(sorted(self.complete("dagrun", "backfill", "--re")), ["--reprocess"])

    def test_ids_of_the_home_on_the_command_line(self):
        # Not in the home: only the flags on the line can name it.
        def complete(*words):
            return sorted(self.complete(*words, cwd=self.dir))

        home = ["dagrun", "--home", self.home.root]
        self.assertEqual(complete(*home, "trigger", ""), ["etl", "news_bot"])
        self.assertEqual(complete(*home, "backfill", "e"), ["etl"])
        self.assertEqual(complete("dagrun", "--home=" + self.home.root, "tasks", ""), ["run_one"])
        self.assertEqual(complete(*home, "callbacks", ""), ["run_one"])
        self.assertEqual(complete("dagrun", "--db", self.home.db_path, "cancel", ""), ["run_one"])
        self.assertEqual(complete("dagrun", "--dags", self.home.dags, "pause", ""), ["etl", "news_bot"])
        self.assertEqual(complete(*home, "logs", "run_one", ""), [])  # a task id is typed
        # After a flag's value, the positional is right again.
        self.assertEqual(complete(*home, "runs", "--limit", "5", ""), ["etl", "news_bot"])
        # A home without DAGs or runs: nothing, and no error.
        self.assertEqual(complete("dagrun", "trigger", ""), [])
        self.assertEqual(complete("dagrun", "tasks", ""), [])

    def test_files_directories_and_words(self):
        os.makedirs(os.path.join(self.home.root, "zdir"))
        open(os.path.join(self.home.root, "zfile"), "w").close()
        self.assertEqual(sorted(self.complete("dagrun", "--home", "z")), ["zdir"])  # directories only
        self.assertEqual(sorted(self.complete("dagrun", "--db", "z")), ["zdir", "zfile"])
        self.assertEqual(sorted(self.complete("dagrun", "serve", "--auth", "z")), ["zdir", "zfile"])
        self.assertEqual(sorted(self.complete("dagrun", "validate", "dags/e")), ["dags/etl.json"])
        self.assertEqual(self.complete("dagrun", "backfill", "--from", ""), {})  # a date is typed
        self.assertEqual(self.complete("dagrun", "serve", "--listen", ""), {})  # ADDR:PORT: its colon is no field's end
        self.assertEqual(sorted(self.complete("dagrun", "db", "")), ["clean"])
        self.assertEqual(sorted(self.complete("dagrun", "completion", "")), ["bash", "zsh"])
