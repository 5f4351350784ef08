// A DAG's page: its schedule in words, the trigger and backfill dialogs, pause/unpause,
// and three views: the runs × tasks grid coloured by state (runs from the
// API's pages, filtered by state and date; tasks from the DAG; cells from
// each run's tries), the graph of its tasks, and the DAG file. Live events
// change cells and add runs in place.

import { api, Dag, Run, RunFilter, Try } from "../api";
import { append, clear, h, link, shortTime } from "../dom";
import { taskGraph } from "../graph";
import { Page, stateClass } from "../page";
import { scheduleWords } from "../schedule";
import { runFilters } from "./filters";
import { backfillDialog } from "./backfill";
import { backfillsPanel } from "./backfills";
import { triggerDialog } from "./trigger";

const PAGE = 25;

interface Column {
  run: Run;
  head: HTMLElement;
  cells: Map<string, HTMLElement>;  // by task_id
}

export function dagPage(dagId: string): Page {
  const title = h("h1", null, dagId);
  const facts = h("div", { class: "facts" });
  const actions = h("div", { class: "actions" });
  const message = h("p", { class: "error", role: "alert" });
  const grid = h("table", { class: "grid", id: "grid" });
  const more = h("button", { type: "button", class: "secondary", id: "older", hidden: true }, "Older runs");
  const rest = h("button", { type: "button", class: "secondary", id: "all-older", hidden: true }, "All older runs");
  const filters = runFilters((f) => {
    filter = f;
    load().catch((e) => (message.textContent = e.message));
  });
  const graphBox = h("div", { id: "dag-graph" });
  const source = h("pre", { class: "source", id: "dag-source" });
  const views = {
    grid: h("div", { id: "view-grid" }, filters, h("div", { class: "grid-wrap" }, grid),
      h("div", { class: "actions" }, more, rest)),
    graph: h("div", { id: "view-graph", hidden: true }, graphBox),
    source: h("div", { id: "view-source", hidden: true }, source),
  };
  const tabs = h("div", { class: "tabs", role: "tablist" });
  for (const [name, label] of [["grid", "Grid"], ["graph", "Graph"], ["source", "DAG file"]] as const)
    tabs.append(h("button", { type: "button", role: "tab", id: `tab-${name}`, class: name === "grid" ? "tab on" : "tab",
      onclick: () => show(name) }, label));
  const backfills = backfillsPanel(dagId, (m) => (message.textContent = m));
  const el = h("section", { class: "page" },
    h("nav", { class: "crumbs" }, link("/", "DAGs"), " / ", dagId),
    title, facts, actions, message, backfills.el, tabs, views.grid, views.graph, views.source);

  let filter: RunFilter = {};
  let sourceLoaded = false;
  function show(name: keyof typeof views): void {
    for (const [k, v] of Object.entries(views)) v.hidden = k !== name;
    for (const b of tabs.querySelectorAll("button")) b.classList.toggle("on", b.id === `tab-${name}`);
    if (name === "source" && !sourceLoaded) {
      sourceLoaded = true;
      api.source(dagId).then((text) => (source.textContent = text))
        .catch((e) => { sourceLoaded = false; message.textContent = e.message; });
    }
  }

  let dag: Dag | null = null;
  let columns: Column[] = [];  // oldest first
  let cursor: string | null = null;
  const byRun = new Map<string, Column>();

  function cell(runId: string, taskId: string, state: string | null, title: string): HTMLElement {
    return h("td", { class: "cell" }, link(`/runs/${encodeURIComponent(runId)}`,
      h("span", { class: stateClass(state), title, "data-run": runId, "data-task": taskId, "data-state": state ?? "none" })));
  }

  function setCell(col: Column, taskId: string, state: string, detail = ""): void {
    const span = col.cells.get(taskId)?.querySelector("span");
    if (!span) return;
    span.className = stateClass(state);
    span.setAttribute("data-state", state);
    span.title = `${taskId}: ${state}${detail}`;
  }

  function setHead(col: Column): void {
    const r = col.run;
    const span = col.head.querySelector("span.state");
    if (span) {
      span.className = stateClass(r.state);
      span.setAttribute("data-state", r.state);
      (span as HTMLElement).title = `${r.run_id}: ${r.state}`;
    }
  }

  // The grid is drawn once per load and then grows: a page of older runs
  // goes in on the left, a new run on the right, without redrawing the rest
  // (a thousand runs are 50,000 cells).
  const headRow = h("tr");
  const rows = new Map<string, HTMLTableRowElement>();
  const caption = h("caption", { class: "muted" });

  function drawSkeleton(): void {
    clear(grid);
    clear(headRow);
    rows.clear();
    if (!dag?.tasks) return;
    headRow.append(h("th", { class: "task" }, "task \\ run"));
    grid.append(h("thead", null, headRow));
    const body = h("tbody");
    for (const t of dag.tasks) {
      const tr = h("tr", null, h("th", { class: "task" }, t.task_id));
      rows.set(t.task_id, tr);
      body.append(tr);
    }
    grid.append(body);
    drawCaption();
  }

  function drawCaption(): void {
    caption.textContent = Object.values(filter).some(Boolean)
      ? "No run matches the filters." : "No runs yet: trigger one, or start `dagrun scheduler`.";
    if (columns.length === 0) grid.append(caption);
    else caption.remove();
  }

  function addColumns(cols: Column[], where: "left" | "right"): void {
    if (cols.length === 0) return;
    const put = (row: Element, cells: Node[]) =>
      where === "left" ? row.firstElementChild!.after(...cells) : row.append(...cells);
    put(headRow, cols.map((c) => c.head));
    for (const [taskId, tr] of rows) put(tr, cols.map((c) => c.cells.get(taskId) ?? h("td")));
    drawCaption();
  }

  function column(run: Run): Column {
    const head = h("th", { class: "run" }, link(`/runs/${encodeURIComponent(run.run_id)}`,
      h("span", { class: stateClass(run.state), "data-run": run.run_id, "data-state": run.state }),
      h("span", { class: "when" }, shortTime(run.start_date ?? run.queued_at))));
    const col: Column = { run, head, cells: new Map() };
    for (const t of dag?.tasks ?? []) col.cells.set(t.task_id, cell(run.run_id, t.task_id, null, `${t.task_id}: no try yet`));
    setHead(col);
    byRun.set(run.run_id, col);
    return col;
  }

  // Each task's latest try (try 0: the task never ran).
  async function fill(col: Column): Promise<void> {
    const tries: Try[] = await api.tries(col.run.run_id);
    const latest = new Map<string, Try>();
    for (const t of tries) {
      const seen = latest.get(t.task_id);
      if (!seen || t.try_number >= seen.try_number) latest.set(t.task_id, t);
    }
    for (const [taskId, t] of latest) setCell(col, taskId, t.state, t.try_number > 0 ? `, try ${t.try_number}` : "");
  }

  function drawFacts(): void {
    if (!dag) return;
    clear(facts);
    // next_run is the first of next_runs, which the title lists in full.
    const next = dag.next_run;
    append(facts, [
      h("span", { id: "schedule" }, h("b", null, scheduleWords(dag.schedule, dag.timezone)),
        dag.schedule ? h("code", { class: "muted" }, ` ${dag.schedule}`) : null),
      next ? h("span", { id: "next-run", title: (dag.next_runs ?? []).map((r) => r.data_interval_end).join("\n") },
        "next run ", h("b", null, next.due_now ? "due now" : shortTime(next.data_interval_end))) : null,
      h("span", { id: "paused-state" }, dag.paused ? h("span", { class: "badge paused" }, "paused") : "active"),
      dag.description ? h("span", { class: "muted" }, dag.description) : null]);
    clear(actions);
    append(actions, [
      h("button", { type: "button", id: "trigger", onclick: () => triggerDialog(dagId, added) }, "Trigger…"),
      h("button", { type: "button", class: "secondary", id: "pause", onclick: togglePause },
        dag.paused ? "Unpause" : "Pause"),
      // Only a recurring schedule has intervals to backfill.
      dag.schedule && dag.schedule !== "@once"
        ? h("button", { type: "button", class: "secondary", id: "backfill",
            onclick: () => backfillDialog(dagId, dag?.timezone ?? "UTC", () => void load().then(() => backfills.load())) },
            "Backfill…")
        : null]);
  }

  async function togglePause(): Promise<void> {
    if (!dag) return;
    try {
      const r = await api.pause(dagId, !dag.paused);
      dag.paused = r.paused;
      message.textContent = "";
      drawFacts();
    } catch (e: any) {
      message.textContent = e.message;
    }
  }

  // A run this page triggered: shown at once, before its event arrives.
  function added(run: Run): void {
    if (byRun.has(run.run_id)) return;
    const col = column(run);
    columns.push(col);
    addColumns([col], "right");
  }

  // A load (the first, a reset, new filters) starts a generation: pages
  // asked for by an earlier one are dropped when they arrive.
  let generation = 0;
  async function loadPage(gen = generation, limit = PAGE): Promise<void> {
    const page = await api.runs(dagId, limit, cursor, filter);
    if (gen !== generation) return;
    cursor = page.next;
    more.hidden = rest.hidden = !cursor;
    const older = page.runs.filter((r) => !byRun.has(r.run_id)).reverse().map(column);
    // Filled before they go in: one change to the table per page, not one
    // per run (each costs a layout of the whole grid).
    await Promise.allSettled(older.map(fill));
    if (gen !== generation) return;
    columns = [...older, ...columns];
    addColumns(older, "left");
  }

  async function load(): Promise<void> {
    const gen = ++generation;
    dag = await api.dag(dagId);
    if (gen !== generation) return;
    if (!dag.valid) {
      message.textContent = `This DAG is invalid:\n${(dag.errors ?? []).join("\n")}`;
      return;
    }
    drawFacts();
    void backfills.load().catch((e) => (message.textContent = e.message));
    if (!graphBox.firstChild) graphBox.append(taskGraph(dag.tasks ?? []).el);
    columns = [];
    byRun.clear();
    cursor = null;
    drawSkeleton();
    await loadPage(gen);
  }

  // A new run joins the grid only when the filters would list it.
  function matches(r: Run): boolean {
    if (filter.state && r.state !== filter.state) return false;
    const when = Date.parse(r.start_date ?? r.queued_at ?? "");
    if (filter.since && when < Date.parse(filter.since)) return false;
    if (filter.until && when >= Date.parse(filter.until)) return false;
    return true;
  }

  // One page at a time, so that pages go in in their order.
  // One page at a time, so that pages go in in their order. All older runs
  // asks for the API's largest pages: the table changes once per 1,000 runs.
  function older(limit: number, untilLast: boolean): void {
    if (more.disabled) return;
    more.disabled = rest.disabled = true;
    const gen = generation;
    (async () => {
      do await loadPage(gen, limit);
      while (untilLast && cursor && gen === generation);
    })().catch((e) => (message.textContent = e.message))
      .finally(() => (more.disabled = rest.disabled = false));
  }
  more.addEventListener("click", () => older(PAGE, false));
  rest.addEventListener("click", () => older(1000, true));

  // A backfill's counts change with its runs: redraw at most once a second.
  let backfillTimer: ReturnType<typeof setTimeout> | null = null;
  function scheduleBackfills(): void {
    if (backfillTimer) return;
    backfillTimer = setTimeout(() => {
      backfillTimer = null;
      void backfills.load().catch(() => undefined);
    }, 1000);
  }

  const page: Page = {
    el,
    dispose() {
      if (backfillTimer) clearTimeout(backfillTimer);
    },
    onEvent(type, data) {
      if (type === "reset") {
        void load();
      } else if (type === "run" && data.dag_id === dagId) {
        if (data.backfill_id) scheduleBackfills();
        const known = byRun.get(data.run_id);
        if (known) {
          known.run = data;
          setHead(known);
        } else if (dag && matches(data)) {
          const col = column(data);
          columns.push(col);
          addColumns([col], "right");
          void fill(col);
        }
      } else if (type === "task") {
        const col = byRun.get(data.run_id);
        if (col) setCell(col, data.task_id, data.state, data.try_number > 0 ? `, try ${data.try_number}` : "");
      }
    },
  };
  load().catch((e) => (message.textContent = e.message));
  return page;
}
