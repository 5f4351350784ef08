"""Drives the real dagrun binary against a throw-away home directory.

ctest passes the build's paths in the environment (see tests/CMakeLists.txt):
DAGRUN_BIN, DAGRUN_PLUGIN_DIR and DAGRUN_TEST_DATA, and runs each test file
through run_file() (tests/e2e/run.py), which reports skips to ctest.
"""
import atexit
import grp
import json
import os
import pwd
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

# ctest's SKIP_RETURN_CODE for the e2e tests (tests/CMakeLists.txt): the file
# ran, nothing failed, and at least one test was skipped.
SKIP_EXIT = 77

DAGRUN = os.environ.get("DAGRUN_BIN", "dagrun")
# Set by ctest's e2e-proxy.* variants (tests/CMakeLists.txt): every dagrun a
# test starts reaches Docker through its home's `dagrun docker-proxy`, so the
# container tests show the proxy passes what container tasks need.
# With "tcp", the proxy listens on TCP with mutual TLS and reaches the daemon
# on its TLS port (tools/docker-up's certificates serve both sides).
VIA_DOCKER_PROXY = os.environ.get("DAGRUN_TEST_DOCKER_PROXY") in ("1", "tcp")
PROXY_OVER_TCP = os.environ.get("DAGRUN_TEST_DOCKER_PROXY") == "tcp"
DOCKER_TLS_DIR = os.environ.get("DAGRUN_DOCKER_TLS_DIR") or "/var/lib/dagrun-tests/docker-tls"
# Set by ctest's e2e-nobody.* variants, with the proxy: every dagrun a test
# starts runs as the unprivileged user nobody, who cannot reach the Docker
# daemon's socket, only the proxy's (docs/security.md). Needs root to switch.
AS_NOBODY = os.environ.get("DAGRUN_TEST_AS_NOBODY") == "1"
_nobody_binary = None


def nobody_ids():
    return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid


def nobody_dagrun():
    """The dagrun binary where nobody may run it: the build's own when every
    directory above it lets others through, else a copy of the build's
    bin/, libexec/ and lib/ (the binary finds its task host and plugins
    relative to itself) in a directory of its own."""
    global _nobody_binary
    if _nobody_binary is None:
        path = os.path.realpath(DAGRUN)
        reachable = all(os.stat(d).st_mode & 0o001 for d in _ancestors(path)) and os.stat(path).st_mode & 0o001
        if reachable:
            _nobody_binary = path
        else:
            build = os.path.dirname(os.path.dirname(path))
            copy = tempfile.mkdtemp(prefix="dagrun-nobody-")
            os.chmod(copy, 0o755)
            atexit.register(shutil.rmtree, copy, True)
            for sub in ("bin", "libexec", "lib"):
                if os.path.isdir(os.path.join(build, sub)):
                    shutil.copytree(os.path.join(build, sub), os.path.join(copy, sub), symlinks=True)
            _nobody_binary = os.path.join(copy, "bin", os.path.basename(path))
    return _nobody_binary


def _ancestors(path):
    d = os.path.dirname(path)
    while True:
        yield d
        if d == os.path.dirname(d):
            return
        d = os.path.dirname(d)


def assert_nobody_cannot_reach(socket_path):
    """nobody is refused by the daemon's socket: what makes the proxy the only way in."""
    uid, gid = nobody_ids()
    probe = subprocess.run(
        ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--", sys.executable, "-c",
         "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])", socket_path],
        capture_output=True, text=True)
    assert probe.returncode != 0 and "PermissionError" in probe.stderr, \
        f"nobody reached {socket_path}: {probe.stderr}"
