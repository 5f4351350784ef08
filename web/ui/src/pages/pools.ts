// The pools (docs/pools.md): each one's slots, how many are held and open,
// and the tries holding them and waiting in line, in the order the line
// serves them. Live events of tries starting and ending redraw it.

import { api, Pool, PoolTry } from "../api";
import { clear, h, link, shortTime } from "../dom";
import { Page } from "../page";

export function poolsPage(): Page {
  const body = h("tbody");
  const detail = h("div", { id: "pool-tries" });
  const el = h("section", { class: "page" },
    h("h1", null, "Pools"),
    h("table", { class: "list", id: "pool-list" },
      h("thead", null, h("tr", null, h("th", null, "Pool"), h("th", null, "Slots"), h("th", null, "Used"),
        h("th", null, "Open"), h("th", null, "Waiting"), h("th", null, "Description"))),
      body),
    detail);

  function tries(title: string, list: PoolTry[]): HTMLElement {
    return h("table", { class: "list" },
      h("caption", null, title),
      h("thead", null, h("tr", null, h("th", null, "Run"), h("th", null, "Task"), h("th", null, "Try"),
        h("th", null, "Slots"), h("th", null, "Priority"), h("th", null, "Since"))),
      h("tbody", null, ...list.map((t) => h("tr", { "data-task": t.task_id },
        h("td", null, link(`/runs/${encodeURIComponent(t.run_id)}`, t.run_id)),
        h("td", null, t.task_id), h("td", null, String(t.try_number)), h("td", null, String(t.slots)),
        h("td", null, String(t.priority_weight)), h("td", { title: t.since }, shortTime(t.since))))));
  }

  function row(p: Pool): HTMLTableRowElement {
    return h("tr", { "data-pool": p.name },
      h("td", null, p.name),
      h("td", { class: "slots" }, p.slots === null ? "?" : String(p.slots)),
      h("td", { class: "used" }, String(p.used)),
      h("td", { class: "open" }, p.open === null ? "" : String(p.open)),
      h("td", { class: "waiting" }, String(p.waiting.length)),
      h("td", null, p.slots === null ? h("span", { class: "muted" }, "not declared here") : p.description));
  }

  async function load(): Promise<void> {
    const pools = await api.pools();
    clear(body);
    clear(detail);
    if (pools.length === 0)
      body.append(h("tr", null, h("td", { colspan: 6, class: "muted" }, "No pools: declare them in dagrun.json.")));
    for (const p of pools) {
      body.append(row(p));
      if (p.holders.length > 0) detail.append(h("h2", null, p.name), tries("Holding", p.holders));
      if (p.waiting.length > 0) {
        if (p.holders.length === 0) detail.append(h("h2", null, p.name));
        detail.append(tries("Waiting, in the order they are served", p.waiting));
      }
    }
  }

  // A try's start or end changes the pools; redraw at most twice a second.
  // A place in line is not an event: look again every 5 s too.
  let pending: ReturnType<typeof setTimeout> | null = null;
  const every = setInterval(() => void load().catch(() => undefined), 5000);
  const page: Page = {
    el,
    onEvent(type) {
      if (type !== "try" && type !== "task" && type !== "reset") return;
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        void load();
      }, 500);
    },
    dispose() {
      if (pending) clearTimeout(pending);
      clearInterval(every);
    },
  };
  load().catch((e) => el.append(h("p", { class: "error" }, String(e.message ?? e))));
  return page;
}
