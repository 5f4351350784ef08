// A run's page: the run with Cancel and Clear…, its graph coloured by the
// state of each task, a Gantt chart of its tries, every try of every task
// (state, exit code, error), its callbacks, and the chosen try's XComs and
// log, tailed while it runs. Live events update all of it in place.

import { api, Callback, Run, Try, XCom } from "../api";
import { append, clear, duration, h, link, shortTime } from "../dom";
import { gantt } from "../gantt";
import { GraphView, taskGraph } from "../graph";
import { isFinal, Page, stateClass } from "../page";
import { groupInstances, InstanceGroup, instanceOf, stateCounts } from "../instances";
import { Tail } from "../tail";
import { clearDialog } from "./clear";

export function runPage(runId: string): Page {
  const crumbs = h("nav", { class: "crumbs" }, link("/", "DAGs"));
  const head = h("div", { class: "facts" });
  const actions = h("div", { class: "actions" });
  const message = h("p", { class: "error", role: "alert" });
  const graphBox = h("div", { id: "run-graph" });
  const tbody = h("tbody");
  const logTitle = h("h2", null, "Log");
  const logNote = h("p", { class: "muted" }, "Choose a task in the graph, a bar or a try to see its log.");
  const xcomBox = h("div", { id: "xcoms" });
  const callbackBody = h("tbody");
  const callbackTitle = h("h2", { hidden: true }, "Callbacks");
  const callbackTable = h("table", { class: "list callbacks", id: "callbacks", hidden: true },
    h("thead", null, h("tr", null, ...["Event", "Task", "Try", "Action", "State", "Attempts", "Error"].map((t) => h("th", null, t)))),
    callbackBody);
  const log = h("pre", { class: "log", id: "log" });
  const chart = gantt((task, tryNumber) => select(task, tryNumber));
  const el = h("section", { class: "page" },
    crumbs, h("h1", null, runId), head, actions, message,
    h("h2", null, "Graph"), graphBox,
    h("h2", null, "Tries over time"), chart.el,
    h("h2", null, "Tries"),
    h("table", { class: "list tries", id: "tries" },
      h("thead", null, h("tr", null, ...["Task", "Try", "State", "Started", "Duration", "Exit", "Error"].map((t) => h("th", null, t)))),
      tbody),
    callbackTitle, callbackTable,
    h("div", { class: "log-pane" }, logTitle, logNote, xcomBox, log));

  let run: Run | null = null;
  let tries: Try[] = [];
  let xcoms: XCom[] = [];
  let graph: GraphView | null = null;
  let selected: { task: string; try: number } | null = null;
  let tail: Tail | null = null;
  let disposed = false;
  let noteText = "";
  const unfolded = new Set<string>();  // mapped tasks whose instances are shown

  function drawHead(): void {
    if (!run) return;
    clear(crumbs);
    crumbs.append(link("/", "DAGs"), " / ", link(`/dags/${encodeURIComponent(run.dag_id)}`, run.dag_id), " / ", run.run_id);
    clear(head);
    append(head, [
      h("span", null, h("span", { class: stateClass(run.state), id: "run-state", "data-state": run.state }), h("b", null, run.state)),
      h("span", null, `${run.run_type}`),
      h("span", null, "queued ", shortTime(run.queued_at)),
      run.start_date ? h("span", null, "started ", shortTime(run.start_date)) : null,
      run.start_date ? h("span", null, duration(run.start_date, run.end_date)) : null,
      run.reason ? h("span", { class: "muted" }, run.reason) : null,
      run.conf && Object.keys(run.conf as object).length ? h("code", null, `conf ${JSON.stringify(run.conf)}`) : null]);
    clear(actions);
    const finished = isFinal(run.state);
    actions.append(
      h("button", { type: "button", id: "clear", disabled: !finished,
        title: finished ? "Run some or all tasks again" : "A run is cleared once it has finished",
        onclick: () => clearDialog(runId, tries, (cleared) => {
          message.textContent = "";
          note(`cleared ${cleared.length ? cleared.join(", ") : "nothing"}`);
        }) }, "Clear…"),
      h("button", { type: "button", class: "secondary", id: "cancel", disabled: finished, onclick: cancel }, "Cancel run"));
    // The note of the last action outlives the redraws the run's live events
    // cause (a cleared run is claimed by the scheduler at once).
    if (noteText) actions.append(h("span", { class: "muted", id: "action-note" }, noteText));
  }

  function note(text: string): void {
    noteText = text;
    actions.querySelector("#action-note")?.remove();
    actions.append(h("span", { class: "muted", id: "action-note" }, text));
  }

  async function cancel(): Promise<void> {
    if (!confirm(`Cancel ${runId}? Its running tasks are stopped.`)) return;
    try {
      run = await api.cancel(runId);
      message.textContent = "";
      drawHead();
      note("cancelling");
    } catch (e: any) {
      message.textContent = e.message;
    }
  }

  function latest(task: string): Try | undefined {
    let best: Try | undefined;
    for (const t of tries) if (t.task_id === task && (!best || t.try_number > best.try_number)) best = t;
    return best;
  }

  function tryRow(t: Try, instance: boolean): HTMLTableRowElement {
    const isSelected = selected?.task === t.task_id && selected.try === t.try_number;
    const exit = t.signal !== null ? `signal ${t.signal}` : t.exit_code ?? "";
    const tr = h("tr", {
      class: `${t.try_number > 0 ? "selectable" : ""}${isSelected ? " selected" : ""}${instance ? " instance" : ""}`,
      "data-task": t.task_id, "data-try": t.try_number, "data-state": t.state,
    },
      h("td", null, t.task_id),
      h("td", null, t.try_number > 0 ? t.try_number : "–"),
      h("td", null, h("span", { class: stateClass(t.state) }), t.state),
      h("td", null, shortTime(t.start_date)),
      h("td", null, duration(t.start_date, t.end_date)),
      h("td", null, exit),
      h("td", { class: "error-cell" }, t.error ?? ""));
    if (t.try_number > 0) tr.addEventListener("click", () => select(t.task_id, t.try_number));
    return tr;
  }

  // A mapped task's instances, folded into one row under its own rows until
  // opened (choosing one of their tries opens them too).
  function instanceRows(task: string, group: InstanceGroup): HTMLTableRowElement[] {
    const open = unfolded.has(task);
    const toggle = h("button", { class: "small secondary", "data-toggle": task, "aria-expanded": String(open) },
      `${open ? "Hide" : "Show"} ${group.count.toLocaleString("en")} instance${group.count === 1 ? "" : "s"}`);
    toggle.addEventListener("click", () => {
      if (open) unfolded.delete(task);
      else unfolded.add(task);
      drawTries();
    });
    const rows = [h("tr", { class: "instances", "data-task": task, "data-instances": group.count },
      h("td", { colspan: 7 }, toggle, " ", h("span", { class: "muted" }, stateCounts(group.states))))];
    if (open) for (const t of group.tries) rows.push(tryRow(t, true));
    return rows;
  }

  function drawTries(): void {
    clear(tbody);
    const groups = groupInstances(tries);
    const own = tries.filter((t) => !instanceOf(t.task_id));
    own.forEach((t, i) => {
      tbody.append(tryRow(t, false));
      const group = groups.get(t.task_id);
      if (group && own[i + 1]?.task_id !== t.task_id) {
        tbody.append(...instanceRows(t.task_id, group));
        groups.delete(t.task_id);
      }
    });
    for (const [task, group] of groups) tbody.append(...instanceRows(task, group));
    chart.update(tries);
  }

  // The graph shows each task instance's state: from its latest try at
  // first, then from task events (a clear resets it while its tries stay).
  const taskState = new Map<string, string | null>();
  function setTaskState(task: string, state: string | null): void {
    taskState.set(task, state);
    graph?.setState(task, state);
  }

  function drawXcoms(): void {
    clear(xcomBox);
    if (!selected) return;
    const mine = xcoms.filter((x) => x.task_id === selected!.task);
    if (!mine.length) return;
    xcomBox.append(h("table", { class: "list xcoms" },
      h("thead", null, h("tr", null, h("th", null, "XCom key"), h("th", null, "value"))),
      h("tbody", null, mine.map((x) => h("tr", { "data-key": x.key }, h("td", null, x.key),
        h("td", null, h("code", null, JSON.stringify(x.value))))))));
  }

  // Shown once the run has any: what its failures and successes set off.
  function drawCallbacks(callbacks: Callback[]): void {
    clear(callbackBody);
    callbackTitle.hidden = callbackTable.hidden = callbacks.length === 0;
    for (const c of callbacks) {
      callbackBody.append(h("tr", { "data-event": c.event, "data-task": c.task_id ?? "", "data-state": c.state },
        h("td", null, c.event),
        h("td", null, c.task_id ?? "(the run)"),
        h("td", null, c.try_number ?? "–"),
        h("td", null, c.action),
        h("td", null, c.state === "pending" && c.next_at ? `pending until ${shortTime(c.next_at)}` : c.state),
        h("td", null, c.attempts),
        h("td", { class: "error-cell" }, c.error ?? "")));
    }
  }

  async function loadCallbacks(): Promise<void> {
    drawCallbacks(await api.callbacks(runId));
  }

  async function loadXcoms(): Promise<void> {
    xcoms = await api.xcoms(runId);
    drawXcoms();
  }

  // A task from the graph: its latest try, or a note when it never ran.
  function chooseTask(task: string): void {
    const t = latest(task);
    if (t && t.try_number > 0) return select(task, t.try_number);
    selected = null;
    tail?.stop();
    graph?.select(task);
    chart.select(null, null);
    drawTries();
    clear(log);
    clear(xcomBox);
    logTitle.textContent = `Log of ${task}`;
    const group = groupInstances(tries).get(task);
    if (group) {
      // A mapped task runs no try of its own: its instances are what ran.
      unfolded.add(task);
      drawTries();
      logNote.textContent = `${task} is mapped: choose one of its ${group.count.toLocaleString("en")} instances.`;
    } else {
      logNote.textContent = `${task} has not run in this run${t ? ` (${t.state})` : ""}.`;
    }
  }

  function select(task: string, tryNumber: number): void {
    selected = { task, try: tryNumber };
    const instance = instanceOf(task);
    if (instance) unfolded.add(instance.task);  // the chosen try's row is shown
    graph?.select(instance?.task ?? task);
    chart.select(task, tryNumber);
    drawTries();
    drawXcoms();
    tail?.stop();
    clear(log);
    logTitle.textContent = `Log of ${task}, try ${tryNumber}`;
    logNote.textContent = "";
    tail = new Tail(runId, task, tryNumber, log, logNote, () => findTry(task, tryNumber));
    tail.poll();
  }

  function findTry(task: string, tryNumber: number): Try | undefined {
    return tries.find((t) => t.task_id === task && t.try_number === tryNumber);
  }

  // A try row replaces the task's try 0 (it had never run) and its own older copy.
  function upsert(t: Try): void {
    tries = tries.filter((x) => !(x.task_id === t.task_id && (x.try_number === t.try_number || x.try_number === 0)));
    tries.push(t);
    const order = new Map<string, number>();
    tries.forEach((x, i) => { if (!order.has(x.task_id)) order.set(x.task_id, i); });
    tries.sort((a, b) => (order.get(a.task_id)! - order.get(b.task_id)!) || a.try_number - b.try_number);
    drawTries();
  }

  async function load(): Promise<void> {
    [run, tries] = await Promise.all([api.run(runId), api.tries(runId)]);
    drawHead();
    if (!graph) {
      const dag = await api.dag(run.dag_id).catch(() => null);
      graph = taskGraph(dag?.tasks ?? [], chooseTask);
      graphBox.replaceChildren(graph.el);
    }
    for (const t of new Set(tries.map((x) => x.task_id))) setTaskState(t, latest(t)?.state ?? null);
    drawTries();
    void loadXcoms().catch(() => {});
    void loadCallbacks().catch(() => {});
    if (!selected) {
      // The try that failed the run says most (not one retried since); else the first that ran.
      const first = tries.find((t) => t.try_number > 0 && t.state === "failed" && latest(t.task_id) === t) ??
        tries.find((t) => t.try_number > 0);
      if (first) select(first.task_id, first.try_number);
    } else {
      graph.select(selected.task);
    }
  }

  const page: Page = {
    el,
    onEvent(type, data) {
      if (type === "reset") {
        void load();
      } else if (type === "run" && data.run_id === runId) {
        run = data;
        drawHead();
        // Its callbacks are recorded with its end and sent just after.
        if (isFinal(data.state)) {
          void loadCallbacks().catch(() => {});
          setTimeout(() => { if (!disposed) void loadCallbacks().catch(() => {}); }, 2000);
        }
      } else if (type === "try" && data.run_id === runId) {
        upsert(data);
        if (data.try_number >= (latest(data.task_id)?.try_number ?? 0)) setTaskState(data.task_id, data.state);
        if (!selected && data.try_number > 0) select(data.task_id, data.try_number);
        else if (selected && selected.task === data.task_id && selected.try === data.try_number) tail?.poll();
        if (isFinal(data.state)) {
          void loadXcoms().catch(() => {});
          void loadCallbacks().catch(() => {});
        }
      } else if (type === "task" && data.run_id === runId) {
        if (data.try_number === 0) {
          // Cleared or never run: its tries so far stay listed, the task's state changes.
          const t = tries.find((x) => x.task_id === data.task_id && x.try_number === 0);
          if (t) t.state = data.state;
          else if (!tries.some((x) => x.task_id === data.task_id)) tries.push({ ...blankTry(data.task_id), state: data.state });
          drawTries();
        }
        setTaskState(data.task_id, data.state);
      }
    },
    dispose() {
      disposed = true;
      tail?.stop();
      chart.dispose();
    },
  };
  load().catch((e) => { if (!disposed) message.textContent = e.message; });
  return page;
}

function blankTry(taskId: string): Try {
  return { task_id: taskId, try_number: 0, state: "none", start_date: null, end_date: null, exit_code: null,
    signal: null, error: null, log_complete: true, log_error: null };
}
