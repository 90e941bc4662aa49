import { useRef, useState, type FormEvent } from "react";
import { ApiError, getAuth, isAborted, type AuthInfo } from "../api";
import { useAuth, type AuthState } from "../auth";
import { checkToken, clearToken, getToken, setToken } from "../token";
import { ErrorNote, FieldError } from "./ErrorNote";

type Outcome =
  | { status: "idle" }
  | { status: "checking" }
  | { status: "saved"; name: string; scope: string }
  | { status: "anonymous" }
  | { status: "rejected" }
  | { status: "error"; error: ApiError }
  | { status: "cleared" };

/**
 * Paste, verify and clear the token this browser sends. A pasted token is
 * checked against the format first (nothing is sent while it is
 * malformed), then verified with GET /api/auth, and stored only if the
 * server knows it.
 */
export function TokenPage() {
  const auth = useAuth();
  const [text, setText] = useState("");
  const [touched, setTouched] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ status: "idle" });
  const ctl = useRef<AbortController | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const check = checkToken(text);
  const problem = !check.ok && (touched || text.trim() !== "") ? check.message : null;
  const stored = getToken() !== null;

  function save(e?: FormEvent): void {
    e?.preventDefault();
    setTouched(true);
    if (!check.ok) {
      input.current?.focus();
      return;
    }
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    const candidate = check.token;
    setOutcome({ status: "checking" });
    getAuth({ token: candidate, signal: c.signal }).then(
      (info: AuthInfo) => {
        if (!info.token) {
          // A proxy that drops Authorization would answer like this.
          setOutcome({ status: "anonymous" });
          return;
        }
        setToken(candidate);
        setText("");
        setTouched(false);
        setOutcome({ status: "saved", name: info.token.name, scope: info.token.scope });
      },
      (err: unknown) => {
        if (isAborted(err)) return;
        const e2 = err as ApiError;
        if (e2.code === "invalid_token") {
          setOutcome({ status: "rejected" });
          input.current?.focus();
        } else setOutcome({ status: "error", error: e2 });
      },
    );
  }

  function clear(): void {
    ctl.current?.abort();
    clearToken();
    setOutcome({ status: "cleared" });
  }

  const rejected = outcome.status === "rejected";

  return (
    <section className="page">
      <h1 className="page-title">Token</h1>
      <p className="lede">
        A token lets this browser search and read (read scope) or also add, import and delete (write scope). It is kept
        in this browser&apos;s local storage and sent only to this server, in the Authorization header.
      </p>

      <div className="panel token-status" aria-live="polite">
        <h2 className="h-small">Now</h2>
        <CurrentState auth={auth} />
        <PublicRead auth={auth} />
      </div>

      <form className="panel" onSubmit={save} noValidate>
        <div className="field">
          <label htmlFor="token">Paste a token</label>
          <input
            id="token"
            ref={input}
            type="text"
            className="token-input"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              if (outcome.status !== "checking") setOutcome({ status: "idle" });
            }}
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            autoComplete="off"
            placeholder="dnadb_0123456789abcdef_…"
            aria-invalid={problem || rejected ? true : undefined}
            aria-describedby="token-hint token-error token-rejected token-server-error"
          />
          <p className="hint" id="token-hint">
            From <code>deploy/stack up</code> or <code>dnadb token create</code>: dnadb_, 16 hex digits, _, 43
            characters.
          </p>
          <FieldError id="token-error" message={problem} />
          {rejected && (
            <p className="field-error" id="token-rejected" role="alert">
              This token was not accepted: it is unknown or revoked. Nothing was stored.
            </p>
          )}
          <ErrorNote id="token-server-error" error={outcome.status === "error" ? outcome.error : null} onRetry={() => save()} />
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={outcome.status === "checking"}>
            Save
          </button>
          {stored && (
            <button type="button" className="btn" onClick={clear}>
              Clear token
            </button>
          )}
          <span className="status" aria-live="polite">
            {outcome.status === "checking" ? "Checking…" : ""}
          </span>
        </div>
        <div aria-live="polite">
          {outcome.status === "saved" && (
            <p className="note note-ok">
              Signed in with token <strong>{outcome.name}</strong> ({outcome.scope} scope).
            </p>
          )}
          {outcome.status === "anonymous" && (
            <p className="note note-warn">
              The server answered as if no token had been sent, so it was not stored. Is a proxy dropping the
              Authorization header?
            </p>
          )}
          {outcome.status === "cleared" && <p className="note note-info">Token cleared: this browser sends none now.</p>}
        </div>
      </form>
    </section>
  );
}

function CurrentState({ auth }: { auth: AuthState }) {
  switch (auth.status) {
    case "checking":
      return <p className="token-now">Checking with the server…</p>;
    case "ok":
      return auth.name && auth.scope ? (
        <p className="token-now" data-scope={auth.scope}>
          Signed in with token <strong>{auth.name}</strong> ({auth.scope} scope).
        </p>
      ) : (
        <p className="token-now" data-scope="none">
          No token set: this browser sends none.
        </p>
      );
    case "rejected":
      return (
        <p className="token-now token-bad" data-scope="rejected">
          The stored token was not accepted: it is unknown or revoked. Paste another or clear it.
        </p>
      );
    case "unknown":
      return (
        <p className="token-now">
          {auth.token ? "A token is stored, but" : "No token is stored, and"} the server could not be asked:{" "}
          {auth.error.message}
        </p>
      );
  }
}

function PublicRead({ auth }: { auth: AuthState }) {
  const pr = auth.status === "ok" || auth.status === "rejected" ? auth.publicRead : null;
  if (pr === null) return null;
  return (
    <p className="token-public" data-public-read={String(pr)}>
      {pr
        ? "Anonymous search: allowed. Searching and reading need no token here; adding, importing and deleting need a write token."
        : "Anonymous search: not allowed. Searching and reading need a read or write token; adding, importing and deleting need a write token."}
    </p>
  );
}
