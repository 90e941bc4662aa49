/*
 * A minimal client-side router: the History API, one hook to read the
 * current location, and a Link that navigates without reloading. Five
 * routes do not earn a router dependency.
 * Each entry records how deep in the app's own history it is, so a page
 * can tell whether "back" stays in the app.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

const NAV_EVENT = "dnadb:navigate";

function subscribe(cb: () => void): () => void {
  window.addEventListener("popstate", cb);
  window.addEventListener(NAV_EVENT, cb);
  return () => {
    window.removeEventListener("popstate", cb);
    window.removeEventListener(NAV_EVENT, cb);
  };
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

/** The current path and query string, e.g. "/?q=ACGT&k=2"; re-renders on navigation. */
export function useLocation(): URL {
  const href = useSyncExternalStore(subscribe, snapshot);
  return new URL(href, window.location.origin);
}

/** How many entries of this app lie before the current one (0 on the page first loaded). */
function depth(): number {
  const d = (window.history.state as { dnadbDepth?: unknown } | null)?.dnadbDepth;
  return typeof d === "number" ? d : 0;
}

/** True when history.back() returns to a page of this app (not to another site or a blank tab). */
export function canGoBack(): boolean {
  return depth() > 0;
}

/** Goes to `to` (a path with optional query), adding a history entry unless `replace`. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState({ dnadbDepth: depth() }, "", to);
  else window.history.pushState({ dnadbDepth: depth() + 1 }, "", to);
  window.scrollTo(0, 0);
  window.dispatchEvent(new Event(NAV_EVENT));
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An ordinary link that the router follows in place; modified clicks open as usual. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
