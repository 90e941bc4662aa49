/*
 * The dnadb HTTP API, version 1, as docs/api.md describes it: one typed
 * function per endpoint, and one error type for everything that can go
 * wrong. Every function either resolves with the documented 2xx body or
 * rejects with an ApiError; nothing else escapes (no raw TypeError from
 * fetch, no JSON SyntaxError).
 *
 * Every request carries `Authorization: Bearer <token>` when a token is
 * stored (src/token.ts). The three access errors (401 auth_required and
 * invalid_token, 403 insufficient_scope) get a sentence that names what
 * the person tried and what token it needs; a 429 from nginx is retried
 * a bounded number of times after its Retry-After.
 *
 * Ids are JSON numbers. The server allows ids up to 2^63 - 1, which a
 * JavaScript number holds exactly only up to 2^53 - 1; a store would need
 * nine quadrillion rows before that matters.
 */

import { getToken } from "./token";

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
  /** Whether the body was gzip and was inflated (servers before this field omit it). */
  gzip?: boolean;
}

export interface Health {
  status: "ok";
}

/** What a token may do: read (search, get) or write (also add, import, delete). */
export type Scope = "read" | "write";

/** The answer of GET /api/auth. */
export interface AuthInfo {
  /** Whether search and get work without a token on this server. */
  public_read: boolean;
  /** The token sent, or null when none was. */
  token: { name: string; scope: Scope } | null;
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
  | "bad_request" // 400 from nginx: malformed HTTP
  | "not_found"
  | "method_not_allowed"
  | "invalid_record"
  | "invalid_gzip" // 400: an import's body is not valid gzip
  | "inflated_too_large" // 413: a gzip import inflates past the server's limit
  | "unsupported_encoding" // 415: an import's Content-Encoding is not gzip
  | "import_busy" // 503: an import is running (or holds the added sequence)
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
  | "request_timeout"
  | "auth_required" // 401: this needs a token and none was sent
  | "invalid_token" // 401: the token sent is unknown, revoked or malformed
  | "insufficient_scope" // 403: a read token on a write
  | "rate_limited" // 429 from nginx, after this module's retries
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
 * What a request does, for the access and rate-limit messages: `verb`
 * starts the sentence ("Adding needs a write token."), `scope` is what it
 * needs when the server does not allow it anonymously.
 */
interface Purpose {
  verb: string;
  scope: Scope;
}

const ADDING: Purpose = { verb: "Adding", scope: "write" };
const IMPORTING: Purpose = { verb: "Importing", scope: "write" };
const DELETING: Purpose = { verb: "Deleting", scope: "write" };
const SEARCHING: Purpose = { verb: "Searching", scope: "read" };
const READING: Purpose = { verb: "Reading a sequence", scope: "read" };
const CHECKING: Purpose = { verb: "Checking the server", scope: "read" };

/* ---------- events for the rest of the page ---------- */

/**
 * What the UI outside the failing control wants to know: that a request
 * is waiting out a 429 (a banner says so), and that the server refused
 * the stored token (the header's token state turns to "rejected").
 */
export type ApiEvent =
  | { type: "rate_wait"; seconds: number }
  | { type: "rate_done" }
  | { type: "token_rejected"; token: string };

const listeners = new Set<(e: ApiEvent) => void>();

/** Calls `cb` for every ApiEvent; returns the unsubscribe function. */
export function subscribeApi(cb: (e: ApiEvent) => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

function emit(e: ApiEvent): void {
  for (const cb of listeners) cb(e);
}

/* ---------- 429: bounded retries ---------- */

/** Retries of one request after a 429 before it fails with rate_limited. */
export const RATE_RETRIES = 2;
/** Wait bounds in seconds, whatever Retry-After says. */
const RATE_WAIT_MIN = 1;
const RATE_WAIT_MAX = 10;

/** Seconds to wait before retrying: Retry-After (delta-seconds or an HTTP date), clamped. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number {
  let s = RATE_WAIT_MIN;
  if (header !== null && /^\s*\d+\s*$/.test(header)) s = Number(header);
  else if (header !== null) {
    const at = Date.parse(header);
    if (!Number.isNaN(at)) s = Math.ceil((at - now) / 1000);
  }
  return Math.min(RATE_WAIT_MAX, Math.max(RATE_WAIT_MIN, s));
}

/** Resolves after `seconds`, or rejects with the aborted error when `signal` fires first. */
function sleep(seconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, seconds * 1000);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` and, while it fails with a 429, waits and tries again, at
 * most RATE_RETRIES times: nginx refuses such a request before it reaches
 * a worker, so repeating it is safe even for a write. The last 429 is
 * returned to the caller as a rate_limited ApiError.
 */
async function withRateRetry<T>(attempt: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 429 || tries >= RATE_RETRIES) throw e;
      const seconds = e.num("retry_after") ?? RATE_WAIT_MIN;
      emit({ type: "rate_wait", seconds });
      try {
        await sleep(seconds, signal);
      } finally {
        emit({ type: "rate_done" });
      }
    }
  }
}

/** The Authorization header for the stored token, or none. */
function authHeader(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
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
 * The sentence shown for an access or rate-limit error, or null to show
 * the server's own message. The server's message names HTTP methods and
 * headers; this one says what the person tried and what to do.
 */
function accessMessage(code: string, purpose: Purpose, details: Record<string, unknown>): string | null {
  const needed = details["scope"] === "write" || details["scope"] === "read" ? details["scope"] : purpose.scope;
  const what = purpose.verb.charAt(0).toLowerCase() + purpose.verb.slice(1);
  switch (code) {
    case "auth_required":
      return needed === "write"
        ? `${purpose.verb} needs a write token.`
        : `${purpose.verb} needs a token: this server does not allow anonymous reading.`;
    case "invalid_token":
      return "Your token was not accepted: it is unknown or revoked.";
    case "insufficient_scope":
      return `This token can only read; ${what} needs a write token.`;
    case "rate_limited":
      return "Too many requests; wait a moment and try again.";
    default:
      return null;
  }
}

/**
 * Turns a parsed non-2xx body into an ApiError. A body that is not the
 * envelope (a proxy's HTML page, say) still yields a typed error with the
 * status, so the caller never has to look at raw bodies. `purpose` words
 * the access errors; without it the server's message is kept.
 */
export function errorFromBody(
  status: number,
  statusText: string,
  body: unknown,
  requestId: string | null,
  purpose?: Purpose,
): ApiError {
  if (isEnvelope(body)) {
    const { code, message, ...details } = body.error;
    const mine = purpose ? accessMessage(code, purpose, details) : null;
    if (mine !== null) details["server_message"] = message;
    return new ApiError({ kind: "http", status, code, message: mine ?? message, details, requestId });
  }
  if (status === 429 && purpose) {
    return new ApiError({ kind: "http", status, code: "rate_limited", message: accessMessage("rate_limited", purpose, {}) ?? "", requestId });
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

/** Per-request options the endpoint functions set. */
interface Request<T> {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  check: (v: unknown) => v is T;
  purpose: Purpose;
  /** undefined: the stored token; null: none; a string: this one (to verify it before storing). */
  token?: string | null;
}

/**
 * One request through fetch, with the 429 retries. Resolves with the 2xx
 * body, parsed; rejects with ApiError for everything else. `check` tells
 * whether a 2xx body has the documented shape (a guard against talking to
 * the wrong server).
 */
function call<T>(req: Request<T>, opts: CallOptions = {}): Promise<T> {
  return withRateRetry(() => callOnce(req, opts), opts.signal);
}

async function callOnce<T>(req: Request<T>, opts: CallOptions): Promise<T> {
  const { signal } = opts;
  if (signal?.aborted) throw abortedError();
  const token = req.token === undefined ? getToken() : req.token;
  const headers: Record<string, string> = { Accept: "application/json", ...authHeader(token) };
  const init: RequestInit = { method: req.method, headers };
  if (signal) init.signal = signal;
  if (req.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(req.body);
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(apiBase + req.path, init);
    text = await res.text();
  } catch (e) {
    if (signal?.aborted || (e instanceof DOMException && e.name === "AbortError")) throw abortedError();
    throw offlineError();
  }
  const requestId = res.headers.get("X-Request-Id");
  const parsed = parseJson(text);
  if (!res.ok) throw failed(res.status, res.statusText, parsed, requestId, res.headers.get("Retry-After"), req.purpose, token);
  if (!req.check(parsed)) {
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

/**
 * The ApiError of a non-2xx answer, shared by fetch and XHR: adds the
 * Retry-After of a 429 as detail `retry_after` (seconds, clamped) and
 * tells the page when the server refused the token it was sent.
 */
function failed(
  status: number,
  statusText: string,
  parsed: unknown,
  requestId: string | null,
  retryAfter: string | null,
  purpose: Purpose,
  token: string | null,
): ApiError {
  const err = errorFromBody(status, statusText, parsed, requestId, purpose);
  if (status === 429) (err.details as Record<string, unknown>)["retry_after"] = retryAfterSeconds(retryAfter);
  if (err.code === "invalid_token" && token) emit({ type: "token_rejected", token });
  return err;
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

function isAuth(v: unknown): v is AuthInfo {
  if (!isObj(v) || typeof v.public_read !== "boolean") return false;
  const t = v.token;
  return t === null || (isObj(t) && typeof t.name === "string" && (t.scope === "read" || t.scope === "write"));
}

/** A 204 answer has no body. */
function isEmpty(v: unknown): v is undefined {
  return v === undefined;
}

/**
 * Stores a sequence (POST /api/sequences). A duplicate rejects with an
 * ApiError of code "duplicate" whose `num("id")` is the stored id.
 */
export function addSequence(sequence: string, opts?: CallOptions): Promise<SequenceRecord> {
  return call({ method: "POST", path: "/api/sequences", body: { sequence }, check: isRecord, purpose: ADDING }, opts);
}

/** Fetches one stored sequence (GET /api/sequences/{id}); 404 is code "not_found". */
export function getSequence(id: number | string, opts?: CallOptions): Promise<SequenceRecord> {
  return call({ method: "GET", path: sequencePath(id), check: isRecord, purpose: READING }, opts);
}

/** Deletes one stored sequence (DELETE /api/sequences/{id}, write scope); 404 is code "not_found". */
export function deleteSequence(id: number | string, opts?: CallOptions): Promise<void> {
  return call({ method: "DELETE", path: sequencePath(id), check: isEmpty, purpose: DELETING }, opts);
}

function sequencePath(id: number | string): string {
  return `/api/sequences/${encodeURIComponent(String(id))}`;
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
    return call({ method: "POST", path: "/api/search", body, check: isPage, purpose: SEARCHING }, opts);
  }
  const qs = new URLSearchParams({ q: p.q, max_distance: String(p.maxDistance) });
  if (p.limit !== undefined) qs.set("limit", String(p.limit));
  if (p.cursor != null) qs.set("cursor", p.cursor);
  return call({ method: "GET", path: `/api/search?${qs.toString()}`, check: isPage, purpose: SEARCHING }, opts);
}

/** GET /api/health: resolves when the database answers. */
export function health(opts?: CallOptions): Promise<Health> {
  return call({ method: "GET", path: "/api/health", check: isHealth, purpose: CHECKING }, opts);
}

export interface AuthOptions extends CallOptions {
  /** Ask about this token instead of the stored one (null: about none). */
  token?: string | null;
}

/**
 * GET /api/auth: whether anonymous reading is allowed and what the token
 * is (name and scope). Needs no token; a token the server does not know
 * rejects with code "invalid_token".
 */
export function getAuth(opts: AuthOptions = {}): Promise<AuthInfo> {
  const req: Request<AuthInfo> = { method: "GET", path: "/api/auth", check: isAuth, purpose: CHECKING };
  if (opts.token !== undefined) req.token = opts.token;
  return call(req, opts);
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
  return withRateRetry(() => importOnce(file, opts), opts.signal);
}

function importOnce(file: Blob, opts: ImportOptions): Promise<ImportResult> {
  const { signal, onProgress } = opts;
  return new Promise<ImportResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError());
      return;
    }
    const token = getToken();
    const xhr = new XMLHttpRequest();
    const onAbort = (): void => xhr.abort();
    const done = (): void => signal?.removeEventListener("abort", onAbort);
    xhr.open("POST", apiBase + "/api/sequences/import");
    xhr.setRequestHeader("Accept", "application/json");
    for (const [name, value] of Object.entries(authHeader(token))) xhr.setRequestHeader(name, value);
    xhr.responseType = "text";
    if (onProgress) {
      xhr.upload.onprogress = (ev) => onProgress(ev.loaded, ev.lengthComputable ? ev.total : file.size);
    }
    xhr.onload = () => {
      done();
      const requestId = xhr.getResponseHeader("X-Request-Id");
      const parsed = parseJson(xhr.responseText);
      if (xhr.status < 200 || xhr.status > 299) {
        reject(failed(xhr.status, xhr.statusText, parsed, requestId, xhr.getResponseHeader("Retry-After"), IMPORTING, token));
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
