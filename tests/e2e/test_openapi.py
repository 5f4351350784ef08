"""docs/openapi.json and the server agree: every documented operation is
answered, with a documented status, and every JSON answer validates against
the documented schema (a small validator of the JSON Schema the document
uses, so the test needs no package)."""
import json
import os
import re
import unittest

from harness import HomeTestCase, dag, task
from test_serve import Server

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.json")


def resolve(doc, schema):
    while "$ref" in schema:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def validate(doc, schema, value, where="$"):
    """The problems of value against schema, as 'path: why' strings."""
    schema = resolve(doc, schema)
    out = []
    for sub in schema.get("allOf", []):
        out += validate(doc, sub, value, where)
    if "oneOf" in schema:
        fits = [validate(doc, sub, value, where) for sub in schema["oneOf"]]
        if sum(1 for f in fits if not f) != 1:
            out.append("%s: matches %d of oneOf" % (where, sum(1 for f in fits if not f)))
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        ok = {"null": value is None, "boolean": isinstance(value, bool),
              "integer": isinstance(value, int) and not isinstance(value, bool),
              "number": isinstance(value, (int, float)) and not isinstance(value, bool),
              "string": isinstance(value, str), "array": isinstance(value, list),
              "object": isinstance(value, dict)}
        if not any(ok[k] for k in kinds):
            return out + ["%s: %r is not %s" % (where, value, "/".join(kinds))]
    if "enum" in schema and value not in schema["enum"]:
        out.append("%s: %r not in %s" % (where, value, schema["enum"]))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1 << 60):
            out.append("%s: length %d out of range" % (where, len(value)))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append("%s: %r does not match %s" % (where, value, schema["pattern"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            out.append("%s: %r out of range" % (where, value))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += validate(doc, schema["items"], item, "%s[%d]" % (where, i))
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                out.append("%s: missing %s" % (where, name))
        props = schema.get("properties", {})
        for name, item in value.items():
            if name in props:
                out += validate(doc, props[name], item, "%s.%s" % (where, name))
            elif schema.get("additionalProperties") is False:
                out.append("%s: unexpected %s" % (where, name))
    return out


class OpenApiTest(HomeTestCase):
    def setUp(self):
        super().setUp()
        with open(DOC, encoding="utf-8") as f:
            self.doc = json.load(f)
        # b fails: the run has a callback, sent, for listCallbacks to answer.
        self.home.write_dag(dag("hello", [task("a", ["sh", "-c", "echo hi"]), task("b", ["false"], upstream=["a"])],
                                schedule="@daily", on_failure={"command": ["true"]}))
        self.home.write_dag('{"dag_id": "broken", "tasks": [{"task_id": 3}]}', "broken.json")
        with open(os.path.join(self.home.root, "dagrun.json"), "w", encoding="utf-8") as f:
            json.dump({"pools": [{"name": "api", "slots": 2, "description": "the API"}]}, f)
        _, self.run_id = self.home.trigger_new("hello")
        # Two backfills: 1 is cancelled, 2 paused and resumed.
        for day in ("2026-02-01", "2026-02-05"):
            self.assertRc(self.home.run("backfill", "hello", "--from", day, "--to", day), 0)
        self.server = Server(self.home)

    def tearDown(self):
        self.server.proc.kill()
        self.server.proc.wait()
        super().tearDown()

    def check(self, method, template, path, body=None, expect=None):
        """Calls path; checks the status is documented for the operation and
        a JSON body validates against that status's schema."""
        op = self.doc["paths"][template][method.lower()]
        code, headers, data = self.server.request(method, path, body)
        if expect is not None:
            self.assertEqual(code, expect, data)
        self.assertIn(str(code), op["responses"], "%s %s answered %d, which the document lacks" % (method, path, code))
        content = op["responses"][str(code)].get("content", {})
        ctype = headers.get("content-type", "").split(";")[0]
        self.assertIn(ctype, content, "%s %s answered %s" % (method, path, ctype))
        if ctype == "application/json":
            problems = validate(self.doc, content[ctype]["schema"], data)
            self.assertEqual(problems, [], "%s %s" % (method, path))
        return data

    def test_every_documented_operation_is_answered_as_documented(self):
        calls = {
            ("get", "/healthz"): ["/healthz"],
            ("get", "/metrics"): ["/metrics"],
            ("get", "/api/v1/openapi.json"): ["/api/v1/openapi.json"],
            ("get", "/api/v1/dags"): ["/api/v1/dags"],
            ("get", "/api/v1/dags/{dag_id}"): ["/api/v1/dags/hello", "/api/v1/dags/broken"],
            ("get", "/api/v1/dags/{dag_id}/source"): ["/api/v1/dags/hello/source"],
            ("get", "/api/v1/runs/{run_id}/xcoms"): ["/api/v1/runs/%s/xcoms" % self.run_id],
            ("get", "/api/v1/runs/{run_id}/callbacks"): ["/api/v1/runs/%s/callbacks" % self.run_id,
                                                          "/api/v1/runs/nothing/callbacks"],
            ("get", "/api/v1/pools"): ["/api/v1/pools"],
            ("get", "/api/v1/backfills"): ["/api/v1/backfills", "/api/v1/backfills?dag_id=hello"],
            ("get", "/api/v1/backfills/{backfill_id}"): ["/api/v1/backfills/1", "/api/v1/backfills/99",
                                                         "/api/v1/backfills/x"],
            ("post", "/api/v1/backfills/{backfill_id}/cancel"): ["/api/v1/backfills/1/cancel"],
            ("post", "/api/v1/backfills/{backfill_id}/pause"): ["/api/v1/backfills/2/pause"],
            ("post", "/api/v1/backfills/{backfill_id}/unpause"): ["/api/v1/backfills/2/unpause"],
            ("get", "/api/v1/dags/{dag_id}/runs"): ["/api/v1/dags/hello/runs", "/api/v1/dags/hello/runs?limit=1"],
            ("post", "/api/v1/dags/{dag_id}/runs"): ["/api/v1/dags/hello/runs"],
            ("post", "/api/v1/dags/{dag_id}/pause"): ["/api/v1/dags/hello/pause"],
            ("post", "/api/v1/dags/{dag_id}/unpause"): ["/api/v1/dags/hello/unpause"],
            ("post", "/api/v1/dags/{dag_id}/backfill"): ["/api/v1/dags/hello/backfill"],
            ("get", "/api/v1/runs/{run_id}"): ["/api/v1/runs/" + self.run_id],
            ("get", "/api/v1/runs/{run_id}/tries"): ["/api/v1/runs/%s/tries" % self.run_id],
            ("get", "/api/v1/runs/{run_id}/tasks/{task_id}/log"): ["/api/v1/runs/%s/tasks/a/log" % self.run_id],
            ("post", "/api/v1/runs/{run_id}/clear"): ["/api/v1/runs/%s/clear" % self.run_id],
            ("post", "/api/v1/runs/{run_id}/cancel"): ["/api/v1/runs/queued1/cancel"],
        }
        expected = {("post", "/api/v1/dags/{dag_id}/runs"): 201, ("post", "/api/v1/runs/{run_id}/cancel"): 202,
                    ("get", "/api/v1/runs/{run_id}/callbacks"): None,
                    ("get", "/api/v1/backfills/{backfill_id}"): None,
                    ("post", "/api/v1/backfills/{backfill_id}/cancel"): 202,
                    ("post", "/api/v1/dags/{dag_id}/backfill"): 201}
        bodies = {("post", "/api/v1/dags/{dag_id}/backfill"): {"from": "2026-03-01", "to": "2026-03-03"}}
        self.assertEqual(self.server.post("/api/v1/dags/hello/runs", {"run_id": "queued1"})[0], 201)
        documented = {(m, p) for p, ops in self.doc["paths"].items() for m in ops if m in ("get", "post")}
        # The events stream is tested in test_serve.EventsTest: it does not end.
        documented.discard(("get", "/api/v1/events"))
        self.assertEqual(documented, set(calls))
        for (method, template), paths in sorted(calls.items()):
            for path in paths:
                with self.subTest(path=path, method=method):
                    body = bodies.get((method, template), {}) if method == "post" else None
                    self.check(method.upper(), template, path, body, expect=expected.get((method, template), 200))

    def test_the_server_serves_the_document_it_was_built_with(self):
        code, headers, served = self.server.get("/api/v1/openapi.json")
        self.assertEqual((code, headers["content-type"]), (200, "application/json"))
        self.assertEqual(served, self.doc)

    def test_errors_are_documented_and_shaped(self):
        cases = [
            ("GET", "/api/v1/dags/{dag_id}", "/api/v1/dags/nowhere", None, 404),
            ("GET", "/api/v1/dags/{dag_id}", "/api/v1/dags/..", None, 400),
            ("GET", "/api/v1/dags/{dag_id}/runs", "/api/v1/dags/hello/runs?limit=0", None, 400),
            ("POST", "/api/v1/dags/{dag_id}/runs", "/api/v1/dags/broken/runs", {}, 400),
            ("POST", "/api/v1/dags/{dag_id}/runs", "/api/v1/dags/hello/runs", {"run_id": self.run_id}, 409),
            ("POST", "/api/v1/dags/{dag_id}/runs", "/api/v1/dags/hello/runs", {"x": 1}, 400),
            ("POST", "/api/v1/dags/{dag_id}/pause", "/api/v1/dags/nowhere/pause", {}, 404),
            ("GET", "/api/v1/runs/{run_id}", "/api/v1/runs/none", None, 404),
            ("GET", "/api/v1/runs/{run_id}/tasks/{task_id}/log", "/api/v1/runs/%s/tasks/a/log?try=9" % self.run_id,
             None, 404),
            ("POST", "/api/v1/runs/{run_id}/clear", "/api/v1/runs/none/clear", {}, 404),
            ("POST", "/api/v1/runs/{run_id}/clear", "/api/v1/runs/%s/clear" % self.run_id, {"task_ids": 1}, 400),
            ("POST", "/api/v1/runs/{run_id}/cancel", "/api/v1/runs/%s/cancel" % self.run_id, {}, 409),
            ("POST", "/api/v1/runs/{run_id}/cancel", "/api/v1/runs/none/cancel", {}, 404),
        ]
        for method, template, path, body, status in cases:
            with self.subTest(path=path):
                data = self.check(method, template, path, body, expect=status)
                self.assertTrue(data["error"])

    def test_the_document_names_each_state_the_engine_has(self):
        schemas = self.doc["components"]["schemas"]
        r = self.home.run("runs", "--state", "nonsense")
        self.assertIn("queued, running, success or failed", r.err)
        self.assertEqual(schemas["RunState"]["enum"], ["queued", "running", "success", "failed"])
        rows = self.home.json("tasks", self.run_id)
        for row in rows:
            self.assertIn(row["state"], schemas["TaskState"]["enum"])


if __name__ == "__main__":
    unittest.main()
