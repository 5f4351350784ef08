// What the router needs of a page: its element, what it does with a live
// event, and how it lets go of timers when left.
export interface Page {
  el: HTMLElement;
  onEvent?(type: string, data: any): void;
  dispose?(): void;
}

export function stateClass(state: string | null | undefined): string {
  return `state state-${state ?? "none"}`;
}

// Runs and tries that may still change.
export function isFinal(state: string | null | undefined): boolean {
  return state === "success" || state === "failed" || state === "skipped" || state === "upstream_failed";
}
