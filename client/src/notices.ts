/*
 * Page-wide notices, shown by App above the page: a one-off message that
 * outlives a navigation ("Sequence #12 deleted." after going back, a
 * malformed token link), and the wait after a 429 while src/api.ts
 * retries.
 */
import { useSyncExternalStore } from "react";
import { subscribeApi } from "./api";

export interface Flash {
  text: string;
  tone: "ok" | "warn";
  /** Shown only once the address has left this path (the page that set it). */
  notOn: string | null;
  /** A link after the text, e.g. to the Token page. */
  link?: { to: string; label: string };
}

let flash: Flash | null = null;
const flashSubs = new Set<() => void>();

/** Shows `f` above the next page (or this one, if f.notOn is null). */
export function showFlash(f: Flash): void {
  flash = f;
  for (const cb of flashSubs) cb();
}

export function clearFlash(): void {
  if (flash === null) return;
  flash = null;
  for (const cb of flashSubs) cb();
}

export function useFlash(): Flash | null {
  return useSyncExternalStore(
    (cb) => {
      flashSubs.add(cb);
      return () => flashSubs.delete(cb);
    },
    () => flash,
  );
}

/* Requests waiting out a 429, and the longest wait announced. */
let waiting = 0;
let waitSeconds = 0;
let waitSnapshot = 0;
const waitSubs = new Set<() => void>();
let waitStarted = false;

function subscribeWait(cb: () => void): () => void {
  if (!waitStarted) {
    waitStarted = true;
    subscribeApi((e) => {
      if (e.type === "rate_wait") {
        waiting++;
        waitSeconds = Math.max(waitSeconds, e.seconds);
      } else if (e.type === "rate_done") {
        waiting = Math.max(0, waiting - 1);
        if (waiting === 0) waitSeconds = 0;
      } else {
        return;
      }
      waitSnapshot = waiting > 0 ? waitSeconds : 0;
      for (const s of waitSubs) s();
    });
  }
  waitSubs.add(cb);
  return () => waitSubs.delete(cb);
}

/** Seconds the page is waiting after a 429 before retrying, or 0. */
export function useRateWait(): number {
  return useSyncExternalStore(subscribeWait, () => waitSnapshot);
}
