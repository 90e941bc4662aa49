/*
 * What the server makes of this browser's token, for the header's compact
 * state and the Token page: asked once at start and again whenever the
 * stored token changes (GET /api/auth), and marked rejected as soon as any
 * request is refused with invalid_token.
 */
import { useSyncExternalStore } from "react";
import { ApiError, getAuth, subscribeApi, type Scope } from "./api";
import { getToken, subscribeToken } from "./token";

export type AuthState =
  /** Asking the server. */
  | { status: "checking"; token: string | null }
  /** The server's answer: `scope` null means no token is stored. */
  | { status: "ok"; token: string | null; publicRead: boolean; name: string | null; scope: Scope | null }
  /** The stored token is unknown or revoked; publicRead as asked without it (null if that failed too). */
  | { status: "rejected"; token: string; publicRead: boolean | null }
  /** The server could not be asked (offline, 5xx). */
  | { status: "unknown"; token: string | null; error: ApiError };

/** The compact state the header shows. */
export type TokenBadge = "none" | "read" | "write" | "rejected" | "checking" | "unknown";

export function badge(a: AuthState): TokenBadge {
  switch (a.status) {
    case "checking":
      return "checking";
    case "ok":
      return a.scope ?? "none";
    case "rejected":
      return "rejected";
    case "unknown":
      return a.token ? "unknown" : "none";
  }
}

let state: AuthState = { status: "checking", token: null };
let started = false;
let generation = 0;
const subscribers = new Set<() => void>();

function set(next: AuthState): void {
  state = next;
  for (const cb of subscribers) cb();
}

/** Asks GET /api/auth about the stored token; a newer refresh wins over an older one. */
export function refreshAuth(): void {
  const token = getToken();
  const mine = ++generation;
  set({ status: "checking", token });
  getAuth({ token }).then(
    (info) => {
      if (mine !== generation) return;
      set({
        status: "ok",
        token,
        publicRead: info.public_read,
        name: info.token?.name ?? null,
        scope: info.token?.scope ?? null,
      });
    },
    (e: unknown) => {
      if (mine !== generation) return;
      const err = e as ApiError;
      if (token && err.code === "invalid_token") {
        set({ status: "rejected", token, publicRead: null });
        // Ask once more without the token, for public_read.
        getAuth({ token: null }).then(
          (info) => {
            if (mine === generation) set({ status: "rejected", token, publicRead: info.public_read });
          },
          () => {},
        );
      } else {
        set({ status: "unknown", token, error: err });
      }
    },
  );
}

function start(): void {
  if (started) return;
  started = true;
  subscribeToken(refreshAuth);
  subscribeApi((e) => {
    // A request just refused the token we hold: show it at once, no new request.
    if (e.type === "token_rejected" && e.token === getToken() && state.status !== "rejected") {
      generation++;
      set({ status: "rejected", token: e.token, publicRead: state.status === "ok" ? state.publicRead : null });
    }
  });
  refreshAuth();
}

function subscribe(cb: () => void): () => void {
  start();
  subscribers.add(cb);
  return () => subscribers.delete(cb);
}

/** The current AuthState; re-renders when it changes. */
export function useAuth(): AuthState {
  return useSyncExternalStore(subscribe, () => state);
}
