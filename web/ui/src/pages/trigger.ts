// The trigger dialog: an optional conf (a JSON object) for a queued run,
// which a running `dagrun scheduler` starts.

import { api, Run } from "../api";
import { formDialog } from "../dialog";
import { h } from "../dom";

export function triggerDialog(dagId: string, done: (run: Run) => void): void {
  const conf = h("textarea", { id: "trigger-conf", rows: 6, spellcheck: "false" });
  conf.value = "{}";
  formDialog({
    id: "trigger-dialog",
    title: `Trigger ${dagId}`,
    fields: [h("label", { for: "trigger-conf" }, "conf (a JSON object, for templates as {{ conf.KEY }})"), conf],
    submitLabel: "Trigger",
    submitId: "trigger-submit",
    closeLabel: "Cancel",
    submit: async () => {
      let value: unknown;
      try {
        value = JSON.parse(conf.value.trim() || "{}");
      } catch (err: any) {
        return `not JSON: ${err.message}`;
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) return "conf must be a JSON object";
      done(await api.trigger(dagId, value as object));
    },
  });
  conf.focus();
}
