// A DAG's backfills (docs/scheduler.md#a-backfill-as-a-whole): each one's
// range, state and runs by state, with Pause / Resume / Cancel acting on it
// as a whole. The DAG's page redraws it on run events.

import { api, Backfill } from "../api";
import { clear, h, shortTime } from "../dom";

export interface BackfillsPanel {
  el: HTMLElement;
  load(): Promise<void>;
}

export function backfillsPanel(dagId: string, onError: (message: string) => void): BackfillsPanel {
  const body = h("tbody");
  const el = h("details", { class: "backfills", id: "backfills", hidden: true },
    h("summary", null, "Backfills"),
    h("table", { class: "list" },
      h("thead", null, h("tr", null, h("th", null, "#"), h("th", null, "Range"), h("th", null, "State"),
        h("th", null, "Runs"), h("th", null, "At once"), h("th", null, ""))),
      body));

  const act = (b: Backfill, action: "pause" | "unpause" | "cancel") => async () => {
    if (action === "cancel" && !confirm(`Cancel backfill ${b.id}? Its queued runs fail and its running ones stop.`))
      return;
    try {
      await api.backfillAction(b.id, action);
      await panel.load();
    } catch (e: any) {
      onError(e.message);
    }
  };

  function row(b: Backfill): HTMLTableRowElement {
    const n = b.runs;
    const buttons: HTMLElement[] = [];
    if (b.state === "running") buttons.push(h("button", { type: "button", class: "secondary", "data-act": "pause", onclick: act(b, "pause") }, "Pause"));
    if (b.state === "paused") buttons.push(h("button", { type: "button", class: "secondary", "data-act": "unpause", onclick: act(b, "unpause") }, "Resume"));
    if (b.state === "running" || b.state === "paused")
      buttons.push(h("button", { type: "button", class: "secondary", "data-act": "cancel", onclick: act(b, "cancel") }, "Cancel"));
    return h("tr", { "data-backfill": String(b.id), "data-state": b.state },
      h("td", null, String(b.id)),
      h("td", { title: `${b.from} → ${b.to}` }, `${shortTime(b.from)} → ${shortTime(b.to)}`),
      h("td", { class: "backfill-state" }, b.state),
      h("td", null, `${n.success} done, ${n.failed} failed, ${n.running} running, ${n.queued} queued`),
      h("td", null, b.max_active_runs === null ? "the DAG's" : String(b.max_active_runs)),
      h("td", null, ...buttons));
  }

  const panel: BackfillsPanel = {
    el,
    async load() {
      const list = await api.backfills(dagId);
      clear(body);
      for (const b of list) body.append(row(b));
      el.hidden = list.length === 0;
      if (list.some((b) => b.state === "running" || b.state === "paused")) el.setAttribute("open", "");
    },
  };
  return panel;
}