TEST_DATA = os.environ.get("DAGRUN_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Started:
    """A dagrun started in the background, its output going to files.

    Not to pipes: a caller that polls the process and reads its output only
    at the end would otherwise stall it once a pipe's buffer is full (a long
    run's progress lines, a scheduler's log), and see a hang that is the
    test's own. communicate() returns (stdout, stderr) as Popen's does.
    """

    def __init__(self, argv, env):
        self._out = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self._err = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self._proc = subprocess.Popen(argv, stdout=self._out, stderr=self._err, env=env)
        self.pid = self._proc.pid

    @property
    def returncode(self):
        return self._proc.returncode

    def poll(self):
        return self._proc.poll()

    def wait(self, timeout=None):
        return self._proc.wait(timeout=timeout)

    def send_signal(self, sig):
        self._proc.send_signal(sig)

    def terminate(self):
        self._proc.terminate()

    def kill(self):
        self._proc.kill()

    def output(self):
        """What the process has written so far: (stdout, stderr)."""
        texts = []
        for f in (self._out, self._err):
            f.seek(0)
            texts.append(f.read())
        return tuple(texts)

    def communicate(self, timeout=None):
        self._proc.wait(timeout=timeout)
        return self.output()


class Home:
    """A dagrun home: dags/, dagrun.db, logs/, data/ in a temporary directory."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="dagrun-e2e-")
        self.dags = os.path.join(self.root, "dags")
        os.makedirs(self.dags)
        self.db_path = os.path.join(self.root, "dagrun.db")
        self._proxy = None
        if AS_NOBODY:
            if os.geteuid() != 0:
                shutil.rmtree(self.root, ignore_errors=True)
                why = "running dagrun as nobody needs root to switch users"
                if os.environ.get("CI") == "true":
                    raise AssertionError(why + " (CI runs as root)")
                raise unittest.SkipTest(why)
            self.give_to_nobody()

    def cleanup(self):
        try:
            if self._proxy is not None:
                self._proxy.terminate()
                self._proxy.wait(timeout=30)
                self._proxy_log.close()
                if PROXY_OVER_TCP:
                    self.check_proxy_clients()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def check_proxy_clients(self):
        """Over TCP, every request the proxy audited came with docker-up's
        client certificate: the test's traffic really took the TLS way."""
        if not os.path.exists(self.proxy_audit):
            return
        with open(self.proxy_audit) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        for entry in lines:
            assert entry.get("client_cert") == "/CN=dagrun client", entry
            assert entry.get("client_address", "").startswith("127.0.0.1:"), entry

    def docker_proxy(self):
        """This home's `dagrun docker-proxy`, started on first use: the URL
        clients reach it at (its socket, or its TCP port with PROXY_OVER_TCP).

        It reads the home's dagrun.json when it starts, as the engine does.
        """
        if self._proxy is None:
            socket_path = os.path.join(self.root, "docker-proxy.sock")
            self.proxy_audit = os.path.join(self.root, "docker-proxy.audit")
            log_path = os.path.join(self.root, "docker-proxy.log")
            self._proxy_log = open(log_path, "w")
            if PROXY_OVER_TCP:
                tls = DOCKER_TLS_DIR
                where = ["--listen", "tcp://127.0.0.1:0", "--tlscacert", os.path.join(tls, "ca.pem"),
                         "--tlscert", os.path.join(tls, "server-cert.pem"),
                         "--tlskey", os.path.join(tls, "server-key.pem"),
                         "--upstream", "tcp://127.0.0.1:2376", "--upstream-cert-path", tls]
            else:
                where = ["--listen", "unix:" + socket_path]
            self._proxy = subprocess.Popen(
                [DAGRUN, "--home", self.root, "docker-proxy", *where, "--audit", self.proxy_audit],
                stdout=subprocess.DEVNULL, stderr=self._proxy_log)

            def listening():
                with open(log_path) as f:
                    m = re.search(r"listening on (\S+)", f.read())
                return m.group(1) if m else None
            wait_for(lambda: listening() or self._proxy.poll() is not None, timeout=30,
                     what="the Docker proxy to listen")
            if self._proxy.poll() is not None:
                with open(log_path) as f:
                    raise AssertionError("dagrun docker-proxy did not start:\n" + f.read())
            address = listening()
            self._proxy_url = address if PROXY_OVER_TCP else "unix://" + socket_path
            if AS_NOBODY:
                # The proxy's socket is for nobody; the daemon's is not.
                os.chown(socket_path, *nobody_ids())
                assert_nobody_cannot_reach("/var/run/docker.sock")
        return self._proxy_url

    def write_dag(self, dag, name=None):
        """Writes a DAG (a dict, or JSON text) into dags/ and returns its path."""
        text = dag if isinstance(dag, str) else json.dumps(dag, indent=2, ensure_ascii=False)
        if name is None:
            name = (dag["dag_id"] if isinstance(dag, dict) else "dag") + ".json"
        path = os.path.join(self.dags, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def env(self, extra=None):
        env = dict(os.environ)
        env.pop("DAGRUN_HOME", None)
        env["NO_COLOR"] = "1"
        if VIA_DOCKER_PROXY:
            env["DOCKER_HOST"] = self.docker_proxy()
            if PROXY_OVER_TCP:
                # The client certificate docker-up made is from the CA the
                # proxy trusts; the proxy's certificate names 127.0.0.1.
                env["DOCKER_TLS_VERIFY"] = "1"
                env["DOCKER_CERT_PATH"] = DOCKER_TLS_DIR
        if extra:
            env.update(extra)
        return env

    def give_to_nobody(self):
        """Everything of the home that the test (root) made becomes nobody's,
        groups kept: files a test gave to another user (an image's) stay so."""
        uid, _ = nobody_ids()
        for top, dirs, files in os.walk(self.root):
            for path in [top] + [os.path.join(top, n) for n in dirs + files]:
                if os.lstat(path).st_uid == 0:
                    os.lchown(path, uid, -1)

    def argv(self, *args):
        if AS_NOBODY:
            self.give_to_nobody()
            uid, gid = nobody_ids()
            return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--", nobody_dagrun(),
                    "--home", self.root, *args]
        return [DAGRUN, "--home", self.root, *args]

    def run(self, *args, timeout=120, env=None, cwd=None):
        proc = subprocess.run(self.argv(*args), capture_output=True, text=True,
                              timeout=timeout, env=self.env(env), cwd=cwd)
        return Result(proc)

    def start(self, *args, env=None):
        """Starts dagrun without waiting; the caller owns the process."""
        return Started(self.argv(*args), self.env(env))

    def trigger_new(self, dag_id, timeout=300):
        """Triggers dag_id in the foreground; returns (result, the id of the run it created)."""
        before = set()
        if os.path.exists(self.db_path):
            before = {r["run_id"] for r in self.query("SELECT run_id FROM dag_run")}
        result = self.run("trigger", dag_id, timeout=timeout)
        runs = [r["run_id"] for r in self.query("SELECT run_id FROM dag_run") if r["run_id"] not in before]
        assert len(runs) == 1, repr(result)
        return result, runs[0]

    def json(self, *args):
        r = self.run(*args, "--json")
        assert r.rc == 0, r
        return json.loads(r.out)

    def db(self):
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql, *params):
        conn = self.db()
        try:
            return [dict(r) for r in conn.execute(sql, params)]
        finally:
            conn.close()

    def poll(self, sql, *params):
        """query() for wait loops: the database may not exist or be migrated yet."""
        if not os.path.exists(self.db_path):
            return []
        try:
            return self.query(sql, *params)
        except sqlite3.OperationalError:
            return []

    def tries(self, run_id):
        """Every try of the run from the history, by task then try."""
        return self.query("SELECT * FROM task_try WHERE run_id = ? ORDER BY task_id, try_number", run_id)

    def task_states(self, run_id):
        rows = self.query("SELECT task_id, state FROM task_instance WHERE run_id = ?", run_id)
        return {r["task_id"]: r["state"] for r in rows}

    def only_run(self):
        runs = self.query("SELECT * FROM dag_run")
        assert len(runs) == 1, runs
        return runs[0]


