"""The package for plugin authors (cmake/Package.cmake): dagrun installed into
a temporary prefix, plugins/example built out of tree against it through
find_package(dagrun) and through pkg-config, and the installed dagrun running
what was built. Each plugin must export its entry point and nothing else."""
import os
import shlex
import shutil
import subprocess
import tempfile
import unittest

from harness import Home, HomeTestCase, dag, task

BUILD = os.environ.get("DAGRUN_BUILD_DIR", "")
SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(SOURCE, "plugins", "example")
ENTRY = "dagrun_plugin_descriptor"  # DAGRUN_PLUGIN_ENTRY_NAME in dagrun/plugin.h
# The plugin directory relative to a prefix, as this build lays it out.
REL_PLUGIN_DIR = os.path.relpath(os.environ.get("DAGRUN_PLUGIN_DIR", ""), BUILD)


def cache(name):
    """A value from the build's CMakeCache.txt, so that the generator and the
    libdir GNUInstallDirs chose are the build's rather than guessed."""
    with open(os.path.join(BUILD, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            if key.split(":")[0] == name:
                return value
    raise KeyError(name)


def sh(*argv, env=None):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env)
    if proc.returncode != 0:
        raise AssertionError(f"{shlex.join(argv)}: rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


class InstalledHome(Home):
    """A home driven by the installed dagrun, which finds plugins only in the
    places it was given: no DAGRUN_PLUGIN_PATH from the caller's environment."""

    def __init__(self, dagrun):
        super().__init__()
        self.dagrun = dagrun

    def argv(self, *args):
        return [self.dagrun, "--home", self.root, *args]

    def env(self, extra=None):
        env = super().env(extra)
        env.pop("DAGRUN_PLUGIN_PATH", None)
        return env


class PluginPackageTest(HomeTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dagrun-package-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.prefix = os.path.join(self.tmp, "prefix")
        sh("cmake", "--install", BUILD, "--prefix", self.prefix)
        self.plugin_dir = os.path.join(self.prefix, REL_PLUGIN_DIR)
        self.home = InstalledHome(os.path.join(self.prefix, cache("CMAKE_INSTALL_BINDIR"), "dagrun"))

    def test_the_completions_the_schema_and_the_manual_pages_are_installed(self):
        installed = os.path.join(self.prefix, "share", "bash-completion", "completions", "dagrun")
        with open(installed) as f:
            text = f.read()
        self.assertIn("complete -F _dagrun dagrun", text)
        self.assertEqual(text, self.home.run("completion", "bash").out)
        with open(os.path.join(self.prefix, "share", "zsh", "site-functions", "_dagrun")) as f:
            text = f.read()
        self.assertTrue(text.startswith("#compdef dagrun"))
        self.assertEqual(text, self.home.run("completion", "zsh").out)
        with open(os.path.join(self.prefix, "share", "dagrun", "dag.schema.json")) as f:
            self.assertEqual(f.read(), self.home.run("schema").out)
        man = os.path.join(self.prefix, "share", "man", "man1")
        self.assertIn("dagrun.1", os.listdir(man))
        self.assertIn("dagrun-trigger.1", os.listdir(man))

    def assertExportsOnlyTheEntry(self, library):
        symbols = [line.split()[-1] for line in sh("nm", "-D", "--defined-only", library).splitlines()]
        self.assertEqual(symbols, [ENTRY], library)

    def assertExamplesRun(self, *dagrun_args):
        self.home.write_dag(dag("examples", [task("c", plugin="hello"), task("cpp", plugin="hello_cpp")]))
        r = self.home.run(*dagrun_args, "trigger", "examples", "--run-id", "e")
        self.assertRc(r, 0)
        self.assertEqual(self.home.task_states("e"), {"c": "success", "cpp": "success"})
        rows = self.home.query("SELECT task_id, key, value FROM xcom WHERE run_id = 'e' ORDER BY task_id")
        self.assertEqual([(x["task_id"], x["key"], x["value"]) for x in rows],
                         [("c", "greeting", '"hello"'), ("cpp", "greeting", '"hello from C++"')])
        self.assertIn("hello from task c of examples (try 1)", self.home.run("logs", "e", "c").out)
        self.assertIn("hello from C++ task cpp of examples (try 1)", self.home.run("logs", "e", "cpp").out)

    def test_find_package_builds_the_examples_into_the_installed_plugin_dir(self):
        build = os.path.join(self.tmp, "example-build")
        sh("cmake", "-S", EXAMPLE, "-B", build, "-G", cache("CMAKE_GENERATOR"),
           f"-DCMAKE_PREFIX_PATH={self.prefix}")
        sh("cmake", "--build", build)
        # Installed under another prefix: DAGRUN_PLUGIN_DIR is absolute, the
        # plugin directory of the dagrun that find_package found.
        sh("cmake", "--install", build, "--prefix", os.path.join(self.tmp, "elsewhere"))
        for name in ("hello", "hello_cpp"):
            self.assertExportsOnlyTheEntry(os.path.join(self.plugin_dir, f"dagrun_{name}.so"))
        self.assertExamplesRun()

    def test_pkg_config_flags_build_the_examples(self):
        if not shutil.which("pkg-config"):
            self.skipTest("no pkg-config (tools/setup-deps installs it)")
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(self.prefix, cache("CMAKE_INSTALL_LIBDIR"), "pkgconfig"))
        flags = shlex.split(sh("pkg-config", "--cflags", "--libs", "dagrun-plugin", env=env))
        plugindir = sh("pkg-config", "--variable=plugindir", "dagrun-plugin", env=env).strip()
        self.assertEqual(os.path.realpath(plugindir), os.path.realpath(self.plugin_dir))

        out = os.path.join(self.tmp, "pkg-config-build")
        os.makedirs(out)
        sh(os.environ.get("CC", "cc"), "-shared", "-fPIC", *flags, "-o", os.path.join(out, "dagrun_hello.so"),
           os.path.join(EXAMPLE, "hello.c"))
        sh(os.environ.get("CXX", "c++"), "-std=c++17", "-shared", "-fPIC", *flags,
           "-o", os.path.join(out, "dagrun_hello_cpp.so"), os.path.join(EXAMPLE, "hello.cpp"))
        for name in ("hello", "hello_cpp"):
            self.assertExportsOnlyTheEntry(os.path.join(out, f"dagrun_{name}.so"))
        self.assertFalse(os.path.exists(os.path.join(self.plugin_dir, "dagrun_hello.so")))
        self.assertExamplesRun("--plugin-path", out)


if __name__ == "__main__":
    unittest.main()
