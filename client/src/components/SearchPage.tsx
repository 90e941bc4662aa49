import { Fragment, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError, isAborted, search, type SearchResult } from "../api";
import { checkSequence } from "../dna";
import { Link, navigate, useLocation } from "../router";
import { AlignmentView } from "./AlignmentView";
import { ErrorNote, FieldError } from "./ErrorNote";

/** The server's default cap on max_distance (conf/dnadb.conf); the API does not publish it. */
export const MAX_DISTANCE_CAP = 64;
/** Distance the form starts with when the URL names none. */
const DEFAULT_K = 2;
/** Results per page. */
const PAGE = 50;
/** Bases of a match shown in the table; the rest is in the alignment and the details page. */
const PREVIEW = 60;
/** Query and match both at most this long: the alignment shows inline without a click. */
export const INLINE_MAX_BASES = 120;
/** Only this many of the first rows open inline, so a page aligns at most this many pairs unasked. */
export const INLINE_MAX_ROWS = 10;

/** Whether the alignment of result number `index` (0-based) opens by itself. */
export function opensInline(query: string, match: string, index: number): boolean {
  return index < INLINE_MAX_ROWS && query.length <= INLINE_MAX_BASES && match.length <= INLINE_MAX_BASES;
}

function parseK(s: string | null): number | null {
  if (s === null || !/^\d{1,3}$/.test(s)) return null;
  const k = Number(s);
  return k <= MAX_DISTANCE_CAP ? k : null;
}

function searchUrl(q: string, k: number): string {
  return `/?${new URLSearchParams({ q, k: String(k) }).toString()}`;
}

type Outcome =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "done"; query: string; k: number; results: SearchResult[]; next: string | null };

/** Which control a server error is about: "q", "k" or the form as a whole. */
function errorPlace(e: ApiError): "q" | "k" | "form" {
  const t = e.target;
  if (t === "q" || e.code === "invalid_sequence" || e.code === "sequence_too_long") return "q";
  if (t === "max_distance" || e.code === "query_too_broad") return "k";
  return "form";
}

