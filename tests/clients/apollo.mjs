// Apollo Client 4 with Automatic Persisted Queries, against the service.
//
//   node apollo.mjs <base-url> <token>
//
// The part between the README markers is the README's "Apollo Client" snippet, word for word
// (the first step checks they agree). Around it, every request the client makes is recorded
// (fetch-log.mjs) to check the persisted-query protocol on the wire: a query the service has
// not seen goes as its hash, is answered PERSISTED_QUERY_NOT_FOUND, and is sent once in full;
// from then on its hash alone is enough, over POST and, with useGETForHashedQueries, over GET.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describeRequests, takeRequests } from "./fetch-log.mjs";
import { args, assert, claims, finish, markedRegion, readmeBlocks, sameCode, show, step } from "./lib.mjs";

const SCRIPT = "apollo.mjs";
args(SCRIPT);
process.on("uncaughtExceptionMonitor", (err) => {
  console.log(`FAIL  the README's Apollo Client snippet: ${err?.message ?? err}`);
  console.log(`      requests: ${describeRequests(takeRequests())}`);
});

await step("the README's Apollo Client snippet is this script's code", () => {
  const source = readFileSync(fileURLToPath(import.meta.url), "utf8");
  const snippets = readmeBlocks("js", "Apollo Client");
  assert(snippets.length === 1, `the README's "Apollo Client" section has ${snippets.length} js blocks, not 1`);
  assert(sameCode(snippets[0], markedRegion(source)), "the README's snippet and this script's marked code differ");
});

// README: begin
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { sha256 } from "crypto-hash";

const [baseUrl, token] = process.argv.slice(2); // http://127.0.0.1:8080 "$TOKEN"

const client = new ApolloClient({
  // Queries go as their SHA-256 hash; the first time, the service asks for the whole
  // query once. Add `useGETForHashedQueries: true` to send hashed queries with GET.
  link: new PersistedQueryLink({ sha256 }).concat(
    new HttpLink({ uri: `${baseUrl}/graphql`, headers: { Authorization: `Bearer ${token}` } }),
  ),
  cache: new InMemoryCache(),
});

const { data } = await client.query({ query: gql`query Me { me { sub role } }` });
console.log(data.me);
// README: end

const expected = claims(token);
const hashOf = (request) => request.payload.extensions?.persistedQuery?.sha256Hash;
const notFound = (request) =>
  Array.isArray(request.body?.errors) &&
  request.body.errors.some((e) => e.extensions?.code === "PERSISTED_QUERY_NOT_FOUND" || e.message === "PersistedQueryNotFound");

await step("the snippet's query answers who the token is", () => {
  const requests = takeRequests();
  assert(data.me.sub === expected.sub, `me.sub is ${data.me.sub}, the token's sub is ${expected.sub}`);
  assert(data.me.role === String(expected.role).toUpperCase(), `me.role is ${data.me.role}, the token's role is ${expected.role}`);
  // Run against a service that has seen this query before, its hash alone is enough.
  const first = requests[0];
  assert(first?.hashOnly, `the first request did not send the hash alone: ${describeRequests(requests)}`);
  const known = requests.length === 1 && first.body?.data;
  const registered = requests.length === 2 && notFound(first) && !requests[1].hashOnly && requests[1].body?.data;
  assert(known || registered, `not the persisted-query exchange: ${describeRequests(requests)}`);
  return `${JSON.stringify(data.me)}; ${describeRequests(requests)}`;
});

/**
 * A query this service cannot have seen (a fresh alias), run twice over `link`'s client:
 * the first round trip registers it, the second sends its hash alone.
 */
async function twoRoundTrips(label, method, options) {
  const apollo = new ApolloClient({
    link: new PersistedQueryLink({ sha256, ...options }).concat(
      new HttpLink({ uri: `${baseUrl}/graphql`, headers: { Authorization: `Bearer ${token}` } }),
    ),
    cache: new InMemoryCache(),
  });
  const nonce = randomBytes(6).toString("hex");
  const query = gql`query Me { me { sub role } run_${nonce}: __typename }`;

  await step(`${label}: first round trip: ${method} hash only, PERSISTED_QUERY_NOT_FOUND, then POST with the query`, async () => {
    takeRequests();
    const result = await apollo.query({ query, fetchPolicy: "network-only" });
    const requests = takeRequests();
    assert(result.data?.me?.sub === expected.sub, `data: ${show(result)}`);
    assert(requests.length === 2, `${requests.length} requests: ${describeRequests(requests)}`);
    const [hashed, full] = requests;
    assert(hashed.method === method && hashed.hashOnly, `first request: ${describeRequests([hashed])}`);
    assert(notFound(hashed), `the unknown hash was not answered PERSISTED_QUERY_NOT_FOUND: ${show(hashed.body)}`);
    assert(full.method === "POST" && full.payload.query, `second request: ${describeRequests([full])}`);
    assert(hashOf(full) === hashOf(hashed), "the full query was sent with another hash");
    const digest = createHash("sha256").update(full.payload.query).digest("hex");
    assert(digest === hashOf(full), "the hash is not the SHA-256 of the query sent");
    assert(full.body?.data && !full.body.errors, `the full query was answered ${show(full.body)}`);
    return describeRequests(requests);
  });

  await step(`${label}: second round trip: ${method} with the hash alone`, async () => {
    const result = await apollo.query({ query, fetchPolicy: "network-only" });
    const requests = takeRequests();
    assert(result.data?.me?.role === String(expected.role).toUpperCase(), `data: ${show(result)}`);
    assert(requests.length === 1, `${requests.length} requests: ${describeRequests(requests)}`);
    const [hashed] = requests;
    assert(hashed.method === method && hashed.hashOnly, `the request: ${describeRequests(requests)}`);
    assert(hashed.body?.data && !hashed.body.errors, `answered ${show(hashed.body)}`);
    if (method === "GET") assert(!new URL(hashed.url).searchParams.has("query"), "the GET carried the query");
    return describeRequests(requests);
  });
}

await twoRoundTrips("POST", "POST", {});
await twoRoundTrips("useGETForHashedQueries", "GET", { useGETForHashedQueries: true });

finish(SCRIPT);
