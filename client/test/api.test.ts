import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  GET_QUERY_MAX,
  RATE_RETRIES,
  addSequence,
  deleteSequence,
  getAuth,
  getSequence,
  health,
  importFile,
  isAborted,
  retryAfterSeconds,
  search,
  subscribeApi,
  type ApiEvent,
} from "../src/api";
import { clearToken, setToken } from "../src/token";

/* Only fetch is mocked: every test hands it one canned answer. */

type Handler = (url: string, init: RequestInit) => Promise<Response>;
let handler: Handler;
const calls: { url: string; init: RequestInit }[] = [];

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return handler(url, init);
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  clearToken();
});

function answer(status: number, body: unknown, headers: Record<string, string> = {}): void {
  handler = async () =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json", "X-Request-Id": "req-42", ...headers },
    });
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error("expected a rejection");
}

describe("successful calls", () => {
  it("addSequence posts JSON and returns the record", async () => {
    const rec = { id: 1, sequence: "ACGT", length: 4, created_at: "2026-11-26T03:20:30.123456Z" };
    answer(201, rec);
    expect(await addSequence("ACGT")).toEqual(rec);
    expect(calls[0]?.url).toBe("/api/sequences");
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.body).toBe('{"sequence":"ACGT"}');
    expect((calls[0]?.init.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
  });

  it("search sends a GET with q, max_distance, limit and cursor", async () => {
    answer(200, { query: "ACGT", max_distance: 2, limit: 10, results: [], next_cursor: null });
    await search({ q: "ACGT", maxDistance: 2, limit: 10, cursor: "abc+/=" });
    const u = new URL(calls[0]?.url ?? "", "http://x");
    expect(u.pathname).toBe("/api/search");
    expect(u.searchParams.get("q")).toBe("ACGT");
    expect(u.searchParams.get("max_distance")).toBe("2");
    expect(u.searchParams.get("limit")).toBe("10");
    expect(u.searchParams.get("cursor")).toBe("abc+/=");
    expect(calls[0]?.init.method).toBe("GET");
  });

  it("search sends a long query by POST", async () => {
    answer(200, { query: "A", max_distance: 1, limit: 50, results: [], next_cursor: null });
    const q = "A".repeat(GET_QUERY_MAX + 1);
    await search({ q, maxDistance: 1 });
    expect(calls[0]?.url).toBe("/api/search");
    expect(calls[0]?.init.method).toBe("POST");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ q, max_distance: 1 });
  });

  it("getSequence encodes the id into the path", async () => {
    answer(200, { id: 7, sequence: "A", length: 1, created_at: "x" });
    await getSequence(7);
    expect(calls[0]?.url).toBe("/api/sequences/7");
  });
});

