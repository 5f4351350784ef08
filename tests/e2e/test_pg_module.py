"""The PostgreSQL store is a module the dagrun binary loads only for a
postgresql:// history, so an installation on SQLite needs no libpq: the
binary does not link it, the module does and exports one function, and a
dagrun without the module says so plainly; $DAGRUN_DB names a SQLite file as
--db does. None of this needs a PostgreSQL server (test_postgres.py uses one)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import DAGRUN, HomeTestCase, dag, task

MODULE = os.environ.get("DAGRUN_PG_MODULE", "")


def needed(path):
    """The shared libraries an ELF file names as NEEDED (readelf -d)."""
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


class DependenciesTest(unittest.TestCase):
    def test_the_binary_does_not_need_libpq_and_the_module_does(self):
        self.assertTrue(os.path.isfile(MODULE), "no module at %r (DAGRUN_PG_MODULE)" % MODULE)
        self.assertFalse([lib for lib in needed(DAGRUN) if lib.startswith("libpq")], needed(DAGRUN))
        self.assertTrue([lib for lib in needed(MODULE) if lib.startswith("libpq.so")], needed(MODULE))

    def test_the_module_exports_its_entry_point_only(self):
        out = subprocess.run(["nm", "-D", "--defined-only", MODULE], capture_output=True, text=True, check=True).stdout
        symbols = [line.split()[-1] for line in out.splitlines() if line.strip()]
        self.assertEqual(symbols, ["dagrun_store_open_postgres"])


class MissingModuleTest(HomeTestCase):
    def test_a_postgresql_history_without_the_module_is_a_clear_error(self):
        # The binary alone in a bin/ of its own: no lib/dagrun/ beside it. A
        # hard link where it can be (the binary is large), else a copy.
        prefix = tempfile.mkdtemp(prefix="dagrun-nopg-")
        try:
            os.makedirs(os.path.join(prefix, "bin"))
            lonely = os.path.join(prefix, "bin", "dagrun")
            try:
                os.link(DAGRUN, lonely)
            except OSError:
                shutil.copy2(DAGRUN, lonely)
            self.home.write_dag(dag("hello", [task("a", ["true"])]))
            url = "postgresql://who:s3cret-pw@/dagrun?host=/nonexistent"
            for args in (["runs"], ["trigger", "hello"]):
                r = subprocess.run([lonely, "--home", self.home.root, "--db", url, *args], capture_output=True,
                                   text=True, timeout=60, env=self.home.env())
                self.assertEqual(r.returncode, 1, (args, r.stdout, r.stderr))
                expected = os.path.join(prefix, "lib")
                self.assertIn("PostgreSQL support is not installed: " + expected, r.stderr)
                self.assertIn("dagrun_store_pg.so: ", r.stderr)
                self.assertNotIn("s3cret-pw", r.stdout + r.stderr)
            # The same binary still runs on SQLite.
            r = subprocess.run([lonely, "--home", self.home.root, "trigger", "hello"], capture_output=True,
                               text=True, timeout=60, env=self.home.env())
            self.assertEqual(r.returncode, 0, (r.stdout, r.stderr))
            self.assertTrue(os.path.exists(self.home.db_path))
        finally:
            shutil.rmtree(prefix, ignore_errors=True)


class DagrunDbTest(HomeTestCase):
    def test_dagrun_db_names_the_sqlite_file_and_db_wins_over_it(self):
        self.home.write_dag(dag("hello", [task("a", ["true"])]))
        elsewhere = os.path.join(self.home.root, "elsewhere", "history.db")
        env = {"DAGRUN_DB": elsewhere}
        self.assertRc(self.home.run("trigger", "hello", "--run-id", "there", env=env), 0)
        self.assertTrue(os.path.exists(elsewhere))
        self.assertFalse(os.path.exists(self.home.db_path))
        self.assertIn("there", self.home.run("runs", env=env).out)
        # --db wins: the home's own file has no runs (and a reading verb makes none).
        r = self.home.run("runs", "--db", self.home.db_path, env=env)
        self.assertRc(r, 0)
        self.assertNotIn("there", r.out)
        self.assertFalse(os.path.exists(self.home.db_path))


if __name__ == "__main__":
    unittest.main()
