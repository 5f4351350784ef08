// The dagrun UI: a single page whose routes (/, /dags/ID, /runs/ID) the
// server answers with the same index.html; this script draws the page for
// the address, follows links without reloading, and hands live events to
// the page shown.

import { api, setToken, setUnauthorizedHandler, token } from "./api";
import { formDialog } from "./dialog";
import { h } from "./dom";
import { LiveEvents } from "./events";
import { Page } from "./page";
import { dagPage } from "./pages/dag";
import { dagsPage } from "./pages/dags";
import { poolsPage } from "./pages/pools";
import { runPage } from "./pages/run";

const main = document.getElementById("main")!;
const liveBadge = document.getElementById("live")!;
let current: Page | null = null;

const events = new LiveEvents((status) => {
  liveBadge.textContent = status;
  liveBadge.className = `live live-${status}`;
});
events.listen((type, data) => current?.onEvent?.(type, data));

function pageFor(path: string): Page {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return dagsPage();
  if (parts.length === 1 && parts[0] === "pools") return poolsPage();
  if (parts.length === 2 && parts[0] === "dags") return dagPage(parts[1]);
  if (parts.length === 2 && parts[0] === "runs") return runPage(parts[1]);
  return { el: h("section", { class: "page" }, h("h1", null, "Not found"), h("p", null, "No page here. "), h("a", { href: "/", "data-route": "" }, "The DAGs")) };
}

function render(): void {
  current?.dispose?.();
  let page: Page;
  try {
    page = pageFor(location.pathname);
  } catch {
    page = pageFor("/not-found");  // a malformed escape in the address
  }
  current = page;
  main.replaceChildren(page.el);
}

export function navigate(href: string): void {
  history.pushState(null, "", href);
  render();
  window.scrollTo(0, 0);
}

document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.("a[data-route]") as HTMLAnchorElement | null;
  if (!a || a.origin !== location.origin) return;
  e.preventDefault();
  navigate(a.pathname);
});
window.addEventListener("popstate", render);

// A server started with --auth answers 401 until the tab has a token: ask
// for one, keep it for this tab only, and start again.
let asking = false;
setUnauthorizedHandler((message) => {
  if (asking) return;
  asking = true;
  const input = h("input", { type: "password", id: "token", autocomplete: "off", required: true });
  formDialog({
    id: "token-dialog",
    title: "Token",
    fields: [
      h("p", null, token() ? `The server refused the token: ${message}` : "This server needs a token (dagrun serve --auth)."),
      h("label", { for: "token" }, "Bearer token"), input],
    submitLabel: "Use it",
    submit: () => {
      setToken(input.value.trim());
      asking = false;
      events.start();
      render();
    },
  });
});

render();
events.start();
// Kept for the console: the same calls the pages make.
(window as any).dagrun = { api };
