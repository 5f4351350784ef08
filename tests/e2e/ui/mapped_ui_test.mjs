// A run of a mapped task on its page: the instances folded into one row
// under their task with their states counted, opened on the failed one,
// folded and unfolded by hand, each instance's log a click away. Started by
// tests/e2e/test_ui.py after it ran the DAG.
//
// Environment: that of browser.mjs, and DAGRUN_UI_RUN (a run of a task
// `each` mapped over 12 items, the one at index 5 failing).
import { base, env, step, withPage } from "./browser.mjs";

const runId = env("DAGRUN_UI_RUN");

await withPage(async (page, shot) => {
  step("the run's page folds the 12 instances under their task, with their states counted");
  await page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
  const summary = page.locator('#tries tr.instances[data-task="each"][data-instances="12"]');
  await summary.waitFor();
  const counts = await summary.innerText();
  if (!counts.includes("11 success · 1 failed")) throw new Error(`the instances' states are not counted: ${counts}`);

  step("it opens on the failed instance's try, and the graph marks the mapped task failed");
  await page.locator('#tries tr.instance.selected[data-task="each[5]"][data-try="1"][data-state="failed"]').waitFor();
  await page.locator("#log").getByText("item 5 fails").waitFor();
  await page.locator('#run-graph g.node[data-task="each"][data-state="failed"]').waitFor();
  await page.locator('#run-graph g.node.selected[data-task="each"]').waitFor();
  await shot("13-mapped-run.png");

  step("fold and unfold them");
  const rows = page.locator("#tries tr.instance");
  await page.locator('#tries button[data-toggle="each"]').getByText("Hide 12 instances").click();
  await page.locator('#tries button[data-toggle="each"]').getByText("Show 12 instances").waitFor();
  if ((await rows.count()) !== 0) throw new Error(`folded, ${await rows.count()} instance rows still show`);
  await page.locator('#tries button[data-toggle="each"]').click();
  await page.locator('#tries tr.instance[data-task="each[11]"]').waitFor();
  if ((await rows.count()) !== 12) throw new Error(`unfolded, ${await rows.count()} instance rows show, not 12`);

  step("an instance's log, and the mapped task in the graph points at its instances");
  await page.locator('#tries tr.instance[data-task="each[3]"]').click();
  await page.locator("#log").getByText("item 3 ok").waitFor();
  await page.locator('#run-graph g.node[data-task="each"]').click();
  await page.getByText("each is mapped: choose one of its 12 instances.").waitFor();
});
