// A run's tries on a time line: one bar per try, retries included, coloured
// by state, from its start to its end. A running try's bar grows: the chart
// redraws every second while one runs. A click on a bar chooses that try.

import { Try } from "./api";
import { duration, h, shortTime } from "./dom";
import { s, textWidth } from "./svg";

const ROW = 22;
const AXIS = 22;

export interface GanttView {
  el: HTMLElement;
  update(tries: Try[]): void;
  select(taskId: string | null, tryNumber: number | null): void;
  dispose(): void;
}

// About six ticks over the span, at a round number of ms, s, min or h.
function niceStep(span: number): number {
  const target = span / 6;
  for (const step of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000,
    120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 21600000, 43200000, 86400000])
    if (step >= target) return step;
  return Math.ceil(target / 86400000) * 86400000;
}

function tickLabel(ms: number): string {
  if (ms < 1000) return ms === 0 ? "0s" : `${ms}ms`;
  const sec = Math.round(ms / 1000);
  if (sec < 60) return `${Math.round(ms / 100) / 10}s`;
  if (sec < 3600) return sec % 60 ? `${Math.floor(sec / 60)}m${sec % 60}s` : `${sec / 60}m`;
  return `${Math.floor(sec / 3600)}h${String(Math.floor(sec / 60) % 60).padStart(2, "0")}`;
}

export function gantt(onClick: (taskId: string, tryNumber: number) => void): GanttView {
  const el = h("div", { class: "gantt-wrap", id: "gantt" });
  let tries: Try[] = [];
  let selected: { task: string; try: number } | null = null;
  let timer: number | undefined;

  function draw(): void {
    const bars = tries.filter((t) => t.try_number > 0 && t.start_date)
      .sort((a, b) => Date.parse(a.start_date!) - Date.parse(b.start_date!) || a.try_number - b.try_number);
    el.replaceChildren();
    if (bars.length === 0) {
      el.append(h("p", { class: "muted" }, "No try has started yet."));
      return;
    }
    const now = Date.now();
    const start = Math.min(...bars.map((t) => Date.parse(t.start_date!)));
    // At least 10 ms, so that a run of a few milliseconds still spreads over the chart.
    const end = Math.max(start + 10, ...bars.map((t) => (t.end_date ? Date.parse(t.end_date) : now)));
    const labelW = Math.min(260, Math.max(110, ...bars.map((t) => textWidth(`${t.task_id} #${t.try_number}`) + 16)));
    const width = Math.max(480, el.clientWidth || 900);
    const plotW = width - labelW - 12;
    const x = (ms: number) => labelW + ((ms - start) / (end - start)) * plotW;
    const height = AXIS + bars.length * ROW + 4;
    const svg = s("svg", { class: "gantt", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": "the run's tries over time" });

    const step = niceStep(end - start);
    const axis = s("g", { class: "axis" });
    for (let t = 0; t <= end - start; t += step) {
      if (x(start + t) > width - 30) break;  // no label cut by the edge
      axis.append(s("line", { x1: x(start + t), x2: x(start + t), y1: AXIS - 4, y2: height, class: "tick" }),
        s("text", { x: x(start + t) + 3, y: AXIS - 8 }, tickLabel(t)));
    }
    axis.append(s("text", { x: 4, y: AXIS - 8, class: "start" }, shortTime(new Date(start).toISOString()).slice(6)));
    svg.append(axis);

    bars.forEach((t, i) => {
      const y = AXIS + i * ROW;
      const b = Date.parse(t.start_date!);
      const e = t.end_date ? Date.parse(t.end_date) : now;
      const isSelected = selected?.task === t.task_id && selected.try === t.try_number;
      const row = s("g", { class: `bar state-${t.state}${isSelected ? " selected" : ""}`,
        "data-task": t.task_id, "data-try": t.try_number, "data-state": t.state },
        s("title", {}, `${t.task_id}, try ${t.try_number}: ${t.state}, ${duration(t.start_date, t.end_date)}` +
          (t.error ? `\n${t.error}` : "")),
        s("rect", { class: "row", x: 0, y, width, height: ROW }),
        s("text", { x: 4, y: y + 15, class: "label" }, `${t.task_id} #${t.try_number}`),
        s("rect", { class: "span", x: x(b).toFixed(1), y: y + 4, width: Math.max(2, x(e) - x(b)).toFixed(1), height: ROW - 8, rx: 2 }));
      row.addEventListener("click", () => onClick(t.task_id, t.try_number));
      svg.append(row);
    });
    el.append(svg);
  }

  function schedule(): void {
    clearInterval(timer);
    timer = undefined;
    if (tries.some((t) => t.try_number > 0 && t.start_date && !t.end_date))
      timer = window.setInterval(draw, 1000);
  }

  return {
    el,
    update(next) {
      tries = next;
      draw();
      schedule();
    },
    select(task, tryNumber) {
      selected = task && tryNumber ? { task, try: tryNumber } : null;
      draw();
    },
    dispose() {
      clearInterval(timer);
    },
  };
}
