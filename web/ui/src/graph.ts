// A DAG's tasks as a graph: laid out by dagre (left to right, upstream
// first), drawn as SVG. On a run's page each node takes the state of its
// task's latest try, and a click chooses the task.

import * as dagre from "@dagrejs/dagre";
import { h } from "./dom";
import { s, textWidth } from "./svg";

export interface GraphTask {
  task_id: string;
  kind: string;
  upstream: string[];
}

export interface GraphView {
  el: HTMLElement;
  setState(taskId: string, state: string | null): void;
  select(taskId: string | null): void;
}

const NODE_H = 38;

export function taskGraph(tasks: GraphTask[], onClick?: (taskId: string) => void): GraphView {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 42, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(tasks.map((t) => t.task_id));
  for (const t of tasks)
    g.setNode(t.task_id, { width: Math.max(90, textWidth(t.task_id, 13) + 28), height: NODE_H });
  for (const t of tasks) for (const u of t.upstream) if (ids.has(u)) g.setEdge(u, t.task_id);
  dagre.layout(g);

  const { width = 0, height = 0 } = g.graph();
  const svg = s("svg", { class: "graph", width: Math.ceil(width), height: Math.ceil(height),
    viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`, role: "img", "aria-label": "the DAG's tasks" });
  svg.append(s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }))));
  const edges = s("g", { class: "edges" });
  for (const e of g.edges()) {
    const pts: { x: number; y: number }[] = g.edge(e).points ?? [];
    if (!pts.length) continue;
    const d = pts.map((p, i) => `${i ? "L" : "M"} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(" ");
    edges.append(s("path", { d, class: "edge", "marker-end": "url(#arrow)", "data-from": e.v, "data-to": e.w }));
  }
  svg.append(edges);

  const nodes = new Map<string, SVGGElement>();
  const layer = s("g", { class: "nodes" });
  for (const t of tasks) {
    const n = g.node(t.task_id);
    const x = n.x - n.width / 2, y = n.y - n.height / 2;
    const title = s("title", {}, `${t.task_id} (${t.kind})`);
    const node = s("g", { class: "node state-none", transform: `translate(${x.toFixed(1)} ${y.toFixed(1)})`,
      "data-task": t.task_id, "data-state": "none" },
      title,
      s("rect", { width: n.width, height: n.height, rx: 5 }),
      s("text", { x: 10, y: 16, class: "label" }, t.task_id),
      s("text", { x: 10, y: 30, class: "kind" }, t.kind));
    if (onClick) {
      node.classList.add("clickable");
      node.addEventListener("click", () => onClick(t.task_id));
    }
    nodes.set(t.task_id, node);
    layer.append(node);
  }
  svg.append(layer);

  const el = h("div", { class: "graph-wrap" });
  el.append(svg);
  if (tasks.length === 0) el.append(h("p", { class: "muted" }, "No tasks."));
  return {
    el,
    setState(taskId, state) {
      const node = nodes.get(taskId);
      if (!node) return;
      const selected = node.classList.contains("selected");
      node.setAttribute("class", `node state-${state ?? "none"}${onClick ? " clickable" : ""}${selected ? " selected" : ""}`);
      node.setAttribute("data-state", state ?? "none");
      const title = node.querySelector("title");
      const kind = tasks.find((t) => t.task_id === taskId)?.kind ?? "";
      if (title) title.textContent = `${taskId} (${kind}): ${state ?? "not run"}`;
    },
    select(taskId) {
      for (const [id, node] of nodes) node.classList.toggle("selected", id === taskId);
    },
  };
}
