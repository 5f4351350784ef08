// A try's log in a <pre>, tailed by byte offset while the try runs; ANSI
// colours become spans (ansi.ts).

import { api, Try } from "./api";
import { AnsiRenderer } from "./ansi";
import { isFinal } from "./page";

const TAIL_MS = 700;

// Reads a try's log from where it left off, following X-Log-Next-Offset,
// again every TAIL_MS while the try may still write; once the try is over, a
// last read takes what it wrote at the end.
export class Tail {
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
