import { ApiError } from "../api";

/**
 * The one way an API error is shown: the server's message, the request id
 * to quote when reporting it, and for a lost connection a Retry button.
 * `id` lets the control it concerns point at it with aria-describedby.
 */
export function ErrorNote({ error, onRetry, id }: { error: ApiError | null; onRetry?: () => void; id?: string }) {
  if (!error || error.kind === "aborted") return null;
  const offline = error.kind === "offline";
  return (
    <div className={offline ? "note note-warn" : "note note-error"} role="alert" id={id}>
      <p className="note-msg">{error.message}</p>
      {error.requestId && <p className="note-meta">Request id {error.requestId}</p>}
      {onRetry && (offline || error.status >= 500) && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** A client-side problem (validation) shown next to its control, same look as server errors. */
export function FieldError({ id, message }: { id: string; message: string | null }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  );
}