describe("errors", () => {
  it("turns the envelope into a typed error with status, code, message and details", async () => {
    answer(400, {
      error: {
        code: "invalid_sequence",
        message: "sequence: 'N' at position 5 is not one of A, C, G, T",
        field: "sequence",
        position: 5,
      },
    });
    const e = await failure(addSequence("ACGTN"));
    expect(e.kind).toBe("http");
    expect(e.status).toBe(400);
    expect(e.code).toBe("invalid_sequence");
    expect(e.message).toBe("sequence: 'N' at position 5 is not one of A, C, G, T");
    expect(e.details).toEqual({ field: "sequence", position: 5 });
    expect(e.target).toBe("sequence");
    expect(e.num("position")).toBe(5);
    expect(e.requestId).toBe("req-42");
  });

  it("carries the stored id of a duplicate", async () => {
    answer(409, { error: { code: "duplicate", message: "the sequence is already stored", id: 12 } });
    const e = await failure(addSequence("ACGT"));
    expect(e.status).toBe(409);
    expect(e.code).toBe("duplicate");
    expect(e.num("id")).toBe(12);
  });

  it("names the parameter of a bad search", async () => {
    answer(400, { error: { code: "invalid_parameter", message: "max_distance: over 64", parameter: "max_distance" } });
    const e = await failure(search({ q: "ACGT", maxDistance: 65 }));
    expect(e.target).toBe("max_distance");
  });

  it("keeps query_too_broad's advice", async () => {
    answer(422, { error: { code: "query_too_broad", message: "use a smaller max_distance", budget_ms: 5000 } });
    const e = await failure(search({ q: "ACGT", maxDistance: 60 }));
    expect(e.status).toBe(422);
    expect(e.code).toBe("query_too_broad");
    expect(e.num("budget_ms")).toBe(5000);
  });

  it("keeps 404 from getSequence", async () => {
    answer(404, { error: { code: "not_found", message: "no sequence with id 99" } });
    const e = await failure(getSequence(99));
    expect(e.status).toBe(404);
    expect(e.code).toBe("not_found");
  });

  it("types a non-JSON error page by its status", async () => {
    answer(502, "<html>Bad Gateway</html>", { "Content-Type": "text/html" });
    const e = await failure(health());
    expect(e.kind).toBe("http");
    expect(e.status).toBe(502);
    expect(e.code).toBe("internal_error");
    expect(e.message).toMatch(/502/);
  });

  it("types a 503 from health as database_unavailable", async () => {
    answer(503, { error: { code: "database_unavailable", message: "the database is unavailable" } });
    const e = await failure(health());
    expect(e.code).toBe("database_unavailable");
  });

  it("reports a 2xx answer of the wrong shape as a protocol error", async () => {
    answer(200, "<html>not the api</html>", { "Content-Type": "text/html" });
    const e = await failure(getSequence(1));
    expect(e.kind).toBe("protocol");
    expect(e.code).toBe("bad_response");
  });

  it("reports a network failure as offline", async () => {
    handler = async () => {
      throw new TypeError("Failed to fetch");
    };
    const e = await failure(search({ q: "ACGT", maxDistance: 0 }));
    expect(e.kind).toBe("offline");
    expect(e.code).toBe("offline");
    expect(e.status).toBe(0);
  });

  it("reports a cancelled request as aborted, not offline", async () => {
    handler = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    const ctl = new AbortController();
    const p = search({ q: "ACGT", maxDistance: 0 }, { signal: ctl.signal });
    ctl.abort();
    const e = await failure(p);
    expect(e.kind).toBe("aborted");
    expect(isAborted(e)).toBe(true);
  });

  it("does not send a request whose signal is already aborted", async () => {
    answer(200, { status: "ok" });
    const ctl = new AbortController();
    ctl.abort();
    const e = await failure(health({ signal: ctl.signal }));
    expect(e.kind).toBe("aborted");
    expect(calls.length).toBe(0);
  });
});

const TOKEN = "dnadb_0123456789abcdef_" + "Ab9-_".repeat(8) + "xyz";

function header(i: number, name: string): string | undefined {
  return (calls[i]?.init.headers as Record<string, string> | undefined)?.[name];
}

