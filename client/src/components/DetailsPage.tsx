import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { ApiError, deleteSequence, getSequence, isAborted, type SequenceRecord } from "../api";
import { composition, toFasta } from "../dna";
import { showFlash } from "../notices";
import { Link, canGoBack, navigate } from "../router";
import { ErrorNote } from "./ErrorNote";
import { SequenceBlock } from "./SequenceBlock";

/** Bases drawn at first; a longer sequence shows the rest on request. */
const FIRST_VIEW = 12_000;

type State =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "done"; record: SequenceRecord };

export function DetailsPage({ id }: { id: string }) {
  const [state, setState] = useState<State>({ status: "loading" });
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    setState({ status: "loading" });
    getSequence(id, { signal: ctl.signal }).then(
      (record) => setState({ status: "done", record }),
      (e: unknown) => {
        if (!isAborted(e)) setState({ status: "error", error: e as ApiError });
      },
    );
    return () => ctl.abort();
  }, [id, nonce]);

  if (state.status === "loading") {
    return (
      <section className="page">
        <h1 className="page-title">Sequence #{id}</h1>
        <p className="status" aria-live="polite">Loading…</p>
      </section>
    );
  }
  if (state.status === "error") {
    return (
      <section className="page">
        <h1 className="page-title">Sequence #{id}</h1>
        <ErrorNote error={state.error} onRetry={() => setNonce((n) => n + 1)} />
        <p>
          <Link to="/">Back to search</Link>
        </p>
      </section>
    );
  }
  return <Details record={state.record} />;
}

function Details({ record }: { record: SequenceRecord }) {
  const [all, setAll] = useState(false);
  const [copied, setCopied] = useState<string>("");
  const comp = composition(record.sequence);
  const shown = all ? record.sequence : record.sequence.slice(0, FIRST_VIEW);

  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(record.sequence);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("The browser did not allow copying; select the sequence instead.");
    }
  }

  function download(): void {
    const blob = new Blob([toFasta(`dnadb:${record.id} length=${record.length}`, record.sequence)], {
      type: "text/x-fasta",
    });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `dnadb-${record.id}.fasta`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  const bases = ["A", "C", "G", "T"] as const;
  return (
    <section className="page">
      <p className="crumbs">
        <Link to="/">Search</Link> <span aria-hidden="true">/</span> Sequence
      </p>
      <h1 className="page-title">Sequence #{record.id}</h1>
      <div className="details-grid">
        <div className="panel facts">
          <dl>
            <div>
              <dt>Length</dt>
              <dd>{record.length.toLocaleString("en")} bases</dd>
            </div>
            <div>
              <dt>GC content</dt>
              <dd>{(comp.gc * 100).toFixed(1)} %</dd>
            </div>
            <div>
              <dt>Added</dt>
              <dd>
                <time dateTime={record.created_at}>{formatDate(record.created_at)}</time>
              </dd>
            </div>
          </dl>
          <div className="actions">
            <button type="button" className="btn" onClick={() => void copy()}>
              Copy sequence
            </button>
            <button type="button" className="btn" onClick={download}>
              Download FASTA
            </button>
            <span className="status" aria-live="polite">{copied}</span>
          </div>
          <DeleteControl id={record.id} />
        </div>
        <div className="panel">
          <h2 className="h-small">Base composition</h2>
          <ul className="bars">
            {bases.map((b) => {
              const pct = comp.length ? (comp[b] / comp.length) * 100 : 0;
              return (
                <li key={b} className="bar-row">
                  <span className={`bar-label base-${b}`}>{b}</span>
                  <progress className={`bar base-${b}`} max={100} value={pct} aria-label={`${b}: ${pct.toFixed(1)} %`} />
                  <span className="bar-val">
                    {comp[b].toLocaleString("en")} · {pct.toFixed(1)} %
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      </div>
      <div className="panel">
        <h2 className="h-small">Sequence</h2>
        <SequenceBlock sequence={shown} label={`Sequence #${record.id} with positions`} />
        {!all && record.length > FIRST_VIEW && (
          <p>
            Showing the first {FIRST_VIEW.toLocaleString("en")} of {record.length.toLocaleString("en")} bases.{" "}
            <button type="button" className="btn btn-small" onClick={() => setAll(true)}>
              Show all
            </button>
          </p>
        )}
      </div>
    </section>
  );
}

type DeleteState = { status: "idle" } | { status: "confirm" } | { status: "deleting" } | { status: "error"; error: ApiError };

/**
 * Delete with a confirm step. On success (204), or when the sequence was
 * already gone (404), goes back to where the person came from (the search
 * they opened it from) with a notice; the search there runs again.
 */
function DeleteControl({ id }: { id: number }) {
  const [state, setState] = useState<DeleteState>({ status: "idle" });
  const ctl = useRef<AbortController | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);

  useEffect(() => () => ctl.current?.abort(), []);
  useEffect(() => {
    if (state.status === "confirm") cancelRef.current?.focus();
  }, [state.status]);

  function leave(text: string): void {
    showFlash({ text, tone: "ok", notOn: window.location.pathname });
    if (canGoBack()) window.history.back();
    else navigate("/", { replace: true });
  }

  function confirm(): void {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setState({ status: "deleting" });
    deleteSequence(id, { signal: c.signal }).then(
      () => leave(`Sequence #${id} deleted.`),
      (e: unknown) => {
        if (isAborted(e)) return;
        const err = e as ApiError;
        if (err.code === "not_found") leave(`Sequence #${id} was already gone.`);
        else setState({ status: "error", error: err });
      },
    );
  }

  function cancel(): void {
    setState({ status: "idle" });
    // Back to the button that opened the question (after it re-renders).
    setTimeout(() => deleteRef.current?.focus(), 0);
  }

  function onKey(e: KeyboardEvent<HTMLDivElement>): void {
    if (e.key === "Escape" && state.status === "confirm") cancel();
  }

  const asking = state.status === "confirm" || state.status === "deleting";
  return (
    <div className="delete-box">
      {asking ? (
        <div className="confirm" role="group" aria-labelledby="delete-question" onKeyDown={onKey}>
          <p id="delete-question" className="confirm-q">
            Delete sequence #{id}? This cannot be undone.
          </p>
          <div className="actions">
            <button type="button" className="btn btn-danger" onClick={confirm} disabled={state.status === "deleting"}>
              Delete #{id}
            </button>
            <button type="button" className="btn" ref={cancelRef} onClick={cancel} disabled={state.status === "deleting"}>
              Cancel
            </button>
            <span className="status" aria-live="polite">
              {state.status === "deleting" ? "Deleting…" : ""}
            </span>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="btn btn-danger"
            ref={deleteRef}
            onClick={() => setState({ status: "confirm" })}
            aria-describedby="delete-error"
          >
            Delete…
          </button>
        </div>
      )}
      <ErrorNote id="delete-error" error={state.status === "error" ? state.error : null} onRetry={confirm} />
    </div>
  );
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en", { dateStyle: "medium", timeStyle: "short" });
}
