"""The JSON Schema of DAG files (`dagrun schema`) against the loader, checked
by a real validator (python3-jsonschema, draft 2020-12): the schema is a valid
2020-12 schema and the build's share/dagrun/dag.schema.json and the committed
docs/dag.schema.json are the same text; every DAG in dags/, in docs/ and in
the valid test data validates; every file of tests/data/bad and
tests/data/policy that the loader rejects is rejected by the schema too,
unless its reason is one a schema cannot express (CANNOT_EXPRESS, where each
such file must then pass the schema, so the list stays honest); and variants
made from the schema itself (each integer key at and past its bounds, each
enum, wrong types, unknown keys, keys with no effect on a task's form) get the
same verdict from both."""
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

from harness import TEST_DATA, HomeTestCase, dag, task, under_ci

try:
    import jsonschema
except ImportError:
    # tools/test installs Debian's python3-jsonschema, which an interpreter of
    # the same version built elsewhere (pyenv's) does not look for.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import jsonschema
    except ImportError:
        jsonschema = None

REPO = os.path.abspath(os.path.join(TEST_DATA, "..", ".."))
BUILD_DIR = os.environ.get("DAGRUN_BUILD_DIR", os.path.join(REPO, "build"))

# Files the loader rejects for a reason no JSON Schema can state: each is
# checked to pass the schema (a file here that the schema rejects is a
# mistake in this list).
CANNOT_EXPRESS = {
    "cycle.json": "a cycle through upstream lists (a graph property)",
    "self_upstream.json": "a task naming itself upstream (a value compared with a sibling key)",
    "unknown_upstream.json": "an upstream id that is no task's id (a reference across the file)",
    "duplicate_task_id.json": "two tasks with one task_id (uniqueness of one key across objects)",
    "unknown_plugin.json": "a plugin that is not installed (the plugin directory, not the file)",
    "bad_cron.json": "a cron expression's fields and ranges (parsed, not matched)",
    "bad_timezone.json": "a time zone missing from the system's tz database",
    "bad_template.json": "a {{ template }} naming an unknown variable or filter",
    "end_before_start.json": "end_date before start_date (two values compared)",
    "duplicate_key.json": "a key given twice in one object (a parser sees only one of them)",
    "bad_date.json": "an impossible date such as 2025-02-30 (a calendar, not a pattern)",
    "nul_in_string.json": "a NUL character in any string or key, params' included (refused while parsing)",
    # The container policy's checks of resolved paths, and of sizes written as text.
    "data_dir_outside_home.json": "a mount source outside the home, once params.data_dir is resolved",
    "mount_dotdot_escape.json": "a mount source that leaves its root through '..' once normalised",
    "mount_outside_roots.json": "a mount source outside the mount roots, which the home's dagrun.json sets",
    "mem_limit_above_max.json": "a mem_limit written as text (\"64GiB\") above the policy's max_memory",
}
# Not JSON at all, or past the parser's limits: no validator gets to see them.
NOT_JSON = {
    "malformed_json.json": "not JSON",
    "nul_byte.json": "a NUL byte in the file",
    "too_deep.json": "nesting deeper than the loader's 64 levels (the validator would parse it)",
}


def json_blocks(markdown):
    """The ```json blocks of a Markdown file that are whole DAGs."""
    for block in re.findall(r"```json\n(.*?)```", markdown, re.S):
        try:
            value = json.loads(block)
        except ValueError:
            continue  # a fragment, such as one task or one key
        if isinstance(value, dict) and "dag_id" in value and "tasks" in value:
            yield value


class SchemaTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        if jsonschema is None:
            if under_ci():
                raise AssertionError("python3-jsonschema is missing (tools/setup-deps installs it)")
            self.skipTest("python3-jsonschema is not installed")
        r = self.home.run("schema")
        self.assertRc(r, 0)
        self.text = r.out
        self.schema = json.loads(r.out)
        self.validator = jsonschema.Draft202012Validator(self.schema)
        self.work = tempfile.mkdtemp(prefix="dagrun-schema-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.work])
        self.count = 0

    def schema_errors(self, value):
        return [e.message for e in self.validator.iter_errors(value)]

    def loader_accepts(self, value):
        """`dagrun validate` of the value written to a file of its own."""
        self.count += 1
        path = os.path.join(self.work, "v%d.json" % self.count)
        with open(path, "w", encoding="utf-8") as f:
            f.write(value if isinstance(value, str) else json.dumps(value))
        r = self.home.run("validate", path)
        self.assertIn(r.rc, (0, 1), r)
        return r.rc == 0, r.err + r.out

    def agree(self, value, valid, why):
        """The schema and the loader both say `valid` of the value."""
        with self.subTest(why=why):
            errors = self.schema_errors(value)
            self.assertEqual(not errors, valid, "schema: %s for %s" % (errors or "valid", json.dumps(value)[:300]))
            ok, said = self.loader_accepts(value)
            self.assertEqual(ok, valid, "loader: %s for %s" % (said or "valid", json.dumps(value)[:300]))

    def test_a_draft_2020_12_schema_that_the_build_and_docs_hold_as_printed(self):
        jsonschema.Draft202012Validator.check_schema(self.schema)
        self.assertEqual(self.schema["$schema"], "https://json-schema.org/draft/2020-12/schema")
        with open(os.path.join(BUILD_DIR, "share", "dagrun", "dag.schema.json"), encoding="utf-8") as f:
            self.assertEqual(f.read(), self.text)
        with open(os.path.join(REPO, "docs", "dag.schema.json"), encoding="utf-8") as f:
            self.assertEqual(f.read(), self.text, "docs/dag.schema.json is stale: dagrun schema > docs/dag.schema.json")
        # Every key has a description an editor can show.
        task_keys = self.schema["$defs"]["task"]["properties"]
        for name, key in list(self.schema["properties"].items()) + list(task_keys.items()):
            self.assertTrue(key.get("description"), name)
        self.assertEqual(task_keys["retries"]["maximum"], 1000)
        self.assertEqual(task_keys["retry_delay"]["default"], "5m")
        self.assertNotIn("on_retry", self.schema["properties"])  # a task's key only

    def test_every_shipped_documented_and_valid_test_dag_validates(self):
        files = sorted(glob.glob(os.path.join(REPO, "dags", "*.json")))
        self.assertGreaterEqual(len(files), 6)
        good = sorted(glob.glob(os.path.join(TEST_DATA, "good", "*.json")))
        self.assertGreaterEqual(len(good), 3)
        for path in files + good:
            with self.subTest(file=os.path.relpath(path, REPO)):
                with open(path, encoding="utf-8") as f:
                    value = json.load(f)
                self.assertEqual(self.schema_errors(value), [])
        for path in files:
            with open(path, encoding="utf-8") as f:
                value = json.load(f)
            # The shipped DAGs name the committed schema, by a path an editor resolves from the file.
            self.assertEqual(value.get("$schema"), "../docs/dag.schema.json", path)
            self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(path), value["$schema"])))
        # A documented DAG may be an example of an error: the schema says what the loader says.
        verdicts = []
        for path in sorted(glob.glob(os.path.join(REPO, "docs", "*.md")) + [os.path.join(REPO, "README.md")]):
            with open(path, encoding="utf-8") as f:
                for value in json_blocks(f.read()):
                    ok, said = self.loader_accepts(value)
                    # The docs name plugins a reader would write (page_oncall): not installed here.
                    errors = [line for line in said.splitlines() if ": error: " in line]
                    ok = ok or all("unknown plugin" in line for line in errors)
                    verdicts.append(ok)
                    with self.subTest(doc=os.path.basename(path), dag_id=value["dag_id"]):
                        self.assertEqual(self.schema_errors(value) == [], ok, said)
        self.assertGreaterEqual(verdicts.count(True), 3)
        self.assertGreaterEqual(verdicts.count(False), 1)

    def test_files_the_loader_rejects_are_rejected_unless_no_schema_can_say_why(self):
        bad = sorted(glob.glob(os.path.join(TEST_DATA, "bad", "*.json")) +
                     glob.glob(os.path.join(TEST_DATA, "policy", "*.json")))
        self.assertGreaterEqual(len(bad), 30)
        names = {os.path.basename(p) for p in bad}
        self.assertEqual(set(CANNOT_EXPRESS) - names, set())  # the lists name files that exist
        self.assertEqual(set(NOT_JSON) - names, set())
        for path in bad:
            name = os.path.basename(path)
            with self.subTest(file=name):
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                self.assertFalse(self.loader_accepts(text)[0])
                if name in NOT_JSON:
                    continue
                value = json.loads(text)
                errors = self.schema_errors(value)
                if name in CANNOT_EXPRESS:
                    self.assertEqual(errors, [], "listed as beyond a schema, but the schema rejects it")
                else:
                    self.assertNotEqual(errors, [], "the loader rejects it; the schema must too")

    def base(self, **task_keys):
        return dag("v", [task("a", ["true"], **task_keys)])

    def test_integer_bounds_agree_with_the_loader(self):
        props = self.schema["properties"]
        task_props = self.schema["$defs"]["task"]["properties"]
        checked = 0
        for name, key in props.items():
            if key.get("type") != "integer":
                continue
            for n, valid in ((key["minimum"], True), (key["maximum"], True),
                             (key["minimum"] - 1, False), (key["maximum"] + 1, False)):
                d = self.base()
                d[name] = n
                self.agree(d, valid, "%s=%d" % (name, n))
            checked += 1
        for name, key in task_props.items():
            if key.get("type") != "integer":
                continue
            for n, valid in ((key["minimum"], True), (key["maximum"], True),
                             (key["minimum"] - 1, False), (key["maximum"] + 1, False), (1.5, False)):
                self.agree(self.base(**{name: n}), valid, "%s=%s" % (name, n))
            checked += 1
        self.assertGreaterEqual(checked, 5)  # max_active_tasks/runs, retries, pool_slots, priority_weight

    def test_wrong_types_unknown_keys_and_enums_agree_with_the_loader(self):
        task_props = self.schema["$defs"]["task"]["properties"]
        for name, key in task_props.items():
            if name in ("task_id", "command", "params"):
                continue
            # Neither of these is any key's value: the schema and the loader refuse both.
            value = self.base()
            value["tasks"][0][name] = {"not": "a source"} if name == "expand" else {"not": ["a", "value"]}
            self.agree(value, False, "task %s of a wrong type" % name)
        for name, key in self.schema["properties"].items():
            if name in ("params", "tasks"):
                continue
            d = self.base()
            d[name] = [[{"not": "a value"}]]
            if name == "dag_id":
                d[name] = 7
            self.agree(d, False, "dag %s of a wrong type" % name)
        self.agree(self.base(retriez=1), False, "an unknown task key")
        bad = self.base()
        bad["schedul"] = "@daily"
        self.agree(bad, False, "an unknown DAG key")
        for rule in task_props["trigger_rule"]["enum"]:
            self.agree(self.base(trigger_rule=rule), True, "trigger_rule " + rule)
        self.agree(self.base(trigger_rule="all_sucess"), False, "an unknown trigger_rule")
        for good in ("30s", "1h30m", "250ms", 90, 0.5, "2d"):
            self.agree(self.base(retry_delay=good), True, "retry_delay %r" % good)
        for wrong in ("30", "1h 30m", "5x", -1, "", 31536001):
            self.agree(self.base(retry_delay=wrong), False, "retry_delay %r" % wrong)
        for good in (512 << 20, "512MiB", "1.5GB", "64m", None):
            self.agree(dag("v", [task("a", plugin="noop", memory_limit=good)]), True, "memory_limit %r" % good)
        for wrong in ("512 MiBs", -1, "MiB", 1 << 51):
            self.agree(dag("v", [task("a", plugin="noop", memory_limit=wrong)]), False, "memory_limit %r" % wrong)
        for wrong_id in ("", ".", "..", "a/b", "a b", "x" * 251, "é"):
            self.agree(dag("v", [task(wrong_id, ["true"])]), False, "task_id %r" % wrong_id)
        self.agree(dag("x" * 250, [task("a", ["true"])]), True, "a dag_id of 250 bytes")
        self.agree(self.base(upstream=["b", "b"]), False, "an upstream listed twice")
        self.agree(self.base(env={"A=B": "x"}), False, "an env name with '='")
        self.agree(self.base(env={"A": 1}), False, "an env value that is not a string")

    def test_task_forms_callbacks_deadlines_and_expand_agree_with_the_loader(self):
        cases = [
            (dag("v", [task("a")]), False, "a task without command, plugin or container"),
            (dag("v", [task("a", ["true"], plugin="noop")]), False, "a command and a plugin"),
            (self.base(memory_limit="1GiB"), False, "memory_limit on a command"),
            (self.base(isolation="process"), False, "isolation on a command"),
            (self.base(cpu_limit="10s"), True, "cpu_limit on a command"),
            (dag("v", [task("a", plugin="noop", isolation="in_process", cpu_limit="1s")]), False,
             "cpu_limit on an in_process plugin"),
            (dag("v", [task("a", plugin="noop", isolation="process", cpu_limit="1s", memory_limit="1GiB")]), True,
             "limits on a process plugin"),
            (dag("v", [task("a", plugin="noop", isolation="threads")]), False, "an unknown isolation"),
            (dag("v", [task("a", container={"image": "busybox"}, cpu_limit="1s")]), False,
             "cpu_limit on a container task"),
            (dag("v", [task("a", ["true"])], default_args={"memory_limit": "1GiB", "retries": 2}), True,
             "a default with no effect on some tasks"),
            (dag("v", [task("a", ["true"])], default_args={"task_id": "x"}), False, "task_id in default_args"),
            (dag("v", [task("a", ["true"])], default_args={"expand": [1]}), False, "expand in default_args"),
            (self.base(on_failure={"command": ["true"]}), True, "a command callback"),
            (self.base(on_failure=[{"webhook": "https://example.com/hook"}, {"plugin": "noop"}]), True,
             "a list of callbacks"),
            (self.base(on_failure=[]), False, "an empty list of callbacks"),
            (self.base(on_failure=[{"command": ["true"]}] * 9), False, "nine callbacks"),
            (self.base(on_failure={"webhook": "ftp://example.com/"}), False, "a webhook that is not http"),
            (self.base(on_failure={"webhook": "https://example.com/", "env": {"A": "b"}}), False, "env on a webhook"),
            (self.base(on_failure={"command": ["true"], "params": {}}), False, "params on a command callback"),
            (self.base(on_failure={"command": ["true"], "webhook": "https://x/"}), False, "two callback kinds"),
            (self.base(on_failure={"command": ["true"], "timeout": 0}), False, "a zero callback timeout"),
            (self.base(on_failure={"command": ["true"], "timeout": "0s"}), False, "a zero callback timeout string"),
            (self.base(on_failure={"command": ["true"], "timeout": 3601}), False, "a callback timeout over 1h"),
            (self.base(on_failure={"command": ["true"], "timeout": "30s"}), True, "a callback timeout"),
            (dag("v", [task("a", ["true"])], deadline={"after": "1h"}, on_deadline={"command": ["true"]}), True,
             "a deadline"),
            (dag("v", [task("a", ["true"])], deadline={"after": "1h"}), False, "a deadline without on_deadline"),
            (dag("v", [task("a", ["true"])], on_deadline={"command": ["true"]}), False, "on_deadline alone"),
            (dag("v", [task("a", ["true"])], deadline={"after": "0m"}, on_deadline={"command": ["true"]}), False,
             "a zero deadline"),
            (dag("v", [task("a", ["true"])], deadline={"after": "1h", "from": "start"},
                 on_deadline={"command": ["true"]}), False, "an unknown deadline.from"),
            (dag("v", [task("a", ["true"])], on_retry={"command": ["true"]}), False, "on_retry on a DAG"),
            (self.base(expand=[1, 2, 3]), True, "expand over a list"),
            (self.base(expand=list(range(10001))), False, "expand over 10,001 items"),
            (dag("v", [task("a", ["true"]), task("b", ["true"], upstream=["a"], expand={"xcom": "a"})]), True,
             "expand over an upstream XCom"),
            (dag("v", [task("a", ["true"]), task("b", ["true"], upstream=["a"], expand={"xcom": "a", "k": 1})]),
             False, "an unknown key in expand"),
            (dag("v", [task("a", ["true"]), task("b", ["true"], upstream=["a"], expand={"key": "x"})]), False,
             "expand without xcom"),
            (dag("v", []), False, "no tasks"),
            ({"dag_id": "v"}, False, "tasks missing"),
            (dag("v", [task("a", ["true"])], start_date="1969-12-31"), False, "a start_date before 1970"),
            (dag("v", [task("a", ["true"])], start_date="2199-12-31", end_date=None), True, "a start_date in 2199"),
            (dag("v", [task("a", ["true"])], start_date="2200-01-01"), False, "a start_date after 2199"),
            (dag("v", [task("a", ["true"])], schedule=None, catchup=True, tags=["a"]), True, "a triggered DAG"),
            (dag("v", [task("a", [])]), False, "an empty command"),
            (dag("v", [task("a", "echo hi")]), False, "a command as a string"),
            (dag("v", [task("a", plugin="")]), False, "an empty plugin name"),
        ]
        with_schema = dag("v", [task("a", ["true"])])
        with_schema["$schema"] = "../docs/dag.schema.json"
        cases.append((with_schema, True, "a $schema key"))
        cases.append((dict(with_schema, **{"$schema": 3}), False, "a $schema that is not a string"))
        for value, valid, why in cases:
            self.agree(copy.deepcopy(value), valid, why)