describe("the token", () => {
  it("goes in the Authorization header of every request when stored", async () => {
    setToken(TOKEN);
    answer(200, { query: "ACGT", max_distance: 0, limit: 50, results: [], next_cursor: null });
    await search({ q: "ACGT", maxDistance: 0 });
    answer(201, { id: 1, sequence: "ACGT", length: 4, created_at: "x" });
    await addSequence("ACGT");
    answer(200, { id: 1, sequence: "ACGT", length: 4, created_at: "x" });
    await getSequence(1);
    expect(calls.map((_, i) => header(i, "Authorization"))).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
    ]);
    // Next to Content-Type on a POST, not instead of it.
    expect(header(1, "Content-Type")).toBe("application/json");
  });

  it("is never put into the URL", async () => {
    setToken(TOKEN);
    answer(200, { query: "ACGT", max_distance: 0, limit: 50, results: [], next_cursor: null });
    await search({ q: "ACGT", maxDistance: 0, cursor: "c" });
    expect(calls[0]?.url).not.toContain(TOKEN);
    expect(calls[0]?.url).not.toContain("dnadb_");
  });

  it("is not sent when none is stored", async () => {
    answer(200, { status: "ok" });
    await health();
    expect(header(0, "Authorization")).toBeUndefined();
  });

  it("getAuth can ask about a token before it is stored, or about none", async () => {
    setToken(TOKEN);
    const other = TOKEN.replace("0123", "4567");
    answer(200, { public_read: false, token: { name: "alice", scope: "read" } });
    expect(await getAuth({ token: other })).toEqual({ public_read: false, token: { name: "alice", scope: "read" } });
    expect(header(0, "Authorization")).toBe(`Bearer ${other}`);
    answer(200, { public_read: true, token: null });
    await getAuth({ token: null });
    expect(header(1, "Authorization")).toBeUndefined();
    expect(calls[1]?.url).toBe("/api/auth");
  });

  it("importFile sends it through XMLHttpRequest too", async () => {
    setToken(TOKEN);
    const xhr = stubXhr(200, { inserted: 1, duplicates: 0, records: 1, bases: 4, format: "plain" });
    await importFile(new Blob(["ACGT\n"]));
    expect(xhr.headers["Authorization"]).toBe(`Bearer ${TOKEN}`);
    expect(xhr.url).toBe("/api/sequences/import");
  });
});

describe("access errors", () => {
  it("401 auth_required on a write says it needs a write token", async () => {
    answer(401, { error: { code: "auth_required", message: "POST /api/sequences needs a write token: send Authorization: Bearer <token>" } }, { "WWW-Authenticate": 'Bearer realm="dnadb"' });
    const e = await failure(addSequence("ACGT"));
    expect(e.status).toBe(401);
    expect(e.code).toBe("auth_required");
    expect(e.message).toBe("Adding needs a write token.");
    expect(e.details["server_message"]).toMatch(/needs a write token/);
  });

  it("401 auth_required on a search says anonymous reading is off", async () => {
    answer(401, { error: { code: "auth_required", message: "GET /api/search needs a token" } });
    const e = await failure(search({ q: "ACGT", maxDistance: 0 }));
    expect(e.message).toBe("Searching needs a token: this server does not allow anonymous reading.");
  });

  it("401 invalid_token says the token was not accepted, and tells the page", async () => {
    setToken(TOKEN);
    const events: ApiEvent[] = [];
    const off = subscribeApi((ev) => events.push(ev));
    answer(401, { error: { code: "invalid_token", message: "this token is not known here" } });
    const e = await failure(search({ q: "ACGT", maxDistance: 0 }));
    off();
    expect(e.code).toBe("invalid_token");
    expect(e.message).toBe("Your token was not accepted: it is unknown or revoked.");
    expect(e.message).not.toContain(TOKEN);
    expect(events).toEqual([{ type: "token_rejected", token: TOKEN }]);
  });

  it("403 insufficient_scope says the token can only read", async () => {
    setToken(TOKEN);
    answer(403, { error: { code: "insufficient_scope", message: "token r has the read scope", scope: "write" } });
    const e = await failure(deleteSequence(5));
    expect(e.status).toBe(403);
    expect(e.code).toBe("insufficient_scope");
    expect(e.message).toBe("This token can only read; deleting needs a write token.");
  });

  it("maps the access errors of an import too", async () => {
    stubXhr(403, { error: { code: "insufficient_scope", message: "read scope", scope: "write" } });
    const e = await failure(importFile(new Blob(["ACGT\n"])));
    expect(e.code).toBe("insufficient_scope");
    expect(e.message).toBe("This token can only read; importing needs a write token.");
  });
});

describe("deleteSequence", () => {
  it("sends DELETE and resolves on 204", async () => {
    setToken(TOKEN);
    handler = async () => new Response(null, { status: 204 });
    await expect(deleteSequence(12)).resolves.toBeUndefined();
    expect(calls[0]?.url).toBe("/api/sequences/12");
    expect(calls[0]?.init.method).toBe("DELETE");
    expect(header(0, "Authorization")).toBe(`Bearer ${TOKEN}`);
  });

  it("keeps 404 as not_found", async () => {
    answer(404, { error: { code: "not_found", message: "no sequence has id 12" } });
    const e = await failure(deleteSequence(12));
    expect(e.code).toBe("not_found");
  });
});

