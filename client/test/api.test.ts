import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, GET_QUERY_MAX, addSequence, getSequence, health, isAborted, search } from "../src/api";

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
afterEach(() => vi.unstubAllGlobals());

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
