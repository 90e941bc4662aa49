import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  TOKEN_KEY,
  checkToken,
  clearToken,
  getToken,
  handOff,
  parseFragment,
  setToken,
  urlWithoutToken,
} from "../src/token";

const GOOD = "dnadb_0123456789abcdef_" + "A".repeat(20) + "-_" + "z9".repeat(10) + "x";

/** A Map-backed localStorage, and window/location/history just big enough for src/token.ts. */
class MemoryStorage {
  readonly map = new Map<string, string>();
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.map.set(k, String(v));
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
}

let store: MemoryStorage;
let replaced: string[];

function stubPage(href: string): void {
  const u = new URL(href);
  const loc = { pathname: u.pathname, search: u.search, hash: u.hash };
  vi.stubGlobal("location", loc);
  vi.stubGlobal("history", {
    state: null,
    replaceState: (_s: unknown, _t: string, url: string) => {
      replaced.push(url);
      const n = new URL(url, "http://x");
      loc.pathname = n.pathname;
      loc.search = n.search;
      loc.hash = n.hash;
    },
  });
}

beforeEach(() => {
  store = new MemoryStorage();
  replaced = [];
  vi.stubGlobal("localStorage", store);
  vi.stubGlobal("window", new EventTarget());
});
afterEach(() => {
  clearToken();
  vi.unstubAllGlobals();
});

describe("checkToken", () => {
  it("accepts the documented format", () => {
    expect(GOOD).toMatch(/^dnadb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(checkToken(GOOD)).toEqual({ ok: true, token: GOOD });
  });

  it("drops surrounding whitespace from a paste", () => {
    expect(checkToken(`  ${GOOD}\n`)).toEqual({ ok: true, token: GOOD });
  });

  it("asks for a token when the box is empty", () => {
    expect(checkToken("  ")).toEqual({ ok: false, message: "Paste a token first." });
  });

  it.each([
    ["no prefix", "abc_0123456789abcdef_" + "A".repeat(43), /start with dnadb_/],
    ["upper-case hex id", "dnadb_0123456789ABCDEF_" + "A".repeat(43), /16 hex digits/],
    ["short id", "dnadb_0123_" + "A".repeat(43), /16 hex digits/],
    ["secret cut off", GOOD.slice(0, -5), /38 characters instead of 43/],
    ["secret too long", GOOD + "A", /44 characters instead of 43/],
    ["a character outside base64url", GOOD.slice(0, -1) + "+", /other than letters, digits/],
    ["a space inside", GOOD.slice(0, 30) + " " + GOOD.slice(31), /space or line break/],
  ])("refuses %s, with a message that does not quote the input", (_name, input, re) => {
    const r = checkToken(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(re);
      expect(r.message).not.toContain(input.slice(23, 40));
    }
  });
});

describe("storage", () => {
  it("keeps the token under dnadb.token and forgets it on clear", () => {
    expect(getToken()).toBeNull();
    setToken(GOOD);
    expect(store.getItem(TOKEN_KEY)).toBe(GOOD);
    expect(getToken()).toBe(GOOD);
    clearToken();
    expect(store.getItem(TOKEN_KEY)).toBeNull();
    expect(getToken()).toBeNull();
  });

  it("never stores a malformed token", () => {
    expect(() => setToken("dnadb_bad")).toThrow();
    expect(store.map.size).toBe(0);
  });

  it("treats a malformed stored value as no token", () => {
    store.setItem(TOKEN_KEY, "dnadb_tampered");
    expect(getToken()).toBeNull();
  });

  it("announces changes", () => {
    const seen: string[] = [];
    (window as unknown as EventTarget).addEventListener("dnadb:token", () => seen.push("changed"));
    setToken(GOOD);
    clearToken();
    expect(seen).toEqual(["changed", "changed"]);
  });

  it("still works for this page when localStorage throws", () => {
    vi.stubGlobal("localStorage", {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    });
    setToken(GOOD);
    expect(getToken()).toBe(GOOD);
    clearToken();
    expect(getToken()).toBeNull();
  });
});

describe("parseFragment", () => {
  it("finds nothing in an empty or unrelated fragment", () => {
    expect(parseFragment("")).toEqual({ kind: "none" });
    expect(parseFragment("#")).toEqual({ kind: "none" });
    expect(parseFragment("#results")).toEqual({ kind: "none" });
    expect(parseFragment("#tokens=1")).toEqual({ kind: "none" });
  });

  it("takes a well-formed token", () => {
    expect(parseFragment(`#token=${GOOD}`)).toEqual({ kind: "valid", token: GOOD, rest: "" });
  });

  it("keeps other fragment parameters", () => {
    expect(parseFragment(`#a=1&token=${GOOD}&b=2`)).toEqual({ kind: "valid", token: GOOD, rest: "a=1&b=2" });
  });

  it.each([
    ["a short value", "#token=dnadb_abc"],
    ["an empty value", "#token="],
    ["no value", "#token"],
    ["a percent-encoded value", `#token=${encodeURIComponent(GOOD).replace("_", "%5F")}`],
    ["two tokens", `#token=${GOOD}&token=${GOOD}`],
    ["trailing garbage", `#token=${GOOD}x`],
  ])("calls %s malformed", (_name, hash) => {
    expect(parseFragment(hash).kind).toBe("malformed");
  });
});

describe("urlWithoutToken", () => {
  it("keeps the path and the query string verbatim", () => {
    expect(urlWithoutToken("/", "?q=&k=", "")).toBe("/?q=&k=");
    expect(urlWithoutToken("/sequences/12", "", "")).toBe("/sequences/12");
    expect(urlWithoutToken("/", "?q=ACGT&k=2", "a=1")).toBe("/?q=ACGT&k=2#a=1");
  });
});

describe("handOff", () => {
  it("stores a well-formed token and cleans the address at once", () => {
    stubPage(`http://127.0.0.1:8080/?q=&k=#token=${GOOD}`);
    expect(handOff()).toBe("stored");
    expect(getToken()).toBe(GOOD);
    expect(replaced).toEqual(["/?q=&k="]);
    expect(location.hash).toBe("");
  });

  it("drops a malformed token without storing it, keeping the one stored before", () => {
    setToken(GOOD);
    stubPage("http://127.0.0.1:8080/add#token=dnadb_nope");
    expect(handOff()).toBe("malformed");
    expect(replaced).toEqual(["/add"]);
    expect(getToken()).toBe(GOOD);
  });

  it("does nothing without a token in the fragment", () => {
    stubPage("http://127.0.0.1:8080/?q=ACGT#x");
    expect(handOff()).toBe("none");
    expect(replaced).toEqual([]);
    expect(store.map.size).toBe(0);
  });

  it("never writes the token into the new address", () => {
    stubPage(`http://127.0.0.1:8080/import?x=1#token=${GOOD}&keep=1`);
    handOff();
    expect(replaced).toEqual(["/import?x=1#keep=1"]);
    expect(replaced.join()).not.toContain(GOOD);
  });
});