def wait_for(predicate, timeout=30.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def where_it_waits(pid):
    """What a process that seems stuck is doing, for a failure message: each
    thread's kernel wait channel and, where gdb is installed, its stack."""
    lines = []
    try:
        for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
            try:
                with open(f"/proc/{pid}/task/{tid}/wchan", encoding="utf-8") as f:
                    wchan = f.read().strip() or "-"
                with open(f"/proc/{pid}/task/{tid}/stat", encoding="utf-8") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            lines.append(f"thread {tid}: state {state}, waiting in {wchan}")
    except OSError as e:
        return f"(cannot read /proc/{pid}: {e})"
    gdb = shutil.which("gdb")
    if gdb:
        try:
            bt = subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
                                capture_output=True, text=True, timeout=60)
            lines.append(bt.stdout[-20000:])
        except (OSError, subprocess.TimeoutExpired) as e:
            lines.append(f"(gdb: {e})")
    return "\n".join(lines)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def task(task_id, command=None, upstream=(), **keys):
    t = {"task_id": task_id}
    if command is not None:
        t["command"] = command
    if upstream:
        t["upstream"] = list(upstream)
    t.update(keys)
    return t


def dag(dag_id, tasks, **keys):
    d = {"dag_id": dag_id, "tasks": tasks}
    d.update(keys)
    return d


class HomeTestCase(unittest.TestCase):
    def setUp(self):
        self.home = Home()

    def tearDown(self):
        self.home.cleanup()

    def assertRc(self, result, rc):
        self.assertEqual(result.rc, rc, msg=repr(result))


def under_ci():
    return os.environ.get("CI") == "true"


def run_file(path, classes=()):
    """Runs one test file (only the named test classes, when given) as
    `python3 -m unittest -v` would; returns the exit status:
    0 when every test passed, SKIP_EXIT when none failed but some skipped (ctest
    shows the file as skipped), 1 on a failure, or on any skip under CI=true."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    name = os.path.splitext(os.path.basename(path))[0]
    if classes:
        suite = unittest.defaultTestLoader.loadTestsFromNames([f"{name}.{c}" for c in classes])
    else:
        suite = unittest.defaultTestLoader.loadTestsFromName(name)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    if not result.wasSuccessful() or result.testsRun == 0:
        return 1
    if result.skipped:
        whys = "".join(f"\n  {test.id()}: {why}" for test, why in result.skipped)
        if under_ci():
            print(f"FAILED: CI runs every test, and {len(result.skipped)} were skipped:{whys}", file=sys.stderr)
            return 1
        print(f"SKIPPED: {len(result.skipped)} of {result.testsRun} tests:{whys}", file=sys.stderr)
        return SKIP_EXIT
    return 0
