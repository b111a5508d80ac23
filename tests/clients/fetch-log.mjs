// Importing this module wraps the global `fetch` so a check can see every request a client
// library made and what the service answered, without changing the client's own code.

const log = [];
const realFetch = globalThis.fetch;

globalThis.fetch = async (input, init = {}) => {
  const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
  const method = (init.method ?? "GET").toUpperCase();
  let payload;
  if (method === "GET") {
    const param = (name) => {
      const value = url.searchParams.get(name);
      return value === null ? undefined : value;
    };
    const json = (name) => (param(name) === undefined ? undefined : JSON.parse(param(name)));
    payload = {
      query: param("query"),
      operationName: param("operationName"),
      variables: json("variables"),
      extensions: json("extensions"),
    };
  } else {
    payload = typeof init.body === "string" ? JSON.parse(init.body) : {};
  }
  const response = await realFetch(input, init);
  const text = await response.clone().text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  log.push({
    method,
    url: url.toString(),
    payload,
    hashOnly: !payload.query && Boolean(payload.extensions?.persistedQuery?.sha256Hash),
    status: response.status,
    contentType: response.headers.get("content-type"),
    body,
  });
  return response;
};

/** The requests made since the last call, oldest first. */
export function takeRequests() {
  return log.splice(0, log.length);
}

/** One line per request: method, what it carried, what came back. */
export function describeRequests(requests) {
  return requests
    .map((r) => {
      const sent = r.hashOnly ? "hash only" : r.payload.query ? "query" : "neither query nor hash";
      const codes = Array.isArray(r.body?.errors) ? r.body.errors.map((e) => e.extensions?.code ?? e.message) : [];
      const answer = codes.length ? `errors ${codes.join(",")}` : r.body?.data ? "data" : JSON.stringify(r.body).slice(0, 200);
      return `${r.method} (${sent}) -> ${r.status} ${answer}`;
    })
    .join("; ");
}
