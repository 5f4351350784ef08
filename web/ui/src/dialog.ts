// A modal form, the one shape of the trigger, clear and token dialogs: a
// title, its fields, a line for what went wrong, and its buttons. submit runs
// on the form's submit; it returns nothing to close the dialog, or a sentence
// to show in it (a thrown error's message is shown the same way).

import { Child, h } from "./dom";

export interface FormDialog {
  id: string;
  title: string;
  fields: Child[];
  submitLabel: string;
  submitId?: string;
  closeLabel?: string;  // without one the dialog has no close button
  submit: () => Promise<string | void> | string | void;
}

export function formDialog(d: FormDialog): HTMLDialogElement {
  const problem = h("p", { class: "error", role: "alert" });
  const dialog = h("dialog", { class: "dialog", id: d.id });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const form = h("form", { method: "dialog" },
    h("h2", null, d.title),
    ...d.fields,
    problem,
    h("div", { class: "actions" },
      h("button", { type: "submit", id: d.submitId }, d.submitLabel),
      d.closeLabel ? h("button", { type: "button", class: "secondary", onclick: close }, d.closeLabel) : null));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const why = await d.submit();
      if (why) problem.textContent = why;
      else close();
    } catch (err: any) {
      problem.textContent = err.message;
    }
  });
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
