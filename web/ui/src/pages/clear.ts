// The clear dialog of a finished run: which tasks run again (the failed ones
// are ticked at first), with or without their downstream tasks, or only the
// failed among them. POST /api/v1/runs/{id}/clear; the scheduler reruns them.

import { api, Try } from "../api";
import { formDialog } from "../dialog";
import { h } from "../dom";

const FAILED = new Set(["failed", "upstream_failed"]);

export function clearDialog(runId: string, tries: Try[], done: (cleared: string[]) => void): void {
  const latest = new Map<string, Try>();
  for (const t of tries) {
    const seen = latest.get(t.task_id);
    if (!seen || t.try_number >= seen.try_number) latest.set(t.task_id, t);
  }
  const anyFailed = [...latest.values()].some((t) => FAILED.has(t.state));
  const boxes = [...latest.values()].map((t) => {
    const box = h("input", { type: "checkbox", value: t.task_id, "data-task": t.task_id });
    box.checked = anyFailed ? FAILED.has(t.state) : true;
    return { box, row: h("label", { class: "check" }, box, ` ${t.task_id} `, h("span", { class: "muted" }, t.state)) };
  });
  const downstream = h("input", { type: "checkbox", id: "clear-downstream" });
  downstream.checked = true;
  const failedOnly = h("input", { type: "checkbox", id: "clear-failed-only" });
  formDialog({
    id: "clear-dialog",
    title: `Clear tasks of ${runId}`,
    fields: [
      h("p", { class: "muted" }, "Cleared tasks run again: the run goes back to the scheduler. Their earlier tries stay listed."),
      h("div", { class: "checks", id: "clear-tasks" }, boxes.map((b) => b.row)),
      h("label", { class: "check" }, downstream, " and every task downstream of them"),
      h("label", { class: "check" }, failedOnly, " only those that failed")],
    submitLabel: "Clear",
    submitId: "clear-submit",
    closeLabel: "Close",
    submit: async () => {
      const chosen = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      if (chosen.length === 0) return "Tick at least one task.";
      const r = await api.clear(runId, {
        ...(chosen.length === boxes.length ? {} : { task_ids: chosen }),
        downstream: downstream.checked, failed_only: failedOnly.checked,
      });
      done(r.cleared);
    },
  });
}
