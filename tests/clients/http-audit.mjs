// The GraphQL-over-HTTP conformance audit of the graphql-http package, against the service.
//
//   node http-audit.mjs <base-url> <token>
//
// Every audit's result is printed. An audit of a MUST that fails (`error`) fails the script;
// a SHOULD or MAY that does not hold (`warn`, `notice`) is printed and listed at the end. The
// README's "GraphQL over HTTP audit" section says why each one stays: a SHOULD it does not
// name by its id fails the script too.

import { serverAudits } from "graphql-http";

import { args, readmeSection } from "./lib.mjs";

const SCRIPT = "http-audit.mjs";
const { baseUrl, token } = args(SCRIPT);

// The audits send their own requests; each one carries the token, as any client's would.
function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = [];
for (const audit of serverAudits({ url: `${baseUrl}/graphql`, fetchFn })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    result = { id: audit.id, name: audit.name, status: "error", reason: `the audit itself failed: ${err?.message ?? err}` };
  }
  results.push(result);
  const mark = { ok: "ok   ", notice: "note ", warn: "WARN ", error: "FAIL " }[result.status] ?? result.status;
  let line = `${mark} ${result.id} ${result.name}`;
  if (result.status !== "ok") {
    line += `\n        ${result.reason}`;
    if (result.response) {
      const body = await result.response.text().catch(() => "");
      line += `\n        -> ${result.response.status} ${result.response.headers.get("content-type") ?? "(no content-type)"} ${body.slice(0, 300)}`;
    }
  }
  console.log(line);
}

const count = (status) => results.filter((r) => r.status === status).length;
console.log(
  `graphql-http ${results.length} audits: ${count("ok")} ok, ${count("notice")} notices, ${count("warn")} warnings, ${count("error")} errors`,
);
for (const r of results.filter((r) => r.status === "warn" || r.status === "notice")) {
  console.log(`  ${r.status} ${r.id}: ${r.name}`);
}
const mustFailures = results.filter((r) => r.status === "error");
const section = readmeSection("GraphQL over HTTP audit");
const unexplained = results.filter((r) => r.status === "warn" && !section.includes(`\`${r.id}\``));
if (mustFailures.length > 0) {
  console.log(`${SCRIPT}: ${mustFailures.length} MUST audit(s) failed: ${mustFailures.map((r) => r.id).join(", ")}`);
}
if (unexplained.length > 0) {
  console.log(
    `${SCRIPT}: SHOULD audit(s) failing that the README's "GraphQL over HTTP audit" section does not explain: ${unexplained.map((r) => r.id).join(", ")}`,
  );
}
if (mustFailures.length > 0 || unexplained.length > 0) process.exit(1);
console.log(`${SCRIPT}: every MUST audit passed${count("warn") ? "; each SHOULD that fails is explained in the README" : ""}`);
