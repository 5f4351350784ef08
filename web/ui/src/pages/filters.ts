// The grid's filters: a run state and a range of days (local dates, sent as
// the runs API's since/until: from the first day's midnight to the midnight
// after the last day).

import { RunFilter } from "../api";
import { h } from "../dom";

const STATES = ["queued", "running", "success", "failed"];

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function dayStart(value: string, plusDays = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  return iso(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays));
}

export function runFilters(changed: (f: RunFilter) => void): HTMLElement {
  const state = h("select", { id: "filter-state" }, h("option", { value: "" }, "any state"),
    STATES.map((s) => h("option", { value: s }, s)));
  const since = h("input", { type: "date", id: "filter-since" });
  const until = h("input", { type: "date", id: "filter-until" });
  const apply = () => changed({ state: state.value || undefined, since: dayStart(since.value), until: dayStart(until.value, 1) });
  const reset = h("button", { type: "button", class: "secondary small", id: "filter-reset", onclick: () => {
    state.value = since.value = until.value = "";
    apply();
  } }, "All runs");
  for (const input of [state, since, until]) input.addEventListener("change", apply);
  return h("div", { class: "filters", id: "filters" },
    h("label", null, "State ", state), h("label", null, "from ", since), h("label", null, "to ", until), reset);
}
