/*
 * The access token this browser sends: its format, where it is kept
 * (localStorage "dnadb.token"), and the hand-off from a link such as
 * http://127.0.0.1:8080/#token=dnadb_... that `deploy/stack up` prints.
 *
 * The token is a secret. It goes only into the Authorization header of
 * requests to this origin (src/api.ts): never into a URL this code builds,
 * a log line or an error message. A link's fragment is never sent to the
 * server, and handOff() removes it from the address bar before anything
 * renders, so it does not linger in the history either.
 */

/** Where the token is kept in localStorage. */
export const TOKEN_KEY = "dnadb.token";

/** dnadb_ + 16 hex digits (the id) + _ + 43 base64url characters (a 256-bit secret). */
export const TOKEN_RE = /^dnadb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;

/** The fragment parameter that hands a token over. */
const FRAGMENT_PARAM = "token";

export type TokenCheck = { ok: true; token: string } | { ok: false; message: string };

/**
 * Checks a pasted token against the format before anything is sent.
 * Surrounding whitespace (a trailing newline from a terminal) is dropped.
 * The messages describe the problem without quoting the input, which may
 * be a real secret pasted into the wrong box.
 */
export function checkToken(input: string): TokenCheck {
  const t = input.trim();
  if (t === "") return { ok: false, message: "Paste a token first." };
  if (TOKEN_RE.test(t)) return { ok: true, token: t };
  const shape = "A token looks like dnadb_, 16 hex digits, _, then 43 letters, digits, - or _.";
  if (!t.startsWith("dnadb_")) return { ok: false, message: `This is not a dnadb token: it should start with dnadb_. ${shape}` };
  if (/\s/.test(t)) return { ok: false, message: `The token has a space or line break inside. ${shape}` };
  const [, id = "", secret = "", ...extra] = t.split("_");
  // The secret itself may contain "_", so rejoin what follows the id.
  const rest = [secret, ...extra].join("_");
  if (!/^[0-9a-f]{16}$/.test(id)) return { ok: false, message: `The part after dnadb_ should be 16 hex digits (0-9, a-f). ${shape}` };
  if (rest.length !== 43) {
    return { ok: false, message: `The secret part has ${rest.length} characters instead of 43; was it cut off? ${shape}` };
  }
  return { ok: false, message: `The secret part has a character other than letters, digits, - or _. ${shape}` };
}

/* ---------- storage ---------- */

const CHANGE_EVENT = "dnadb:token";

/** Used when localStorage is unavailable (disabled, or a browser's private mode that throws). */
let memoryToken: string | null = null;

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

/** The stored token, or null. A stored value that is not well-formed counts as none. */
export function getToken(): string | null {
  const s = storage();
  let v: string | null = memoryToken;
  if (s) {
    try {
      v = s.getItem(TOKEN_KEY);
    } catch {
      v = memoryToken;
    }
  }
  return v !== null && TOKEN_RE.test(v) ? v : null;
}

function changed(): void {
  if (typeof window !== "undefined") window.dispatchEvent(new Event(CHANGE_EVENT));
}

/** Stores a token that passed checkToken(); throws on anything else, so nothing malformed is ever kept. */
export function setToken(token: string): void {
  if (!TOKEN_RE.test(token)) throw new Error("setToken: not a well-formed token");
  memoryToken = token;
  try {
    storage()?.setItem(TOKEN_KEY, token);
  } catch {
    // Full or disabled storage: the token lasts until the page is closed.
  }
  changed();
}

/** Forgets the token. */
export function clearToken(): void {
  memoryToken = null;
  try {
    storage()?.removeItem(TOKEN_KEY);
  } catch {
    // Nothing stored there to remove.
  }
  changed();
}

/** Calls `cb` when the token changes here or in another tab; returns the unsubscribe function. */
export function subscribeToken(cb: () => void): () => void {
  const onStorage = (e: StorageEvent): void => {
    if (e.key === null || e.key === TOKEN_KEY) cb();
  };
  window.addEventListener(CHANGE_EVENT, cb);
  window.addEventListener("storage", onStorage);
  return () => {
    window.removeEventListener(CHANGE_EVENT, cb);
    window.removeEventListener("storage", onStorage);
  };
}

/* ---------- the hand-off through the URL fragment ---------- */

export type Fragment =
  /** No token parameter in the fragment. */
  | { kind: "none" }
  /** A well-formed token; `rest` is the fragment without it ("" or "a=b"). */
  | { kind: "valid"; token: string; rest: string }
  /** A token parameter whose value is not well-formed. */
  | { kind: "malformed"; rest: string };

/** Reads location.hash ("#token=dnadb_...", maybe with other a=b parameters). */
export function parseFragment(hash: string): Fragment {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  if (raw === "") return { kind: "none" };
  const parts = raw.split("&");
  const isToken = (p: string): boolean => p === FRAGMENT_PARAM || p.startsWith(`${FRAGMENT_PARAM}=`);
  const found = parts.filter(isToken);
  if (found.length === 0) return { kind: "none" };
  const rest = parts.filter((p) => !isToken(p)).join("&");
  // Exactly one token=value whose value is the token as is (no percent-decoding:
  // the format needs none, and a second token= is ambiguous).
  const value = found.length === 1 ? (found[0] ?? "").slice(FRAGMENT_PARAM.length + 1) : "";
  return TOKEN_RE.test(value) ? { kind: "valid", token: value, rest } : { kind: "malformed", rest };
}

/** The address without the token: same path and query string (kept verbatim), other fragment parameters kept. */
export function urlWithoutToken(pathname: string, search: string, rest: string): string {
  return pathname + search + (rest === "" ? "" : `#${rest}`);
}

export type HandOff = "none" | "stored" | "malformed";

/**
 * Takes a token out of the address: stores a well-formed one, drops a
 * malformed one (the caller shows a notice; a token stored before stays),
 * and in both cases rewrites the address bar at once with
 * history.replaceState, so the secret is neither bookmarked, nor shared by
 * copying the address, nor left in the session history.
 */
export function handOff(): HandOff {
  const f = parseFragment(location.hash);
  if (f.kind === "none") return "none";
  history.replaceState(history.state, "", urlWithoutToken(location.pathname, location.search, f.rest));
  if (f.kind === "malformed") return "malformed";
  setToken(f.token);
  return "stored";
}
