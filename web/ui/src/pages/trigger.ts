// The trigger dialog: an optional conf (a JSON object) for a queued run,
// which a running `dagrun scheduler` starts.

import { api, Run } from "../api";
import { h } from "../dom";

export function triggerDialog(dagId: string, done: (run: Run) => void): void {
  const conf = h("textarea", { id: "trigger-conf", rows: 6, spellcheck: "false" });
  conf.value = "{}";
  const problem = h("p", { class: "error", role: "alert" });
  const dialog = h("dialog", { class: "dialog", id: "trigger-dialog" });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const form = h("form", { method: "dialog" },
    h("h2", null, `Trigger ${dagId}`),
    h("label", { for: "trigger-conf" }, "conf (a JSON object, for templates as {{ conf.KEY }})"),
    conf, problem,
    h("div", { class: "actions" },
      h("button", { type: "submit", id: "trigger-submit" }, "Trigger"),
      h("button", { type: "button", class: "secondary", onclick: close }, "Cancel")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(conf.value.trim() || "{}");
    } catch (err: any) {
      problem.textContent = `not JSON: ${err.message}`;
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      problem.textContent = "conf must be a JSON object";
      return;
    }
    try {
      const run = await api.trigger(dagId, value as object);
      close();
      done(run);
    } catch (err: any) {
      problem.textContent = err.message;
    }
  });
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  conf.focus();
}