describe("429 rate_limited", () => {
  const tooMany = { error: { code: "rate_limited", message: "Too many requests from this client" } };

  it("reads Retry-After as seconds or a date, within 1 to 10 s", () => {
    expect(retryAfterSeconds("1")).toBe(1);
    expect(retryAfterSeconds("3")).toBe(3);
    expect(retryAfterSeconds("0")).toBe(1);
    expect(retryAfterSeconds("3600")).toBe(10);
    expect(retryAfterSeconds(null)).toBe(1);
    expect(retryAfterSeconds("soon")).toBe(1);
    expect(retryAfterSeconds(new Date(5_000).toUTCString(), 0)).toBe(5);
  });

  it("waits Retry-After and retries, then succeeds", async () => {
    vi.useFakeTimers();
    const events: ApiEvent[] = [];
    const off = subscribeApi((ev) => events.push(ev));
    let n = 0;
    handler = async () => {
      n++;
      return n === 1
        ? new Response(JSON.stringify(tooMany), { status: 429, headers: { "Retry-After": "2" } })
        : new Response(JSON.stringify({ status: "ok" }), { status: 200 });
    };
    const p = health();
    await vi.advanceTimersByTimeAsync(1_900);
    expect(calls.length).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(await p).toEqual({ status: "ok" });
    off();
    expect(calls.length).toBe(2);
    expect(events).toEqual([{ type: "rate_wait", seconds: 2 }, { type: "rate_done" }]);
  });

  it(`gives up after ${RATE_RETRIES} retries with a rate_limited error`, async () => {
    vi.useFakeTimers();
    answer(429, tooMany, { "Retry-After": "1" });
    const p = failure(addSequence("ACGT"));
    await vi.advanceTimersByTimeAsync(10_000);
    const e = await p;
    expect(calls.length).toBe(RATE_RETRIES + 1);
    expect(e.status).toBe(429);
    expect(e.code).toBe("rate_limited");
    expect(e.message).toBe("Too many requests; wait a moment and try again.");
    expect(e.num("retry_after")).toBe(1);
  });

  it("types a 429 without the envelope as rate_limited too", async () => {
    vi.useFakeTimers();
    answer(429, "<html>429</html>", { "Content-Type": "text/html" });
    const p = failure(health());
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await p).code).toBe("rate_limited");
  });

  it("stops waiting when the caller aborts", async () => {
    vi.useFakeTimers();
    answer(429, tooMany, { "Retry-After": "5" });
    const ctl = new AbortController();
    const p = failure(search({ q: "ACGT", maxDistance: 0 }, { signal: ctl.signal }));
    await vi.advanceTimersByTimeAsync(100);
    ctl.abort();
    const e = await p;
    expect(e.kind).toBe("aborted");
    expect(calls.length).toBe(1);
  });
});

/**
 * A stand-in XMLHttpRequest that answers `status` with `body` once sent,
 * recording the URL and the request headers.
 */
function stubXhr(status: number, body: unknown): { headers: Record<string, string>; url: string } {
  const seen = { headers: {} as Record<string, string>, url: "" };
  class FakeXhr {
    status = 0;
    statusText = "";
    responseText = "";
    responseType = "";
    upload = { onprogress: null as unknown };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    open(_method: string, url: string): void {
      seen.url = url;
    }
    setRequestHeader(name: string, value: string): void {
      seen.headers[name] = value;
    }
    getResponseHeader(name: string): string | null {
      return name === "X-Request-Id" ? "req-7" : null;
    }
    abort(): void {
      this.onabort?.();
    }
    send(): void {
      queueMicrotask(() => {
        this.status = status;
        this.responseText = JSON.stringify(body);
        this.onload?.();
      });
    }
  }
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
  return seen;
}
