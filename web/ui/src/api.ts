// The REST API (docs/api.md) with the token of this tab, if any. The token
// lives in sessionStorage and goes out as a bearer header, never as a cookie:
// another site cannot make the browser send it.

const TOKEN_KEY = "dagrun.token";

export interface Dag {
  dag_id: string;
  file: string;
  valid: boolean;
  paused: boolean;
  description?: string;
  schedule?: string | null;
  timezone?: string;
  tags?: string[];
  task_count?: number;
  errors?: string[];
  tasks?: { task_id: string; kind: string; upstream: string[] }[];
  next_run?: Interval | null;
  next_runs?: Interval[];  // GET /api/v1/dags/{id} only
}

export interface Interval {
  data_interval_start: string;
  data_interval_end: string;
  due_now: boolean;
}

// One action of a callback event (docs/callbacks.md): task_id null for the run's own.
export interface Callback {
  event: "failure" | "retry" | "success" | "deadline";
  task_id: string | null;
  try_number: number | null;
  action: number;
  state: "pending" | "running" | "sent" | "failed";
  attempts: number;
  created_at: string | null;
  next_at: string | null;
  ended_at: string | null;
  error: string | null;
}

// A try holding or waiting for slots of a pool (docs/pools.md).
export interface PoolTry {
  run_id: string;
  dag_id: string;
  task_id: string;
  try_number: number;
  slots: number;
  priority_weight: number;
  since: string;
}

export interface Pool {
  name: string;
  slots: number | null;  // null: not declared in this configuration
  description: string;
  used: number;
  open: number | null;
  waiting_slots: number;
  holders: PoolTry[];
  waiting: PoolTry[];  // in the order the line serves them
}

export interface XCom {
  task_id: string;
  key: string;
  value: unknown;
}

export interface RunFilter {
  state?: string;
  since?: string;
  until?: string;
}

export interface BackfillRequest {
  from: string;
  to: string;
  reprocess: "none" | "failed" | "all";
  max_active_runs?: number;
  backwards: boolean;
  dry_run: boolean;
}

// A backfill as a whole (docs/scheduler.md#a-backfill-as-a-whole).
export interface Backfill {
  id: number;
  dag_id: string;
  from: string;
  to: string;
  reprocess: "none" | "failed" | "all";
  backwards: boolean;
  max_active_runs: number | null;
  state: "running" | "paused" | "cancelled" | "done";
  created_at: string;
  cancelled_at: string | null;
  cancel_reason: string | null;
  runs: { queued: number; running: number; success: number; failed: number };
}

export interface BackfillInterval {
  action: "create" | "reprocess" | "skip";
  data_interval_start: string;
  data_interval_end: string;
  run_id: string;
  note: string;
}

export interface ClearRequest {
  task_ids?: string[];
  downstream: boolean;
  failed_only: boolean;
}

export interface Run {
  run_id: string;
  dag_id: string;
  state: string;
  run_type: string;
  conf: unknown;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  reason: string;
  backfill_id?: number | null;
}

export interface Try {
  run_id?: string;
  task_id: string;
  try_number: number;
  state: string;
  start_date: string | null;
  end_date: string | null;
  exit_code: number | null;
  signal: number | null;
  error: string | null;
  log_complete: boolean;
  log_error: string | null;
}

export interface RunPage {
  runs: Run[];
  next: string | null;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

// Called when the server wants a token (401): the app shows its prompt.
let onUnauthorized: (message: string) => void = () => {};
export function setUnauthorizedHandler(f: (message: string) => void): void {
  onUnauthorized = f;
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = authHeaders();
  let payload: string | undefined;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const r = await fetch(path, { method, headers, body: payload, credentials: "omit", cache: "no-store" });
  if (r.ok) return r;
  let message = `${r.status} ${r.statusText}`;
  try {
    const e = await r.json();
    if (e && typeof e.error === "string") message = e.error;
  } catch {
    // not JSON: keep the status line
  }
  if (r.status === 401) onUnauthorized(message);
  throw new ApiError(r.status, message);
}

export async function getJson<T>(path: string): Promise<T> {
  return (await request("GET", path)).json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return (await request("POST", path, body)).json() as Promise<T>;
}

const enc = encodeURIComponent;

export const api = {
  dags: () => getJson<Dag[]>("/api/v1/dags"),
  dag: (id: string) => getJson<Dag>(`/api/v1/dags/${enc(id)}`),
  runs(id: string, limit: number, cursor?: string | null, filter: RunFilter = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set("cursor", cursor);
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
    return getJson<RunPage>(`/api/v1/dags/${enc(id)}/runs?${q}`);
  },
  source: async (id: string) => (await request("GET", `/api/v1/dags/${enc(id)}/source`)).text(),
  xcoms: (id: string) => getJson<XCom[]>(`/api/v1/runs/${enc(id)}/xcoms`),
  callbacks: (id: string) => getJson<Callback[]>(`/api/v1/runs/${enc(id)}/callbacks`),
  pools: () => getJson<Pool[]>("/api/v1/pools"),
  clear: (id: string, body: ClearRequest) =>
    postJson<{ run_id: string; cleared: string[] }>(`/api/v1/runs/${enc(id)}/clear`, body),
  cancel: (id: string) => postJson<Run>(`/api/v1/runs/${enc(id)}/cancel`, {}),
  run: (id: string) => getJson<Run>(`/api/v1/runs/${enc(id)}`),
  tries: (id: string) => getJson<Try[]>(`/api/v1/runs/${enc(id)}/tries`),
  trigger: (id: string, conf: object) => postJson<Run>(`/api/v1/dags/${enc(id)}/runs`, { conf }),
  backfill: (id: string, body: BackfillRequest) =>
    postJson<{ dag_id: string; dry_run: boolean; backfill_id: number | null; intervals: BackfillInterval[] }>(
      `/api/v1/dags/${enc(id)}/backfill`, body),
  backfills: (dagId: string) => getJson<Backfill[]>(`/api/v1/backfills?dag_id=${enc(dagId)}`),
  backfillAction: (id: number, action: "pause" | "unpause" | "cancel") =>
    postJson<Backfill>(`/api/v1/backfills/${id}/${action}`, {}),
  pause: (id: string, paused: boolean) =>
    postJson<{ dag_id: string; paused: boolean }>(`/api/v1/dags/${enc(id)}/${paused ? "pause" : "unpause"}`, {}),
  // A chunk of a try's log from a byte offset, and where to ask next.
  async log(runId: string, taskId: string, tryNumber: number, offset: number) {
    const r = await request("GET",
      `/api/v1/runs/${enc(runId)}/tasks/${enc(taskId)}/log?try=${tryNumber}&offset=${offset}`);
    const bytes = new Uint8Array(await r.arrayBuffer());
    const next = Number(r.headers.get("X-Log-Next-Offset") ?? offset + bytes.length);
    return { bytes, next };
  },
};
