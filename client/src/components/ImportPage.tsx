import { useRef, useState, type DragEvent, type FormEvent } from "react";
import { ApiError, importFile, isAborted, type ImportResult } from "../api";
import { ErrorNote } from "./ErrorNote";

type Outcome =
  | { status: "idle" }
  | { status: "uploading"; sent: number; total: number }
  | { status: "done"; result: ImportResult; name: string }
  | { status: "error"; error: ApiError };

/** The reasons of a 400 invalid_record (docs/api.md), in words. */
const REASONS: Record<string, string> = {
  invalid_base: "a character that is not A, C, G or T",
  empty_record: "a record without bases",
  sequence_too_long: "a sequence longer than the server allows",
  line_too_long: "a line longer than the server allows",
  fastq_header: "a FASTQ record that does not start with an @ header",
  fastq_plus_line: "a FASTQ record without its + line",
  fastq_quality: "FASTQ quality that is not as long as the sequence",
  truncated_record: "a record cut short at the end of the file",
  empty_file: "an empty file",
};

const FORMATS: Record<string, string> = { fasta: "FASTA", fastq: "FASTQ", plain: "plain text" };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [missing, setMissing] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ status: "idle" });
  const ctl = useRef<AbortController | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const busy = outcome.status === "uploading";

  function choose(f: File | null): void {
    if (busy) return;
    setFile(f);
    setMissing(false);
    setOutcome({ status: "idle" });
  }

  function submit(e?: FormEvent): void {
    e?.preventDefault();
    if (!file) {
      setMissing(true);
      input.current?.focus();
      return;
    }
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setOutcome({ status: "uploading", sent: 0, total: file.size });
    const name = file.name;
    importFile(file, {
      signal: c.signal,
      onProgress: (sent, total) =>
        setOutcome((o) => (o.status === "uploading" ? { status: "uploading", sent, total } : o)),
    }).then(
      (result) => setOutcome({ status: "done", result, name }),
      (err: unknown) => {
        if (isAborted(err)) setOutcome({ status: "idle" });
        else setOutcome({ status: "error", error: err as ApiError });
      },
    );
  }

  function onDrop(e: DragEvent<HTMLElement>): void {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) choose(f);
  }

  const err = outcome.status === "error" ? outcome.error : null;
  const recordErr = err && err.code === "invalid_record" ? err : null;

  return (
    <section className="page">
      <h1 className="page-title">Import a file</h1>
      <p className="lede">
        Add many sequences at once from a FASTA, FASTQ or plain-text file (one sequence per line). All or nothing: at
        the first bad record nothing is stored. Sequences already stored are skipped and counted.
      </p>
      <form className="panel" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="import-file">File</label>
          <div
            className={dragging ? "drop is-dragging" : "drop"}
            onDragOver={(e) => {
              e.preventDefault();
              if (!busy) setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
          >
            <input
              id="import-file"
              ref={input}
              type="file"
              className="file-input"
              accept=".fa,.fasta,.fna,.ffn,.fq,.fastq,.txt,.seq,text/plain"
              disabled={busy}
              onChange={(e) => choose(e.target.files?.[0] ?? null)}
              aria-invalid={missing || recordErr ? true : undefined}
              aria-describedby="import-hint import-missing import-error"
            />
            <p className="drop-text" aria-hidden="true">
              {file ? (
                <>
                  Selected: <span className="drop-name">{file.name}</span> · {formatBytes(file.size)}
                </>
              ) : (
                "…or drop a file here"
              )}
            </p>
          </div>
          <p className="hint" id="import-hint">
            FASTA (starts with &gt;), FASTQ (starts with @) or one sequence per line; upper or lower case.
          </p>
          {missing && (
            <p className="field-error" id="import-missing" role="alert">
              Choose a file to import first.
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Import
          </button>
          {busy && (
            <button type="button" className="btn" onClick={() => ctl.current?.abort()}>
              Cancel
            </button>
          )}
        </div>

        {outcome.status === "uploading" && (
          <div className="upload">
            <label htmlFor="import-progress" className="upload-label">
              {outcome.sent < outcome.total ? "Uploading" : "Storing on the server"}
            </label>
            <progress
              id="import-progress"
              className="upload-bar"
              max={Math.max(outcome.total, 1)}
              value={outcome.sent}
            />
            <p className="hint upload-bytes" aria-live="polite">
              {formatBytes(outcome.sent)} of {formatBytes(outcome.total)} sent
              {outcome.total > 0 ? ` (${Math.floor((outcome.sent / outcome.total) * 100)} %)` : ""}
            </p>
          </div>
        )}

        <div aria-live="polite">
          {outcome.status === "done" && (
            <div className="note note-ok import-result">
              <p className="note-msg">
                Imported {outcome.name} ({FORMATS[outcome.result.format] ?? outcome.result.format}).
              </p>
              <dl className="counts">
                <div>
                  <dt>Inserted</dt>
                  <dd data-count="inserted">{outcome.result.inserted.toLocaleString("en")}</dd>
                </div>
                <div>
                  <dt>Duplicates</dt>
                  <dd data-count="duplicates">{outcome.result.duplicates.toLocaleString("en")}</dd>
                </div>
                <div>
                  <dt>Records</dt>
                  <dd data-count="records">{outcome.result.records.toLocaleString("en")}</dd>
                </div>
                <div>
                  <dt>Bases</dt>
                  <dd data-count="bases">{outcome.result.bases.toLocaleString("en")}</dd>
                </div>
              </dl>
            </div>
          )}
        </div>
        {recordErr ? (
          <div className="note note-error" role="alert" id="import-error">
            <p className="note-msg">
              Nothing was stored: line {recordErr.num("line") ?? "?"}
              {recordErr.num("column") !== null ? `, column ${recordErr.num("column")}` : ""} has{" "}
              {REASONS[String(recordErr.details["reason"])] ?? String(recordErr.details["reason"] ?? "a bad record")}.
            </p>
            <p>{recordErr.message}</p>
            {recordErr.requestId && <p className="note-meta">Request id {recordErr.requestId}</p>}
          </div>
        ) : (
          <ErrorNote id="import-error" error={err} onRetry={() => submit()} />
        )}
      </form>
    </section>
  );
}
