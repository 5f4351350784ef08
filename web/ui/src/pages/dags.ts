// The DAG list: id, schedule in words, the next run's time, paused, valid or not (with the loader's
// diagnostics), and a strip of the latest runs that live events keep current.

import { api, Dag, Run } from "../api";
import { clear, h, link, shortTime } from "../dom";
import { Page, stateClass } from "../page";
import { scheduleWords } from "../schedule";

const STRIP = 10;

export function dagsPage(): Page {
  const body = h("tbody");
  const el = h("section", { class: "page" },
    h("h1", null, "DAGs"),
    h("table", { class: "list", id: "dag-list" },
      h("thead", null, h("tr", null, h("th", null, "DAG"), h("th", null, "Schedule"), h("th", null, "Next run"),
        h("th", null, "Paused"),
        h("th", null, "Status"), h("th", null, "Latest runs"))),
      body));
  const strips = new Map<string, { runs: Run[]; el: HTMLElement }>();

  function drawStrip(dagId: string): void {
    const s = strips.get(dagId);
    if (!s) return;
    clear(s.el);
    // Oldest on the left, as in the DAG's grid.
    for (const r of [...s.runs].reverse())
      s.el.append(link(`/runs/${encodeURIComponent(r.run_id)}`,
        h("span", { class: stateClass(r.state), title: `${r.run_id}: ${r.state} ${shortTime(r.start_date ?? r.queued_at)}`,
          "data-run": r.run_id, "data-state": r.state })));
    if (s.runs.length === 0) s.el.append(h("span", { class: "muted" }, "no runs yet"));
  }

  function row(d: Dag): HTMLTableRowElement {
    const strip = h("span", { class: "strip" });
    strips.set(d.dag_id, { runs: [], el: strip });
    const status = d.valid
      ? h("span", { class: "ok" }, "valid")
      : h("details", { class: "invalid" }, h("summary", null, "invalid"),
          h("pre", { class: "errors" }, (d.errors ?? []).join("\n")));
    return h("tr", { "data-dag": d.dag_id },
      h("td", null, d.valid ? link(`/dags/${encodeURIComponent(d.dag_id)}`, d.dag_id) : d.dag_id,
        d.description ? h("div", { class: "muted" }, d.description) : null),
      h("td", { class: "schedule" }, d.valid ? scheduleWords(d.schedule, d.timezone) : "",
        d.schedule ? h("div", null, h("code", { class: "muted" }, d.schedule)) : null),
      h("td", { class: "next-run" }, nextRun(d)),
      h("td", null, d.paused ? h("span", { class: "badge paused" }, "paused") : "no"),
      h("td", null, status),
      h("td", null, strip));
  }

  async function load(): Promise<void> {
    const dags = await api.dags();
    clear(body);
    strips.clear();
    if (dags.length === 0) body.append(h("tr", null, h("td", { colspan: 6, class: "muted" }, "No DAG files in dags/.")));
    for (const d of dags) body.append(row(d));
    await Promise.all(dags.filter((d) => d.valid).map(async (d) => {
      const page = await api.runs(d.dag_id, STRIP);
      const s = strips.get(d.dag_id);
      if (s) s.runs = page.runs;
      drawStrip(d.dag_id);
    }));
  }

  const page: Page = {
    el,
    onEvent(type, data) {
      if (type === "reset") {
        void load();
        return;
      }
      if (type !== "run") return;
      const run = data as Run;
      const s = strips.get(run.dag_id);
      if (!s) return;
      const i = s.runs.findIndex((r) => r.run_id === run.run_id);
      if (i >= 0) s.runs[i] = run;
      else s.runs = [run, ...s.runs].slice(0, STRIP);
      drawStrip(run.dag_id);
    },
  };
  load().catch((e) => el.append(h("p", { class: "error" }, String(e.message ?? e))));
  return page;
}

// A scheduled run is due when its data interval ends (docs/scheduler.md).
function nextRun(d: Dag): Node | string {
  if (!d.next_run) return h("span", { class: "muted" }, d.valid ? "none" : "");
  if (d.paused) return h("span", { class: "muted", title: "paused" }, shortTime(d.next_run.data_interval_end), " (paused)");
  return h("span", { title: d.next_run.data_interval_end }, d.next_run.due_now ? "due now" : shortTime(d.next_run.data_interval_end));
}
