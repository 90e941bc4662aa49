import { useEffect } from "react";
import { AddPage } from "./components/AddPage";
import { DetailsPage } from "./components/DetailsPage";
import { ImportPage } from "./components/ImportPage";
import { SearchPage } from "./components/SearchPage";
import { Link, useLocation } from "./router";

/** Route table: path pattern to page. */
function route(path: string) {
  if (path === "/" || path === "/search") return { page: <SearchPage />, title: "Search", nav: "search" };
  if (path === "/add") return { page: <AddPage />, title: "Add a sequence", nav: "add" };
  if (path === "/import") return { page: <ImportPage />, title: "Import a file", nav: "import" };
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
          </nav>
        </div>
      </header>
      <main id="main" className="main">
        {page}
      </main>
      <footer className="foot">
        Exact Levenshtein search over stored DNA. API: <code>/api</code>
      </footer>
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
