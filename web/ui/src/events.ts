// Live updates from /api/v1/events (docs/api.md#live-updates). Read with
// fetch rather than EventSource: EventSource cannot send the bearer token a
// server with --auth asks for. It reconnects on its own with Last-Event-ID,
// as EventSource would, so the server sends what was missed (or `reset`).

import { authHeaders } from "./api";

export type EventListener = (type: string, data: any) => void;

export class LiveEvents {
  private lastId: string | null = null;
  private listeners = new Set<EventListener>();
  private controller: AbortController | null = null;
  private generation = 0;

  constructor(private readonly onStatus: (status: "live" | "connecting" | "offline") => void) {}

  listen(f: EventListener): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  // (Re)starts the stream, e.g. after the token changed.
  start(): void {
    this.controller?.abort();
    const generation = ++this.generation;
    void this.loop(generation);
  }

  private async loop(generation: number): Promise<void> {
    let delay = 500;
    while (generation === this.generation) {
      this.onStatus("connecting");
      this.controller = new AbortController();
      try {
        const headers: Record<string, string> = { ...authHeaders(), Accept: "text/event-stream" };
        if (this.lastId) headers["Last-Event-ID"] = this.lastId;
        const r = await fetch("/api/v1/events", {
          headers, cache: "no-store", credentials: "omit", signal: this.controller.signal,
        });
        if (r.ok && r.body) {
          this.onStatus("live");
          delay = 500;
          await this.read(r.body);
        } else if (r.status === 401 || r.status === 403) {
          // Waits for start() with a token: retrying would be refused again.
          this.onStatus("offline");
          return;
        }
      } catch {
        // the connection dropped or was aborted: try again below
      }
      if (generation !== this.generation) return;
      this.onStatus("offline");
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  // One event: "id: N", "event: TYPE", "data: JSON" lines; ":" starts a comment.
  private dispatch(block: string): void {
    let type = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") this.lastId = value;
      else if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.join("\n"));
    } catch {
      return;
    }
    for (const f of this.listeners) f(type, parsed);
  }
}
