// A run's page: the run, every try of every task (state, exit code, error),
// and a log pane that tails the selected try by byte offset while it runs.
// Live events update the run and its tries in place.

import { api, Run, Try } from "../api";
import { AnsiRenderer } from "../ansi";
import { append, clear, duration, h, link, shortTime } from "../dom";
import { isFinal, Page, stateClass } from "../page";

const TAIL_MS = 700;

export function runPage(runId: string): Page {
  const crumbs = h("nav", { class: "crumbs" }, link("/", "DAGs"));
  const head = h("div", { class: "facts" });
  const message = h("p", { class: "error", role: "alert" });
  const tbody = h("tbody");
  const logTitle = h("h2", null, "Log");
  const logNote = h("p", { class: "muted" }, "Choose a try to see its log.");
  const log = h("pre", { class: "log", id: "log" });
  const el = h("section", { class: "page" },
    crumbs, h("h1", null, runId), head, message,
    h("table", { class: "list tries", id: "tries" },
      h("thead", null, h("tr", null, ...["Task", "Try", "State", "Started", "Duration", "Exit", "Error"].map((t) => h("th", null, t)))),
      tbody),
    h("div", { class: "log-pane" }, logTitle, logNote, log));

  let run: Run | null = null;
  let tries: Try[] = [];
  let selected: { task: string; try: number } | null = null;
  let tail: Tail | null = null;
  let disposed = false;

  function drawHead(): void {
    if (!run) return;
    clear(crumbs);
    crumbs.append(link("/", "DAGs"), " / ", link(`/dags/${encodeURIComponent(run.dag_id)}`, run.dag_id), " / ", run.run_id);
    clear(head);
    append(head, [
      h("span", { class: stateClass(run.state), id: "run-state", "data-state": run.state }), h("b", null, run.state),
      h("span", null, `${run.run_type}`),
      h("span", null, "queued ", shortTime(run.queued_at)),
      run.start_date ? h("span", null, "started ", shortTime(run.start_date)) : null,
      run.start_date ? h("span", null, duration(run.start_date, run.end_date)) : null,
      run.reason ? h("span", { class: "muted" }, run.reason) : null,
      run.conf && Object.keys(run.conf as object).length ? h("code", null, `conf ${JSON.stringify(run.conf)}`) : null]);
  }

  function drawTries(): void {
    clear(tbody);
    for (const t of tries) {
      const isSelected = selected?.task === t.task_id && selected.try === t.try_number;
      const exit = t.signal !== null ? `signal ${t.signal}` : t.exit_code ?? "";
      const tr = h("tr", {
        class: `${t.try_number > 0 ? "selectable" : ""}${isSelected ? " selected" : ""}`,
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
      tbody.append(tr);
    }
  }

  function select(task: string, tryNumber: number): void {
    selected = { task, try: tryNumber };
    drawTries();
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
    drawTries();
    if (!selected) {
      const first = tries.find((t) => t.try_number > 0);
      if (first) select(first.task_id, first.try_number);
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
      } else if (type === "try" && data.run_id === runId) {
        upsert(data);
        if (!selected && data.try_number > 0) select(data.task_id, data.try_number);
        else if (selected && selected.task === data.task_id && selected.try === data.try_number) tail?.poll();
      } else if (type === "task" && data.run_id === runId && data.try_number === 0) {
        const t = tries.find((x) => x.task_id === data.task_id && x.try_number === 0);
        if (t) {
          t.state = data.state;
          drawTries();
        }
      }
    },
    dispose() {
      disposed = true;
      tail?.stop();
    },
  };
  load().catch((e) => { if (!disposed) message.textContent = e.message; });
  return page;
}

// Reads a try's log from where it left off, following X-Log-Next-Offset,
// again every TAIL_MS while the try may still write; once the try is over, a
// last read takes what it wrote at the end.
class Tail {
  private offset = 0;
  private timer: number | undefined;
  private busy = false;
  private stopped = false;
  private decoder = new TextDecoder();
  private ansi = new AnsiRenderer();

  constructor(private runId: string, private task: string, private tryNumber: number,
              private out: HTMLElement, private note: HTMLElement, private current: () => Try | undefined) {}

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  poll(): void {
    if (this.stopped || this.busy) return;
    clearTimeout(this.timer);
    this.busy = true;
    void this.read().finally(() => {
      this.busy = false;
    });
  }

  private async read(): Promise<void> {
    try {
      for (;;) {
        const finalBefore = isFinal(this.current()?.state);
        const { bytes, next } = await api.log(this.runId, this.task, this.tryNumber, this.offset);
        if (this.stopped) return;
        this.offset = next;
        if (bytes.length) {
          const follow = this.out.scrollTop + this.out.clientHeight >= this.out.scrollHeight - 4;
          this.out.append(...this.ansi.push(this.decoder.decode(bytes, { stream: true })));
          if (follow) this.out.scrollTop = this.out.scrollHeight;
          continue;  // a chunk of at most 1 MiB: there may be more at once
        }
        const t = this.current();
        if (finalBefore) {
          this.out.append(...this.ansi.push(this.decoder.decode()));
          this.note.textContent = t && !t.log_complete ? `incomplete: ${t.log_error ?? ""}` : "";
          if (!this.out.textContent) this.note.textContent = "This try wrote nothing.";
          return;
        }
        this.note.textContent = "following the running try…";
        this.timer = window.setTimeout(() => this.poll(), TAIL_MS);
        return;
      }
    } catch (e: any) {
      if (!this.stopped) this.note.textContent = e.message;
    }
  }
}
