import { useEffect, useRef } from "react";
import { badge, useAuth, type TokenBadge } from "./auth";
import { AddPage } from "./components/AddPage";
import { DetailsPage } from "./components/DetailsPage";
import { ImportPage } from "./components/ImportPage";
import { SearchPage } from "./components/SearchPage";
import { TokenPage } from "./components/TokenPage";
import { clearFlash, useFlash, useRateWait } from "./notices";
import { Link, useLocation } from "./router";

/** Route table: path pattern to page. */
function route(path: string) {
  if (path === "/" || path === "/search") return { page: <SearchPage />, title: "Search", nav: "search" };
  if (path === "/add") return { page: <AddPage />, title: "Add a sequence", nav: "add" };
  if (path === "/import") return { page: <ImportPage />, title: "Import a file", nav: "import" };
  if (path === "/token") return { page: <TokenPage />, title: "Token", nav: "token" };
  const m = /^\/sequences\/([^/]+)\/?$/.exec(path);
  if (m) return { page: <DetailsPage id={decodeURIComponent(m[1] ?? "")} />, title: `Sequence #${m[1]}`, nav: "" };
  return { page: <NotFound />, title: "Not found", nav: "" };
}

export function App() {
  const loc = useLocation();
  const { page, title, nav } = route(loc.pathname);
  useEffect(() => {
    document.title = `${title} · dnadb`;
  }, [title]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="top-inner">
          <Link to="/" className="brand" aria-label="dnadb home">
            <span className="brand-mark" aria-hidden="true">
              ACGT
            </span>
            dnadb
          </Link>
          <nav aria-label="Main">
            <Link to="/" aria-current={nav === "search" ? "page" : undefined}>
              Search
            </Link>
            <Link to="/add" aria-current={nav === "add" ? "page" : undefined}>
              Add
            </Link>
            <Link to="/import" aria-current={nav === "import" ? "page" : undefined}>
              Import
            </Link>
            <TokenNav current={nav === "token"} />
          </nav>
        </div>
      </header>
      <main id="main" className="main">
        <Notices path={loc.pathname} />
        {page}
      </main>
      <footer className="foot">
        Exact Levenshtein search over stored DNA. API: <code>/api</code>
      </footer>
    </>
  );
}

/**
 * Words for the header's token state: `short` in the badge, `long` in the
 * link's accessible name (which contains the visible words).
 */
const BADGE: Record<TokenBadge, { short: string; long: string }> = {
  none: { short: "none", long: "none set" },
  read: { short: "read", long: "read scope" },
  write: { short: "write", long: "write scope" },
  rejected: { short: "rejected", long: "rejected by the server" },
  checking: { short: "…", long: "checking" },
  unknown: { short: "?", long: "not verified" },
};

/** The nav item of the Token page, with the token's state at a glance. */
function TokenNav({ current }: { current: boolean }) {
  const b = badge(useAuth());
  return (
    <Link
      to="/token"
      className="token-nav"
      aria-current={current ? "page" : undefined}
      aria-label={`Token: ${BADGE[b].long}`}
      data-token-state={b}
    >
      Token{" "}
      <span className={`token-badge token-${b}`} aria-hidden="true">
        {BADGE[b].short}
      </span>
    </Link>
  );
}

/**
 * Page-wide notices: the one-off flash (after a delete, or a malformed
 * token link) and the wait after a 429. A flash is dropped once the
 * address moves on from the page it was first shown on.
 */
function Notices({ path }: { path: string }) {
  const flash = useFlash();
  const wait = useRateWait();
  const shownOn = useRef<string | null>(null);
  const visible = flash !== null && flash.notOn !== path;
  useEffect(() => {
    if (!visible) {
      shownOn.current = null;
      return;
    }
    if (shownOn.current === null) shownOn.current = path;
    else if (shownOn.current !== path) {
      shownOn.current = null;
      clearFlash();
    }
  }, [visible, path]);
  return (
    <>
      <div className="notices" role="status">
        {wait > 0 && (
          <p className="note note-warn">
            Too many requests; retrying in {wait === 1 ? "a second" : `${wait} seconds`}…
          </p>
        )}
      </div>
      {visible && (
        <div className={`note note-${flash.tone} flash`} role="status">
          <p className="note-msg">
            {flash.text}
            {flash.link && (
              <>
                {" "}
                <Link to={flash.link.to}>{flash.link.label}</Link>
              </>
            )}
          </p>
          <button type="button" className="btn btn-small" onClick={clearFlash}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}

function NotFound() {
  return (
    <section className="panel">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Go to search</Link>.
      </p>
    </section>
  );
}
