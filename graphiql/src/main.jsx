// GraphiQL for the Scheme Portfolio API, with a token bar above it.
//
// The service answers every GraphQL request, introspection included, with 401 unless it
// carries a bearer token. So GraphiQL is only mounted once a token is set: it never sends a
// request without one. Every request carries `Authorization: Bearer <token>` (a header typed
// under GraphiQL's Headers tab takes precedence). A 401 unmounts GraphiQL and the bar says
// why, in the server's words, instead of GraphiQL's "Error fetching schema".
//
// GraphiQL's own introspection query is sent as it is: the service measures introspection apart
// from the depth limit of ordinary queries.

import { StrictMode, useCallback, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import "./page.css";

const ENDPOINT = "/graphql";
const STORAGE_KEY = "portfolio-api:token";
const TOKEN_COMMAND = "cargo run -- token --role analyst";
const DEFAULT_QUERY = `# Ctrl-Enter runs the query. Docs (top left) lists every type and field.
{
  me {
    sub
    role
  }
}
`;

function readStoredToken() {
  try {
    return window.localStorage.getItem(STORAGE_KEY) ?? "";
  } catch {
    return "";
  }
}

function storeToken(token) {
  try {
    if (token) {
      window.localStorage.setItem(STORAGE_KEY, token);
    } else {
      window.localStorage.removeItem(STORAGE_KEY);
    }
  } catch {
    // Storage disabled: the token lasts until the page is closed.
  }
}

/** A pasted token, without whitespace or a leading "Bearer ". */
function cleanToken(text) {
  return text.trim().replace(/^bearer\s+/i, "").trim();
}

/** What the token says about itself (role, expiry), for the bar; never trusted for anything. */
function describeToken(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(window.atob(payload));
    const parts = [];
    if (typeof claims.role === "string") parts.push(`role ${claims.role}`);
    if (typeof claims.exp === "number") {
      parts.push(`expires ${new Date(claims.exp * 1000).toLocaleString()}`);
    }
    return parts.join(", ");
  } catch {
    return "";
  }
}

/** Why the server refused the token: `extensions.reason`, else the `WWW-Authenticate` text. */
async function refusalReason(response) {
  try {
    const body = await response.json();
    const reason = body?.errors?.[0]?.extensions?.reason;
    if (typeof reason === "string" && reason) return reason;
  } catch {
    // Not JSON: fall back to the header.
  }
  const challenge = response.headers.get("WWW-Authenticate") ?? "";
  const described = /error_description="([^"]*)"/.exec(challenge);
  return described ? described[1] : "the service refused the token";
}

function hasAuthorization(headers) {
  return Object.keys(headers ?? {}).some((name) => name.toLowerCase() === "authorization");
}

function makeFetcher(token, onRefused) {
  return async (params, options) => {
    const typed = options?.headers ?? {};
    const headers = {
      Accept: "application/json",
      "Content-Type": "application/json",
      ...(hasAuthorization(typed) ? {} : { Authorization: `Bearer ${token}` }),
      ...typed,
    };
    const response = await fetch(ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify(params),
      credentials: "omit",
    });
    if (response.status === 401) {
      const reason = await refusalReason(response);
      onRefused(hasAuthorization(typed) ? `${reason} (the token under Headers)` : reason);
      // GraphiQL is unmounted now; never settle, so it shows no error of its own.
      return new Promise(() => {});
    }
    return response.json();
  };
}

function TokenBar({ token, problem, onUse, onClear }) {
  const input = useRef(null);
  const [draft, setDraft] = useState(token);
  useEffect(() => setDraft(token), [token]);

  const submit = (event) => {
    event.preventDefault();
    onUse(cleanToken(draft));
  };
  const described = token ? describeToken(token) : "";

  return (
    <form className="token-bar" onSubmit={submit} aria-label="Access token">
      <strong className="token-bar-title">Scheme Portfolio API</strong>
      <label htmlFor="token">Token</label>
      <input
        id="token"
        ref={input}
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder="paste a bearer token (JWT)"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
      />
      <button type="submit">Use token</button>
      <button
        type="button"
        onClick={() => {
          setDraft("");
          onClear();
          input.current?.focus();
        }}
      >
        Clear
      </button>
      <span
        id="token-status"
        className={problem ? "token-status token-problem" : "token-status"}
        role="status"
        aria-live="polite"
      >
        {problem ? (
          <>
            Token missing or expired: {problem}. Get one with <code>{TOKEN_COMMAND}</code>.
          </>
        ) : (
          `Token in use${described ? ` (${described})` : ""}.`
        )}
      </span>
    </form>
  );
}

function App() {
  const [token, setToken] = useState(readStoredToken);
  const [refused, setRefused] = useState(null);
  // A new token remounts GraphiQL, so it introspects again with that token.
  const [generation, setGeneration] = useState(0);

  const use = useCallback((next) => {
    storeToken(next);
    setToken(next);
    setRefused(null);
    setGeneration((g) => g + 1);
  }, []);

  const fetcher = useCallback(
    (params, options) => makeFetcher(token, setRefused)(params, options),
    [token],
  );

  const problem = !token ? "no token is set" : refused;

  return (
    <div className="page">
      <TokenBar token={token} problem={problem} onUse={use} onClear={() => use("")} />
      <main className="graphiql-area">
        {problem ? (
          <p className="graphiql-waiting">
            GraphiQL opens here once a valid token is set above. The schema, its docs and
            autocompletion are loaded with that token.
          </p>
        ) : (
          <GraphiQL key={generation} fetcher={fetcher} defaultQuery={DEFAULT_QUERY}>
            {/* The stock logo links to a site elsewhere; this page links nowhere. */}
            <GraphiQL.Logo>GraphiQL</GraphiQL.Logo>
          </GraphiQL>
        )}
      </main>
    </div>
  );
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
