// The backfill dialog of a scheduled DAG: a range of dates in the DAG's time
// zone, what to do with intervals that have a run, and a preview (a dry run)
// of each interval before anything is queued.
// POST /api/v1/dags/{id}/backfill; the scheduler runs the runs it queues.

import { api, BackfillInterval, BackfillRequest } from "../api";
import { formDialog } from "../dialog";
import { h } from "../dom";

export function backfillDialog(dagId: string, timezone: string, done: (queued: number) => void): void {
  const from = h("input", { type: "date", id: "backfill-from", required: true });
  const to = h("input", { type: "date", id: "backfill-to", required: true });
  const reprocess = h("select", { id: "backfill-reprocess" },
    h("option", { value: "none" }, "skip intervals that have a run"),
    h("option", { value: "failed" }, "run failed ones again"),
    h("option", { value: "all" }, "run every one again"));
  const backwards = h("input", { type: "checkbox", id: "backfill-backwards" });
  const maxActive = h("input", { type: "number", id: "backfill-max-active-runs", min: "1", max: "100000",
    placeholder: "the DAG's" });
  const preview = h("div", { class: "checks", id: "backfill-preview", hidden: true });
  const request = (dry_run: boolean): BackfillRequest | string => {
    if (!from.value || !to.value) return "Choose the first and the last day.";
    const r: BackfillRequest = { from: from.value, to: to.value, reprocess: reprocess.value as BackfillRequest["reprocess"],
                                 backwards: backwards.checked, dry_run };
    if (maxActive.value) r.max_active_runs = Number(maxActive.value);
    return r;
  };
  const show = (intervals: BackfillInterval[]) => {
    preview.hidden = false;
    preview.replaceChildren(...(intervals.length === 0 ? [h("p", { class: "muted" }, "No interval in this range.")]
      : intervals.map((i) => h("div", { class: `backfill-${i.action}`, "data-action": i.action },
          h("b", null, i.action), ` ${i.data_interval_start} → ${i.data_interval_end} `,
          h("span", { class: "muted" }, i.note)))));
  };
  const previewButton = h("button", { type: "button", class: "secondary", id: "backfill-preview-button",
    onclick: async () => {
      const r = request(true);
      if (typeof r === "string") return void (problemOf(dialog).textContent = r);
      try {
        show((await api.backfill(dagId, r)).intervals);
        problemOf(dialog).textContent = "";
      } catch (e: any) {
        problemOf(dialog).textContent = e.message;
      }
    } }, "Preview");
  const dialog = formDialog({
    id: "backfill-dialog",
    title: `Backfill ${dagId}`,
    fields: [
      h("p", { class: "muted" }, `One run per interval of the schedule starting in the range (days in ${timezone}).`),
      h("label", { for: "backfill-from" }, "from"), from,
      h("label", { for: "backfill-to" }, "to (its intervals included)"), to,
      h("label", { for: "backfill-reprocess" }, "intervals that already have a run"), reprocess,
      h("label", { for: "backfill-max-active-runs" }, "runs at once"), maxActive,
      h("label", { class: "check" }, backwards, " newest first"),
      previewButton, preview],
    submitLabel: "Backfill",
    submitId: "backfill-submit",
    closeLabel: "Cancel",
    submit: async () => {
      const r = request(false);
      if (typeof r === "string") return r;
      const result = await api.backfill(dagId, r);
      done(result.intervals.filter((i) => i.action !== "skip").length);
    },
  });
  from.focus();
}

function problemOf(dialog: HTMLDialogElement): HTMLElement {
  return dialog.querySelector("p.error") as HTMLElement;
}