export function SearchPage() {
  const loc = useLocation();
  const urlQ = loc.searchParams.get("q") ?? "";
  const urlK = parseK(loc.searchParams.get("k"));
  const activeK = urlK ?? 0;

  const [draft, setDraft] = useState(urlQ);
  const [k, setK] = useState(urlK ?? DEFAULT_K);
  const [queryError, setQueryError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ status: "idle" });
  const [more, setMore] = useState<{ loading: boolean; error: ApiError | null }>({ loading: false, error: null });
  /** Alignments the user opened or closed by hand (id -> open); the rest follow opensInline(). */
  const [toggled, setToggled] = useState<ReadonlyMap<number, boolean>>(new Map());
  const [nonce, setNonce] = useState(0);
  const moreCtl = useRef<AbortController | null>(null);
  const queryRef = useRef<HTMLTextAreaElement>(null);

  // Back/forward and shared links: the form shows what the URL says.
  useEffect(() => {
    setDraft(urlQ);
    if (urlK !== null) setK(urlK);
    else if (urlQ !== "") setK(0); // the API's default, so the form shows what was searched
  }, [urlQ, urlK]);

  // The search itself follows the URL; a newer one cancels the older.
  useEffect(() => {
    moreCtl.current?.abort();
    setMore({ loading: false, error: null });
    setToggled(new Map());
    if (urlQ === "") {
      setOutcome({ status: "idle" });
      return;
    }
    const check = checkSequence(urlQ);
    if (!check.ok) {
      setQueryError(check.problem.message);
      setOutcome({ status: "idle" });
      return;
    }
    setQueryError(null);
    const ctl = new AbortController();
    setOutcome({ status: "loading" });
    search({ q: check.sequence, maxDistance: activeK, limit: PAGE }, { signal: ctl.signal }).then(
      (page) =>
        setOutcome({ status: "done", query: check.sequence, k: activeK, results: page.results, next: page.next_cursor }),
      (e: unknown) => {
        if (!isAborted(e)) setOutcome({ status: "error", error: e as ApiError });
      },
    );
    return () => ctl.abort();
  }, [urlQ, activeK, nonce]);

  function submit(e?: FormEvent): void {
    e?.preventDefault();
    const check = checkSequence(draft);
    if (!check.ok) {
      setQueryError(check.problem.message);
      queryRef.current?.focus();
      return;
    }
    setQueryError(null);
    const to = searchUrl(check.sequence, k);
    if (to === loc.pathname + loc.search) setNonce((n) => n + 1);
    else navigate(to);
  }

  function onQueryKey(e: KeyboardEvent<HTMLTextAreaElement>): void {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  function loadMore(): void {
    if (outcome.status !== "done" || !outcome.next) return;
    const base = outcome;
    moreCtl.current?.abort();
    const ctl = new AbortController();
    moreCtl.current = ctl;
    setMore({ loading: true, error: null });
    search({ q: base.query, maxDistance: base.k, limit: PAGE, cursor: base.next }, { signal: ctl.signal }).then(
      (page) => {
        setOutcome({ ...base, results: [...base.results, ...page.results], next: page.next_cursor });
        setMore({ loading: false, error: null });
      },
      (e: unknown) => {
        if (!isAborted(e)) setMore({ loading: false, error: e as ApiError });
      },
    );
  }

  const err = outcome.status === "error" ? outcome.error : null;
  const place = err ? errorPlace(err) : null;
  const retry = () => setNonce((n) => n + 1);
  const setKClamped = (v: number) => setK(Math.max(0, Math.min(MAX_DISTANCE_CAP, Number.isFinite(v) ? Math.round(v) : 0)));

  return (
    <section className="page">
      <h1 className="page-title">Search</h1>
      <p className="lede">
        Find every stored sequence within <em>k</em> edits (substitutions, insertions, deletions) of your query.
      </p>
      <form className="panel search-form" onSubmit={submit} noValidate role="search">
        <div className="field">
          <label htmlFor="query">Query</label>
          <textarea
            id="query"
            ref={queryRef}
            className="seq-input"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onQueryKey}
            rows={3}
            spellCheck={false}
            autoCapitalize="characters"
            autoComplete="off"
            placeholder="Paste bases or FASTA, e.g. ACGTACGTTTGG"
            aria-invalid={queryError || place === "q" ? true : undefined}
            aria-describedby="query-hint query-error query-server-error"
          />
          <p className="hint" id="query-hint">
            Enter searches; Shift+Enter adds a line. Whitespace and a FASTA header line are ignored.
          </p>
          <FieldError id="query-error" message={queryError} />
          {place === "q" && <ErrorNote id="query-server-error" error={err} />}
        </div>

        <div className="field">
          <label htmlFor="max-distance">Max distance</label>
          <div className="k-row">
            <input
              type="range"
              min={0}
              max={MAX_DISTANCE_CAP}
              step={1}
              value={k}
              onChange={(e) => setKClamped(e.target.valueAsNumber)}
              aria-label="Max distance (slider)"
              aria-describedby="k-hint"
            />
            <input
              id="max-distance"
              type="number"
              className="k-number"
              min={0}
              max={MAX_DISTANCE_CAP}
              step={1}
              inputMode="numeric"
              value={k}
              onChange={(e) => setKClamped(e.target.valueAsNumber)}
              aria-describedby="k-hint k-server-error"
            />
          </div>
          <p className="hint" id="k-hint">
            0 finds exact copies; up to {MAX_DISTANCE_CAP}. Large values on short queries can be too broad.
          </p>
          {place === "k" && <ErrorNote id="k-server-error" error={err} />}
        </div>

        <div className="actions">
          <button type="submit" className="btn btn-primary">
            Search
          </button>
          <span className="status" aria-live="polite">
            {outcome.status === "loading" ? "Searching…" : ""}
          </span>
        </div>
        {place === "form" && <ErrorNote error={err} onRetry={retry} />}
      </form>

      {outcome.status === "done" && (
        <Results
          outcome={outcome}
          toggled={toggled}
          setToggled={setToggled}
          more={more}
          onMore={loadMore}
          onTryMore={() => navigate(searchUrl(outcome.query, outcome.k + 1))}
        />
      )}
    </section>
  );
}

