// The news bot from the UI, as a person would run it after tools/demo:
// pause and unpause it, trigger it, watch its four stages turn to success without a reload, then
// read its Gantt and the log of the stage that posted to Slack. Started by
// tests/e2e/test_ui.py against a `dagrun serve --with-scheduler` whose .env
// points the bot at the Naver/Slack stand-in.
//
// Environment: that of browser.mjs, and DAGRUN_UI_NEWS_DAG (the bot's id).
import { base, env, step, withPage, markDocument, assertSameDocument } from "./browser.mjs";

const dagId = env("DAGRUN_UI_NEWS_DAG");
const stages = ["fetch_news", "filter_duplicates", "send_notifications", "cleanup"];

await withPage(async (page, shot) => {
  step("the news bot in the DAG list, with its schedule in words");
  await page.goto(`${base}/`);
  const row = page.locator(`#dag-list tr[data-dag="${dagId}"]`);
  await row.waitFor();
  const rowText = await row.innerText();
  if (!rowText.includes("Every 10 minutes")) throw new Error(`the bot's row lacks its schedule in words: ${rowText}`);

  step("open its page");
  await row.getByRole("link", { name: dagId }).click();
  await page.waitForURL(`${base}/dags/${dagId}`);
  await page.locator("#grid").waitFor();
  await markDocument(page);

  step("pause it and unpause it from its page");
  await page.locator("#paused-state").getByText("active").waitFor();
  await page.locator("#pause").click();
  await page.locator("#paused-state .badge.paused").waitFor();
  await page.locator("#pause").getByText("Unpause").waitFor();
  // The history says so too, as the API reads it.
  const answer = await (await page.request.get(`${base}/api/v1/dags/${dagId}`)).json();
  if (answer.paused !== true) throw new Error(`the API does not see the DAG paused: ${JSON.stringify(answer.paused)}`);
  await page.locator("#pause").click();
  await page.locator("#paused-state").getByText("active").waitFor();
  await page.locator("#pause").getByText("Pause").waitFor();

  step("trigger it from its page");
  await page.locator("#trigger").click();
  await page.locator("#trigger-submit").click();
  const head = page.locator("#grid thead span[data-run]").last();
  await head.waitFor();
  const runId = await head.getAttribute("data-run");
  console.log(`triggered ${runId}`);

  step("its stages turn to success from live events");
  for (const task of stages)
    await page.locator(`#grid span[data-run="${runId}"][data-task="${task}"][data-state="success"]`)
      .waitFor({ timeout: 120000 });
  await page.locator(`#grid thead span[data-run="${runId}"][data-state="success"]`).waitFor({ timeout: 30000 });
  await assertSameDocument(page);
  await shot("10-news-grid.png");

  step("its run: the graph, a Gantt bar per stage, the log of the Slack stage");
  await page.locator(`#grid span[data-run="${runId}"][data-task="send_notifications"]`).click();
  await page.waitForURL(`${base}/runs/${encodeURIComponent(runId)}`);
  for (const task of stages) {
    await page.locator(`#run-graph g.node[data-task="${task}"][data-state="success"]`).waitFor();
    await page.locator(`#gantt g.bar[data-task="${task}"][data-try="1"][data-state="success"]`).waitFor();
  }
  const bars = await page.locator("#gantt g.bar").count();
  if (bars !== stages.length) throw new Error(`the Gantt chart has ${bars} bars, not ${stages.length}`);
  await page.locator('#run-graph g.node[data-task="send_notifications"]').click();
  const log = page.locator("#log");
  await log.getByText(/articles sent in \d+ messages/).waitFor();
  const text = await log.innerText();
  // The log says where it posted, never the webhook's secret path.
  if (text.includes("WEBHOOKSECRET")) throw new Error("the webhook's secret reached the page");
  // What filter_duplicates pushed is on the run's page too.
  await page.locator('#run-graph g.node[data-task="filter_duplicates"]').click();
  await page.locator('#xcoms tr[data-key="summary"]').waitFor();
  await assertSameDocument(page);
  await shot("11-news-run.png");
  console.log(`done ${runId}`);
});
