import { useRef, useState, type FormEvent } from "react";
import { ApiError, addSequence, isAborted, type SequenceRecord } from "../api";
import { checkSequence } from "../dna";
import { Link } from "../router";
import { ErrorNote, FieldError } from "./ErrorNote";

type Outcome =
  | { status: "idle" }
  | { status: "saving" }
  | { status: "added"; record: SequenceRecord }
  | { status: "duplicate"; id: number | null; message: string }
  | { status: "error"; error: ApiError };

export function AddPage() {
  const [text, setText] = useState("");
  const [touched, setTouched] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ status: "idle" });
  const ctl = useRef<AbortController | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  const check = checkSequence(text);
  // Validate as the person types, but do not scold an empty box before they try.
  const problem = !check.ok && (touched || check.problem.kind !== "empty") ? check.problem.message : null;

  function submit(e?: FormEvent): void {
    e?.preventDefault();
    setTouched(true);
    if (!check.ok) {
      input.current?.focus();
      return;
    }
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setOutcome({ status: "saving" });
    addSequence(check.sequence, { signal: c.signal }).then(
      (record) => setOutcome({ status: "added", record }),
      (err: unknown) => {
        if (isAborted(err)) return;
        const e2 = err as ApiError;
        if (e2.code === "duplicate") setOutcome({ status: "duplicate", id: e2.num("id"), message: e2.message });
        else setOutcome({ status: "error", error: e2 });
      },
    );
  }

  const serverErr = outcome.status === "error" ? outcome.error : null;

  return (
    <section className="page">
      <h1 className="page-title">Add a sequence</h1>
      <p className="lede">Paste bases or a FASTA record. A sequence is stored once, upper-case.</p>
      <form className="panel" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="sequence">Sequence</label>
          <textarea
            id="sequence"
            ref={input}
            className="seq-input"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              if (outcome.status !== "saving") setOutcome({ status: "idle" });
            }}
            rows={6}
            spellCheck={false}
            autoCapitalize="characters"
            autoComplete="off"
            placeholder={">optional header\nACGTACGTTTGA"}
            aria-invalid={problem || serverErr ? true : undefined}
            aria-describedby="sequence-count sequence-error sequence-server-error"
          />
          <p className="hint" id="sequence-count">
            {check.sequence.length.toLocaleString("en")} {check.sequence.length === 1 ? "base" : "bases"}
            {check.ok ? " · valid" : ""}
          </p>
          <FieldError id="sequence-error" message={problem} />
          <ErrorNote id="sequence-server-error" error={serverErr} onRetry={() => submit()} />
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={outcome.status === "saving"}>
            Add
          </button>
          <span className="status" aria-live="polite">
            {outcome.status === "saving" ? "Adding…" : ""}
          </span>
        </div>
        <div aria-live="polite">
          {outcome.status === "added" && (
            <p className="note note-ok">
              Stored as <Link to={`/sequences/${outcome.record.id}`}>#{outcome.record.id}</Link> (
              {outcome.record.length.toLocaleString("en")} bases).
            </p>
          )}
          {outcome.status === "duplicate" && (
            <p className="note note-info">
              {outcome.id !== null ? (
                <>
                  This sequence is already stored as <Link to={`/sequences/${outcome.id}`}>#{outcome.id}</Link>.
                </>
              ) : (
                outcome.message
              )}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}
