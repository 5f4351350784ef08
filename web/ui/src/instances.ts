// A mapped task's instances (docs/dag-format.md, "Mapped tasks") are named
// task_id[index]. The run page folds them under their task: a run may hold
// 10,000 of them, and one row per try of each would bury the DAG's own tasks.

import { Try } from "./api";

export interface InstanceName {
  task: string;
  index: number;
}

// The task and index of an instance's name; null for any other task id.
export function instanceOf(taskId: string): InstanceName | null {
  const m = /^(.+)\[(0|[1-9][0-9]{0,8})\]$/.exec(taskId);
  return m ? { task: m[1], index: Number(m[2]) } : null;
}

export interface InstanceGroup {
  tries: Try[];                 // every try of every instance, by index then try
  states: Map<string, number>;  // each instance's latest state, counted
  count: number;                // instances
}

// The instances of each mapped task among a run's tries.
export function groupInstances(tries: Try[]): Map<string, InstanceGroup> {
  const groups = new Map<string, InstanceGroup>();
  const latest = new Map<string, Try>();
  for (const t of tries) {
    const name = instanceOf(t.task_id);
    if (!name) continue;
    let g = groups.get(name.task);
    if (!g) groups.set(name.task, (g = { tries: [], states: new Map(), count: 0 }));
    g.tries.push(t);
    const best = latest.get(t.task_id);
    if (!best || t.try_number > best.try_number) latest.set(t.task_id, t);
  }
  for (const [id, t] of latest) {
    const g = groups.get(instanceOf(id)!.task)!;
    g.count++;
    g.states.set(t.state, (g.states.get(t.state) ?? 0) + 1);
  }
  for (const g of groups.values())
    g.tries.sort((a, b) => (instanceOf(a.task_id)!.index - instanceOf(b.task_id)!.index) || a.try_number - b.try_number);
  return groups;
}

// "998 success · 2 failed", the most common state first.
export function stateCounts(states: Map<string, number>): string {
  return [...states].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([state, n]) => `${n.toLocaleString("en")} ${state}`).join(" · ");
}