function Results({
  outcome,
  toggled,
  setToggled,
  more,
  onMore,
  onTryMore,
}: {
  outcome: Extract<Outcome, { status: "done" }>;
  toggled: ReadonlyMap<number, boolean>;
  setToggled: (t: ReadonlyMap<number, boolean>) => void;
  more: { loading: boolean; error: ApiError | null };
  onMore: () => void;
  onTryMore: () => void;
}) {
  const { results, next, k, query } = outcome;
  const edits = k === 1 ? "edit" : "edits";
  if (results.length === 0) {
    return (
      <section className="panel empty" aria-labelledby="results-title">
        <h2 id="results-title">Nothing within {k} {edits}</h2>
        <p>No stored sequence is {k === 0 ? "identical to" : `within ${k} ${edits} of`} this query.</p>
        {k < MAX_DISTANCE_CAP && (
          <button type="button" className="btn" onClick={onTryMore}>
            Try {k + 1} {k + 1 === 1 ? "edit" : "edits"}
          </button>
        )}
      </section>
    );
  }
  return (
    <section className="panel results" aria-labelledby="results-title">
      <div className="results-head">
        <h2 id="results-title">Results</h2>
        <p className="count" aria-live="polite">
          {results.length} shown, {next ? "more available" : `all matches within ${k} ${edits}`}
        </p>
      </div>
      <table className="rtable">
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col" className="num">Length</th>
            <th scope="col" className="num">Distance</th>
            <th scope="col">Sequence</th>
            <th scope="col"><span className="sr-only">Alignment</span></th>
          </tr>
        </thead>
        <tbody>
          {results.map((r, index) => {
            const isOpen = toggled.get(r.id) ?? opensInline(query, r.sequence, index);
            return (
              <Fragment key={r.id}>
                <tr className={isOpen ? "is-open" : undefined}>
                  <td data-label="Id">
                    <Link to={`/sequences/${r.id}`}>#{r.id}</Link>
                  </td>
                  <td data-label="Length" className="num">{r.length.toLocaleString("en")}</td>
                  <td data-label="Distance" className="num">
                    <span className={`dist dist-${Math.min(r.distance, 3)}`}>{r.distance}</span>
                  </td>
                  <td data-label="Sequence" className="seqcell">
                    <code title={r.length > PREVIEW ? "Open the alignment or the details for the whole sequence" : undefined}>
                      {r.length > PREVIEW ? r.sequence.slice(0, PREVIEW) + "…" : r.sequence}
                    </code>
                  </td>
                  <td className="rowact">
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-expanded={isOpen}
                      aria-controls={`align-${r.id}`}
                      onClick={() => setToggled(new Map(toggled).set(r.id, !isOpen))}
                    >
                      {isOpen ? "Hide alignment" : "Alignment"}
                      <span className="sr-only"> of #{r.id}</span>
                    </button>
                  </td>
                </tr>
                {isOpen && (
                  <tr className="align-row" id={`align-${r.id}`}>
                    <td colSpan={5}>
                      <AlignmentView query={query} match={r.sequence} distance={r.distance} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      <div className="actions">
        {next && (
          <button type="button" className="btn" onClick={onMore} disabled={more.loading}>
            {more.loading ? "Loading…" : "Load more"}
          </button>
        )}
      </div>
      <ErrorNote error={more.error} onRetry={onMore} />
    </section>
  );
}
