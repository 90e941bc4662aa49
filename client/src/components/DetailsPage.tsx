import { useEffect, useState } from "react";
import { ApiError, getSequence, isAborted, type SequenceRecord } from "../api";
import { composition, toFasta } from "../dna";
import { Link } from "../router";
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

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en", { dateStyle: "medium", timeStyle: "short" });
}
