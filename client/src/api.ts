/*
 * The dnadb HTTP API, version 1, as docs/api.md describes it: one typed
 * function per endpoint, and one error type for everything that can go
 * wrong. Every function either resolves with the documented 2xx body or
 * rejects with an ApiError; nothing else escapes (no raw TypeError from
 * fetch, no JSON SyntaxError).
 *
 * Ids are JSON numbers. The server allows ids up to 2^63 - 1, which a
 * JavaScript number holds exactly only up to 2^53 - 1; a store would need
 * nine quadrillion rows before that matters.
 */

/** A stored sequence (POST /api/sequences, GET /api/sequences/{id}). */
export interface SequenceRecord {
  id: number;
  /** Upper-case A, C, G, T. */
  sequence: string;
  length: number;
  /** RFC 3339 UTC timestamp with microseconds, e.g. "2026-11-26T03:20:30.123456Z". */
  created_at: string;
}

/** One match of a search. */
export interface SearchResult {
  id: number;
  sequence: string;
  length: number;
  /** Levenshtein distance to the whole query, 0 .. max_distance. */
  distance: number;
}

/** One page of a search; results are ordered by distance, then id. */
export interface SearchPage {
  query: string;
  max_distance: number;
  limit: number;
  results: SearchResult[];
  /** Opaque; null on the last page. */
  next_cursor: string | null;
}

/** The answer of POST /api/sequences/import. */
export interface ImportResult {
  inserted: number;
  duplicates: number;
  records: number;
  bases: number;
  format: "fasta" | "fastq" | "plain";
}

export interface Health {
  status: "ok";
}

/** The stable error codes of docs/api.md, plus the client's own. */
export type ApiErrorCode =
  | "invalid_json"
  | "missing_field"
  | "unknown_field"
  | "invalid_sequence"
  | "sequence_too_long"
  | "incomplete_body"
  | "invalid_parameter"
  | "not_found"
  | "method_not_allowed"
  | "invalid_record"
  | "duplicate"
  | "body_too_large"
  | "uri_too_long"
  | "header_too_large"
  | "query_too_broad"
  | "unsupported_media_type"
  | "internal_error"
  | "worker_unavailable"
  | "database_unavailable"
  | "timeout"
  | "gateway_timeout"
  // Client-side codes (never sent by the server):
  | "offline" // the request never got an HTTP answer
  | "aborted" // the caller cancelled it through its AbortSignal
  | "bad_response"; // an answer that is not the documented JSON

/**
 * What kind of failure an ApiError is, which decides what the UI offers:
 * "http" shows the server's message near the control it concerns;
 * "offline" says the connection was lost and offers a retry; "aborted" is
 * a stale request the UI itself cancelled and is normally ignored;
 * "protocol" is a server answer that does not follow the contract.
 */
export type ApiErrorKind = "http" | "offline" | "aborted" | "protocol";

/** The error envelope every non-2xx answer from /api carries. */
export interface ApiErrorEnvelope {
  error: {
    code: string;
    message: string;
    [detail: string]: unknown;
  };
}

