// The UI in a real headless Chromium, driven by playwright-core; started by
// tests/e2e/test_ui.py, which owns the server and the scheduler. It prints
// "triggered RUN_ID" once the UI has queued a run, and the Python side then
// starts `dagrun scheduler`; every other line is progress for the test log.
//
// Environment: that of browser.mjs, and DAGRUN_UI_DAG (its first run fails:
// `flaky` once, then retried; `check` for good until cleared) and
// DAGRUN_UI_SLOW_DAG (one long task, to cancel).
import { base, env, step, withPage, markDocument, assertSameDocument } from "./browser.mjs";

const dagId = env("DAGRUN_UI_DAG");
const slowDagId = env("DAGRUN_UI_SLOW_DAG");

await withPage(async (page, shot) => {
  step("the DAG list");
  await page.goto(`${base}/`);
  const row = page.locator(`#dag-list tr[data-dag="${dagId}"]`);
  await row.waitFor();
  const rowText = await row.innerText();
  if (!rowText.includes("@daily")) throw new Error(`the DAG's row lacks its schedule: ${rowText}`);
  if (!rowText.includes("Every day at 00:00")) throw new Error(`the DAG's row lacks its schedule in words: ${rowText}`);
  const next = await row.locator("td.next-run").innerText();
  if (!/\d\d-\d\d \d\d:\d\d:\d\d|due now/.test(next)) throw new Error(`the DAG's row lacks its next run: ${next}`);
  const slowText = await page.locator(`#dag-list tr[data-dag="${slowDagId}"]`).innerText();
  if (!slowText.includes("At 06:30, Monday through Friday")) throw new Error(`the slow DAG's cron in words is missing: ${slowText}`);
  await page.locator('#dag-list tr[data-dag="broken"] details.invalid').waitFor();
  await row.locator(".strip").getByText("no runs yet").waitFor();
  await shot("01-dags.png");

  step("the DAG's page, and a trigger with conf from its dialog");
  await row.getByRole("link", { name: dagId }).click();
  await page.locator("#grid").waitFor();
  await page.waitForURL(`${base}/dags/${dagId}`);
  // Gone if anything reloads the page.
  await markDocument(page);
  const schedule = await page.locator("#schedule").innerText();
  if (!schedule.includes("Every day at 00:00")) throw new Error(`the DAG page's schedule: ${schedule}`);
  const nextRun = await page.locator("#next-run").innerText();
  if (!/next run (\d\d-\d\d \d\d:\d\d:\d\d|due now)/.test(nextRun)) throw new Error(`the DAG page's next run: ${nextRun}`);

  step("the DAG's graph and its file");
  await page.locator("#tab-graph").click();
  for (const task of ["extract", "flaky", "check", "summary", "report"])
    await page.locator(`#dag-graph g.node[data-task="${task}"]`).waitFor();
  const edges = await page.locator("#dag-graph path.edge").count();
  if (edges !== 5) throw new Error(`the graph has ${edges} edges, not 5`);
  await shot("02-dag-graph.png");
  await page.locator("#tab-source").click();
  await page.locator("#dag-source").getByText('"dag_id": "ui_demo"').waitFor();
  await page.locator("#tab-grid").click();
  await page.locator("#trigger").click();
  await page.locator("#trigger-conf").fill('{"who": "the ui test"}');
  await shot("03-trigger-dialog.png");
  await page.locator("#trigger-submit").click();
  const head = page.locator("#grid thead span[data-run]").last();
  await head.waitFor();
  const runId = await head.getAttribute("data-run");
  step(`queued ${runId}`);
  console.log(`triggered ${runId}`);

  step("the grid's cells turn from live events: success, a retried success, a failure");
  const cellIs = (task, state, timeout = 90000) =>
    page.locator(`#grid span[data-run="${runId}"][data-task="${task}"][data-state="${state}"]`).waitFor({ timeout });
  await cellIs("extract", "success");
  await cellIs("summary", "success");
  await cellIs("flaky", "success");
  await cellIs("check", "failed");
  await cellIs("report", "upstream_failed");
  await page.locator(`#grid thead span[data-run="${runId}"][data-state="failed"]`).waitFor({ timeout: 30000 });
  await assertSameDocument(page);
  await shot("04-grid-live.png");

  step("the grid's filters: by state, by date");
  const heads = page.locator("#grid thead span[data-run]");
  await page.locator("#filter-state").selectOption("success");
  await page.locator("#grid caption").getByText("No run matches the filters.").waitFor();
  await page.locator("#filter-state").selectOption("failed");
  await page.locator(`#grid thead span[data-run="${runId}"]`).waitFor();
  await page.locator("#filter-state").selectOption("");
  await page.locator("#filter-since").fill("2000-01-01");
  await page.locator("#filter-until").fill("2000-01-02");
  await page.locator("#filter-until").dispatchEvent("change");
  await page.locator("#grid caption").getByText("No run matches the filters.").waitFor();
  await page.locator("#filter-reset").click();
  await page.locator(`#grid thead span[data-run="${runId}"]`).waitFor();
  if ((await heads.count()) !== 1) throw new Error(`the grid shows ${await heads.count()} runs, not 1`);

  step("the run's page: its graph by state, the Gantt of its tries, a log");
  await page.locator(`#grid span[data-run="${runId}"][data-task="extract"]`).click();
  await page.waitForURL(`${base}/runs/${encodeURIComponent(runId)}`);
  for (const [task, state] of [["extract", "success"], ["flaky", "success"], ["check", "failed"], ["report", "upstream_failed"]])
    await page.locator(`#run-graph g.node[data-task="${task}"][data-state="${state}"]`).waitFor();
  // One bar per try, the retry included.
  await page.locator('#gantt g.bar[data-task="flaky"][data-try="1"][data-state="failed"]').waitFor();
  await page.locator('#gantt g.bar[data-task="flaky"][data-try="2"][data-state="success"]').waitFor();
  const bars = await page.locator("#gantt g.bar").count();
  if (bars !== 5) throw new Error(`the Gantt chart has ${bars} bars, not 5 (extract, flaky twice, check, summary)`);
  // The page opens on the failed try: what failed and why, at a glance.
  await page.locator("#log").getByText("no rows for today").waitFor();
  const failedRow = await page.locator('#tries tr[data-task="check"][data-try="1"]').innerText();
  if (!failedRow.includes("3")) throw new Error(`the failed try lacks its exit code: ${failedRow}`);
  await shot("05-run-failed.png");
  // A node of the graph chooses its task's latest try.
  await page.locator('#run-graph g.node[data-task="flaky"]').click();
  await page.locator("#log").getByText("second try works").waitFor();
  // ... and shows what the task pushed.
  await page.locator('#run-graph g.node[data-task="summary"]').click();
  await page.locator('#xcoms tr[data-key="rows"]').getByText("42").waitFor();
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
  await assertSameDocument(page);
  await shot("06-run-log.png");

  step("clear the failed task from the UI; it and its downstream run again");
  await page.locator("#clear").click();
  await page.locator('#clear-dialog input[data-task="check"]:checked').waitFor();
  await shot("07-clear-dialog.png");
  await page.locator("#clear-submit").click();
  await page.locator("#action-note").getByText("cleared").waitFor();
  await page.locator('#tries tr[data-task="check"][data-try="2"][data-state="success"]').waitFor({ timeout: 90000 });
  await page.locator('#run-graph g.node[data-task="report"][data-state="success"]').waitFor({ timeout: 90000 });
  await page.locator('#run-state[data-state="success"]').waitFor({ timeout: 30000 });
  await page.locator('#gantt g.bar[data-task="check"][data-try="2"]').waitFor();
  await shot("08-run-cleared.png");

  step("cancel a running run");
  await page.goto(`${base}/dags/${slowDagId}`);
  await page.locator("#trigger").click();
  await page.locator("#trigger-submit").click();
  const slowHead = page.locator("#grid thead span[data-run]").last();
  await slowHead.waitFor();
  const slowRun = await slowHead.getAttribute("data-run");
  await page.locator(`#grid span[data-run="${slowRun}"][data-task="wait"][data-state="running"]`).waitFor({ timeout: 60000 });
  await slowHead.click();
  await page.waitForURL(`${base}/runs/${encodeURIComponent(slowRun)}`);
  await page.locator('#run-state[data-state="running"]').waitFor();

  step("the Pools page: the slow run's try holds the pool's one slot");
  await page.locator("#nav-pools").click();
  await page.waitForURL(`${base}/pools`);
  const poolRow = page.locator('#pool-list tr[data-pool="ui_pool"]');
  await poolRow.waitFor();
  const used = await poolRow.locator("td.used").innerText();
  const open = await poolRow.locator("td.open").innerText();
  if (used !== "1" || open !== "0") throw new Error(`the pool's row: used ${used}, open ${open}`);
  const holder = await page.locator('#pool-tries tr[data-task="wait"]').innerText();
  if (!holder.includes(slowRun)) throw new Error(`the pool's holder is not the slow run: ${holder}`);
  await shot("12-pools.png");
  await page.goBack();
  await page.waitForURL(`${base}/runs/${encodeURIComponent(slowRun)}`);
  await page.locator('#run-state[data-state="running"]').waitFor();
  // A running bar grows without a reload.
  const title = () => page.locator('#gantt g.bar[data-task="wait"] title').textContent();
  const before = await title();
  await page.waitForTimeout(2200);
  const after = await title();
  if (before === after) throw new Error(`the running bar did not change: ${before}`);
  page.once("dialog", (d) => d.accept());
  await page.locator("#cancel").click();
  await page.locator('#run-state[data-state="failed"]').waitFor({ timeout: 60000 });
  await shot("09-run-cancelled.png");

  step("backfill three days from the DAG's page: a preview, then the runs in the grid, run by the scheduler");
  await page.goto(`${base}/dags/${dagId}`);
  await page.locator("#backfill").click();
  await page.locator("#backfill-from").fill("2026-03-06");
  await page.locator("#backfill-to").fill("2026-03-08");
  await page.locator("#backfill-max-active-runs").fill("2");
  await page.locator("#backfill-preview-button").click();
  await page.locator('#backfill-preview [data-action="create"]').nth(2).waitFor();
  const planned = await page.locator("#backfill-preview [data-action]").count();
  if (planned !== 3) throw new Error(`the preview lists ${planned} intervals, not 3`);
  const previewText = await page.locator("#backfill-preview").innerText();
  if (!previewText.includes("2026-03-06T00:00:00.000Z → 2026-03-07T00:00:00.000Z"))
    throw new Error(`the preview lacks the first day's interval: ${previewText}`);
  await shot("10-backfill-dialog.png");
  await page.locator("#backfill-submit").click();
  await page.locator("#backfill-dialog").waitFor({ state: "detached" });
  for (const day of ["06", "07", "08"])
    await page.locator(`#grid thead span[data-run="backfill__${dagId}__2026-03-${day}T00:00:00.000Z"][data-state="success"]`)
      .waitFor({ timeout: 90000 });
  // The backfill as a whole: its row, done once its three runs are.
  const backfillRow = page.locator('#backfills tr[data-backfill][data-state="done"]');
  await backfillRow.waitFor({ timeout: 30000 });
  const backfillText = await backfillRow.innerText();
  if (!backfillText.includes("3 done") || !backfillText.includes("2"))
    throw new Error(`the backfill's row: ${backfillText}`);
  await shot("11-backfilled.png");
});
