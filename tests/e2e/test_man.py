"""Manual pages through the real binary: `dagrun man --dir` writes dagrun.1
and one page per verb of `dagrun --help`, each renders with groff without a
warning, each verb's page holds every flag its --help lists, the build's
share/man/man1 holds the same pages, and bad --dir values are refused."""
import os
import re
import subprocess
import tempfile

from harness import HomeTestCase


def render(page):
    """The page as text: one long line per paragraph, no hyphenation, no warnings kept apart."""
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-rLL=1000n", "-rHY=0", "-P-cbou", page], capture_output=True, text=True,
                       timeout=60)
    return r.returncode, r.stdout, r.stderr


class ManPagesTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        self.out = tempfile.mkdtemp(prefix="dagrun-man-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.out])
        self.assertRc(self.home.run("man", "--dir", self.out), 0)
        self.verbs = re.findall(r"^  ([a-z][a-z-]+)\s", self.home.run("--help").out, re.M)

    def test_one_page_per_verb_each_rendering_cleanly_with_its_flags(self):
        self.assertIn("docker-proxy", self.verbs)
        self.assertEqual(sorted(os.listdir(self.out)),
                         sorted(["dagrun.1"] + ["dagrun-%s.1" % v for v in self.verbs]))
        for name in sorted(os.listdir(self.out)):
            with self.subTest(page=name):
                rc, text, warnings = render(os.path.join(self.out, name))
                self.assertEqual(rc, 0)
                self.assertEqual(warnings, "")
                self.assertIn("NAME", text)
                self.assertIn("SYNOPSIS", text)
        for verb in self.verbs:
            with self.subTest(verb=verb):
                own = self.home.run(verb, "--help").out.split("global options:")[0]  # those are dagrun(1)'s
                flags = re.findall(r"^  (--[a-z-]+)", own, re.M)
                _, text, _ = render(os.path.join(self.out, "dagrun-%s.1" % verb))
                for flag in flags:
                    self.assertIn(flag, text)
        _, text, _ = render(os.path.join(self.out, "dagrun.1"))
        for flag in re.findall(r"^  (--[a-z-]+)", self.home.run("--help").out.split("global options:")[1], re.M):
            self.assertIn(flag, text)
        for verb in self.verbs:
            self.assertIn("dagrun-" + verb + "(1)", text)

    def test_the_build_writes_the_same_pages(self):
        built = os.path.join(os.environ["DAGRUN_BUILD_DIR"], "share", "man", "man1")
        self.assertEqual(sorted(os.listdir(built)), sorted(os.listdir(self.out)))
        for name in os.listdir(self.out):
            with open(os.path.join(built, name)) as f, open(os.path.join(self.out, name)) as g:
                self.assertEqual(f.read(), g.read(), name)

    def test_bad_directories_are_refused(self):
        self.assertRc(self.home.run("man"), 2)
        r = self.home.run("man", "--dir", os.path.join(self.out, "missing"))
        self.assertRc(r, 1)
        self.assertIn("is not a directory", r.err)
