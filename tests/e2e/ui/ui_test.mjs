// The UI in a real headless Chromium, driven by playwright-core; started by
// tests/e2e/test_ui.py, which owns the server and the scheduler. It prints
// "triggered RUN_ID" once the UI has queued a run, and the Python side then
// starts `dagrun scheduler`; every other line is progress for the test log.
//
// Environment: DAGRUN_UI_URL (the server), DAGRUN_CHROMIUM (the browser),
// DAGRUN_UI_NODE_MODULES (the build's web/ui/node_modules, where
// playwright-core is), DAGRUN_UI_OUT (screenshots go there), DAGRUN_UI_DAG.
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env("DAGRUN_UI_URL").replace(/\/$/, "");
const out = env("DAGRUN_UI_OUT");
const dagId = env("DAGRUN_UI_DAG");
const require = createRequire(path.join(env("DAGRUN_UI_NODE_MODULES"), "noop.js"));
const { chromium } = require("playwright-core");

const step = (text) => console.log(`ui_test: ${text}`);
const problems = [];

const browser = await chromium.launch({
  executablePath: env("DAGRUN_CHROMIUM"),
  headless: true,
  // As root (CI's containers) Chromium refuses to start with its sandbox.
  args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  // A script error, or anything the Content-Security-Policy blocked, fails the test.
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.setDefaultTimeout(30000);
  const shot = async (name) => page.screenshot({ path: path.join(out, name), fullPage: true });

  step("the DAG list");
  await page.goto(`${base}/`);
  const row = page.locator(`#dag-list tr[data-dag="${dagId}"]`);
  await row.waitFor();
  const rowText = await row.innerText();
  if (!rowText.includes("@daily")) throw new Error(`the DAG's row lacks its schedule: ${rowText}`);
  await page.locator('#dag-list tr[data-dag="broken"] details.invalid').waitFor();
  await row.locator(".strip").getByText("no runs yet").waitFor();
  await shot("01-dags.png");

  step("the DAG's page, and a trigger with conf from its dialog");
  await row.getByRole("link", { name: dagId }).click();
  await page.locator("#grid").waitFor();
  await page.waitForURL(`${base}/dags/${dagId}`);
  // Gone if anything reloads the page.
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.locator("#trigger").click();
  await page.locator("#trigger-conf").fill('{"who": "the ui test"}');
  await shot("02-trigger-dialog.png");
  await page.locator("#trigger-submit").click();
  const head = page.locator("#grid thead span[data-run]").last();
  await head.waitFor();
  const runId = await head.getAttribute("data-run");
  step(`queued ${runId}`);
  console.log(`triggered ${runId}`);

  step("the grid's cells turn to success from live events");
  for (const task of ["extract", "report"]) {
    await page.locator(`#grid span[data-run="${runId}"][data-task="${task}"][data-state="success"]`)
      .waitFor({ timeout: 90000 });
  }
  await page.locator(`#grid thead span[data-run="${runId}"][data-state="success"]`).waitFor({ timeout: 30000 });
  if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error("the page was reloaded");
  await shot("03-grid-success.png");

  step("the run's page and a task's log");
  await page.locator(`#grid span[data-run="${runId}"][data-task="extract"]`).click();
  await page.waitForURL(`${base}/runs/${encodeURIComponent(runId)}`);
  await page.locator('#tries tr[data-task="extract"][data-try="1"]').click();
  const log = page.locator("#log");
  await log.getByText("rows extracted").waitFor();
  // The ANSI green became a span, and markup in the log stayed text.
  const green = await log.locator("span.ansi-fg-2").first().innerText();
  if (green !== "rows extracted") throw new Error(`the ANSI colour was not rendered: ${green}`);
  const text = await log.innerText();
  if (!text.includes("<b>not markup</b>")) throw new Error(`the log lost its text: ${text}`);
  if (await log.locator("b").count()) throw new Error("the log's text became markup");
  if (text.includes("\u001b")) throw new Error("an escape character reached the page");
  if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error("the page was reloaded");
  await shot("04-run-log.png");

  if (problems.length) throw new Error(problems.join("\n"));
  step("ok");
} finally {
  await browser.close();
}
