// The DAG page's grid in headless Chromium, for tools/bench/ui_bench.py.
// For each of REPEAT fresh browser contexts: navigates to /dags/DAG and
// measures the time from the navigation's start to the grid drawn (its
// first page of runs, every cell coloured by its task's state); in the
// last, also clicks "Older runs" until every run is there and measures
// that, then in a fresh page the same with one click on "All older runs".
// Prints one JSON line.
//
// Environment: DAGRUN_UI_URL, DAGRUN_CHROMIUM, DAGRUN_UI_NODE_MODULES,
// DAGRUN_UI_DAG, DAGRUN_BENCH_REPEAT, DAGRUN_BENCH_RUNS (the runs there are).
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env("DAGRUN_UI_URL").replace(/\/$/, "");
const dagId = env("DAGRUN_UI_DAG");
const repeat = Number(env("DAGRUN_BENCH_REPEAT"));
const totalRuns = Number(env("DAGRUN_BENCH_RUNS"));
const require = createRequire(path.join(env("DAGRUN_UI_NODE_MODULES"), "noop.js"));
const { chromium } = require("playwright-core");

// The time (performance.now(), from the navigation's start) once the grid
// has `runs` columns and no cell still waits for its state.
const drawnAt = (runs) => {
  if (document.querySelectorAll("#grid thead span[data-run]").length < runs) return false;
  return document.querySelector('#grid tbody span[data-state="none"]') === null && performance.now();
};

const browser = await chromium.launch({
  executablePath: env("DAGRUN_CHROMIUM"),
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
});
const result = { first: [], first_runs: 0, cells: 0, all_s: null, all_runs: 0, older_clicks: 0, all_at_once_s: null };
try {
  for (let i = 0; i < repeat; i++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(120000);
    await page.goto(`${base}/dags/${dagId}`, { waitUntil: "commit" });
    // performance.now() counts from the navigation's start.
    const firstPage = Math.min(25, totalRuns);
    const handle = await page.waitForFunction(drawnAt, firstPage, { polling: "raf" });
    result.first.push((await handle.jsonValue()) / 1000);
    result.first_runs = await page.locator("#grid thead span[data-run]").count();
    result.cells = await page.locator("#grid tbody span[data-state]").count();
    if (i === repeat - 1) {
      const began = await page.evaluate(() => performance.now());
      const older = page.locator("#older");
      while (await older.isVisible()) {
        const before = await page.locator("#grid thead span[data-run]").count();
        await older.click();
        result.older_clicks++;
        // More columns, or none and no more pages (a full last page still has a cursor).
        await page.waitForFunction((n) => document.querySelectorAll("#grid thead span[data-run]").length > n ||
          document.getElementById("older").hidden, before);
      }
      const done = await page.waitForFunction(drawnAt, totalRuns, { polling: "raf" });
      result.all_s = ((await done.jsonValue()) - began) / 1000;
      result.all_runs = await page.locator("#grid thead span[data-run]").count();
    }
    if (i === repeat - 1) {
      // Again in a fresh page, with one click on "All older runs".
      await page.goto(`${base}/dags/${dagId}`, { waitUntil: "commit" });
      await page.waitForFunction(drawnAt, firstPage, { polling: "raf" });
      const began = await page.evaluate(() => performance.now());
      await page.locator("#all-older").click();
      const done = await page.waitForFunction(drawnAt, totalRuns, { polling: "raf" });
      result.all_at_once_s = ((await done.jsonValue()) - began) / 1000;
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