/** Every failure of this module. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status; 0 when there was no HTTP answer (offline, aborted). */
  readonly status: number;
  /** The envelope's `code` (kept as sent even if this client does not know it). */
  readonly code: ApiErrorCode | (string & {});
  /**
   * The envelope's other members: `field`, `parameter`, `position`,
   * `id`, `line`, `reason`, `max_bytes`, ... depending on the code.
   */
  readonly details: Readonly<Record<string, unknown>>;
  /** The X-Request-Id of the answer, to quote when reporting a problem. */
  readonly requestId: string | null;

  constructor(init: {
    kind: ApiErrorKind;
    status: number;
    code: string;
    message: string;
    details?: Record<string, unknown>;
    requestId?: string | null;
  }) {
    super(init.message);
    this.name = "ApiError";
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? {};
    this.requestId = init.requestId ?? null;
  }

  /** The request member or parameter the error is about, if the server named one. */
  get target(): string | null {
    const t = this.details["field"] ?? this.details["parameter"];
    return typeof t === "string" ? t : null;
  }

  /** A numeric detail (position, id, line, column, ...), or null. */
  num(name: string): number | null {
    const v = this.details[name];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** True for a request cancelled by its caller: nothing to show. */
export function isAborted(e: unknown): boolean {
  return e instanceof ApiError && e.kind === "aborted";
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * Where the API lives. Empty means the page's own origin, which is how
 * nginx serves the client (static files at /, the API at /api).
 */
let apiBase = "";

/** Points the module at another origin (tests, the dev server). */
export function setApiBase(base: string): void {
  apiBase = base.replace(/\/+$/, "");
}

/** GET queries up to this many bases; longer ones go by POST /api/search. */
export const GET_QUERY_MAX = 8000;

/** Requests abandoned by their caller reject with this. */
function abortedError(): ApiError {
  return new ApiError({ kind: "aborted", status: 0, code: "aborted", message: "The request was cancelled." });
}

function offlineError(): ApiError {
  return new ApiError({
    kind: "offline",
    status: 0,
    code: "offline",
    message: "Could not reach the server. Check the connection and try again.",
  });
}

/**
 * Turns a parsed non-2xx body into an ApiError. A body that is not the
 * envelope (a proxy's HTML page, say) still yields a typed error with the
 * status, so the caller never has to look at raw bodies.
 */
export function errorFromBody(status: number, statusText: string, body: unknown, requestId: string | null): ApiError {
  if (isEnvelope(body)) {
    const { code, message, ...details } = body.error;
    return new ApiError({ kind: "http", status, code, message, details, requestId });
  }
  const text = statusText ? `${status} ${statusText}` : String(status);
  return new ApiError({
    kind: "http",
    status,
    code: status >= 500 ? "internal_error" : "bad_response",
    message: `The server answered ${text} without an explanation.`,
    requestId,
  });
}

function isEnvelope(body: unknown): body is ApiErrorEnvelope {
  if (typeof body !== "object" || body === null) return false;
  const err = (body as { error?: unknown }).error;
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  return typeof e.code === "string" && typeof e.message === "string";
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * One request through fetch. Resolves with the 2xx body, parsed; rejects
 * with ApiError for everything else. `check` tells whether a 2xx body has
 * the documented shape (a guard against talking to the wrong server).
 */
async function call<T>(
  method: "GET" | "POST",
  path: string,
  body: unknown,
  check: (v: unknown) => v is T,
  opts: CallOptions = {},
): Promise<T> {
  const { signal } = opts;
  if (signal?.aborted) throw abortedError();
  const init: RequestInit = { method, headers: { Accept: "application/json" } };
  if (signal) init.signal = signal;
  if (body !== undefined) {
    init.headers = { Accept: "application/json", "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(apiBase + path, init);
    text = await res.text();
  } catch (e) {
    if (signal?.aborted || (e instanceof DOMException && e.name === "AbortError")) throw abortedError();
    throw offlineError();
  }
  const requestId = res.headers.get("X-Request-Id");
  const parsed = parseJson(text);
  if (!res.ok) throw errorFromBody(res.status, res.statusText, parsed, requestId);
  if (!check(parsed)) {
    throw new ApiError({
      kind: "protocol",
      status: res.status,
      code: "bad_response",
      message: "The server's answer was not what this page expects. Reload the page and try again.",
      requestId,
    });
  }
  return parsed;
}

/* Shape checks for 2xx bodies: enough to trust the fields the UI reads. */

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isRecord(v: unknown): v is SequenceRecord {
  return isObj(v) && typeof v.id === "number" && typeof v.sequence === "string" && typeof v.length === "number";
}

function isResult(v: unknown): v is SearchResult {
  return isRecord(v) && typeof (v as { distance?: unknown }).distance === "number";
}

function isPage(v: unknown): v is SearchPage {
  return (
    isObj(v) &&
    Array.isArray(v.results) &&
    v.results.every(isResult) &&
    (v.next_cursor === null || typeof v.next_cursor === "string")
  );
}

function isImport(v: unknown): v is ImportResult {
  return isObj(v) && typeof v.inserted === "number" && typeof v.duplicates === "number" && typeof v.records === "number";
}

function isHealth(v: unknown): v is Health {
  return isObj(v) && v.status === "ok";
}

/**
 * Stores a sequence (POST /api/sequences). A duplicate rejects with an
 * ApiError of code "duplicate" whose `num("id")` is the stored id.
 */
export function addSequence(sequence: string, opts?: CallOptions): Promise<SequenceRecord> {
  return call("POST", "/api/sequences", { sequence }, isRecord, opts);
}

/** Fetches one stored sequence (GET /api/sequences/{id}); 404 is code "not_found". */
export function getSequence(id: number | string, opts?: CallOptions): Promise<SequenceRecord> {
  return call("GET", `/api/sequences/${encodeURIComponent(String(id))}`, undefined, isRecord, opts);
}

export interface SearchParams {
  /** The query, A/C/G/T in either case. */
  q: string;
  /** 0 .. the server's cap (64 by default); the server's default is 0. */
  maxDistance: number;
  /** 1 .. 1000; the server's default is 50. */
  limit?: number;
  /** The previous page's next_cursor, for the same q and maxDistance. */
  cursor?: string | null;
}

/**
 * One page of a search. Queries up to GET_QUERY_MAX bases go as
 * GET /api/search (cacheable, visible in logs); longer ones as
 * POST /api/search, since a request line is limited to 16 KiB.
 */
export function search(p: SearchParams, opts?: CallOptions): Promise<SearchPage> {
  if (p.q.length > GET_QUERY_MAX) {
    const body: Record<string, unknown> = { q: p.q, max_distance: p.maxDistance };
    if (p.limit !== undefined) body.limit = p.limit;
    if (p.cursor != null) body.cursor = p.cursor;
    return call("POST", "/api/search", body, isPage, opts);
  }
  const qs = new URLSearchParams({ q: p.q, max_distance: String(p.maxDistance) });
  if (p.limit !== undefined) qs.set("limit", String(p.limit));
  if (p.cursor != null) qs.set("cursor", p.cursor);
  return call("GET", `/api/search?${qs.toString()}`, undefined, isPage, opts);
}

/** GET /api/health: resolves when the database answers. */
export function health(opts?: CallOptions): Promise<Health> {
  return call("GET", "/api/health", undefined, isHealth, opts);
}

export interface ImportOptions extends CallOptions {
  /** Called as the body goes out: bytes sent so far and the total. */
  onProgress?: (sent: number, total: number) => void;
}

/**
 * Uploads a FASTA, FASTQ or plain-text file as is
 * (POST /api/sequences/import). Uses XMLHttpRequest because fetch cannot
 * report upload progress. A bad record rejects with code "invalid_record"
 * and details `line`, `reason` and maybe `column`; nothing was stored then.
 */
export function importFile(file: Blob, opts: ImportOptions = {}): Promise<ImportResult> {
  const { signal, onProgress } = opts;
  return new Promise<ImportResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError());
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbort = (): void => xhr.abort();
    const done = (): void => signal?.removeEventListener("abort", onAbort);
    xhr.open("POST", apiBase + "/api/sequences/import");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "text";
    if (onProgress) {
      xhr.upload.onprogress = (ev) => onProgress(ev.loaded, ev.lengthComputable ? ev.total : file.size);
    }
    xhr.onload = () => {
      done();
      const requestId = xhr.getResponseHeader("X-Request-Id");
      const parsed = parseJson(xhr.responseText);
      if (xhr.status < 200 || xhr.status > 299) {
        reject(errorFromBody(xhr.status, xhr.statusText, parsed, requestId));
      } else if (!isImport(parsed)) {
        reject(
          new ApiError({
            kind: "protocol",
            status: xhr.status,
            code: "bad_response",
            message: "The server's answer was not what this page expects.",
            requestId,
          }),
        );
      } else {
        resolve(parsed);
      }
    };
    xhr.onerror = () => {
      done();
      reject(offlineError());
    };
    xhr.onabort = () => {
      done();
      reject(abortedError());
    };
    signal?.addEventListener("abort", onAbort);
    xhr.send(file);
  });
}
