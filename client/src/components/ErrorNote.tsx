import { ApiError } from "../api";
import { Link } from "../router";

/** For the access errors: the link to the Token page that follows the message. */
const TOKEN_LINK: Record<string, string> = {
  auth_required: "Set a token",
  insufficient_scope: "Change the token",
  invalid_token: "Replace or clear the token",
};

/**
 * The one way an API error is shown: the message, the request id to quote
 * when reporting it, for an access error a link to the Token page, and
 * for a lost connection, a 5xx or a 429 a Retry button. `id` lets the
 * control it concerns point at it with aria-describedby.
 */
export function ErrorNote({ error, onRetry, id }: { error: ApiError | null; onRetry?: () => void; id?: string }) {
  if (!error || error.kind === "aborted") return null;
  const offline = error.kind === "offline";
  const warn = offline || error.status === 429;
  const tokenLink = error.kind === "http" ? TOKEN_LINK[error.code] : undefined;
  return (
    <div className={warn ? "note note-warn" : "note note-error"} role="alert" id={id} data-code={error.code}>
      <p className="note-msg">
        {error.message}
        {tokenLink && (
          <>
            {" "}
            <Link to="/token">{tokenLink}</Link>
          </>
        )}
      </p>
      {error.requestId && <p className="note-meta">Request id {error.requestId}</p>}
      {onRetry && (warn || error.status >= 500) && (
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
