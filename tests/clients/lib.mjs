// What every client check shares: its arguments, step lines, failing, and posting GraphQL the
// way a plain client does.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** `node <script> <base-url> <token>`: the service's base URL (no `/graphql`) and a bearer token. */
export function args(script) {
  const [baseUrl, token] = process.argv.slice(2);
  if (!baseUrl || !token) {
    console.error(`usage: node ${script} <base-url> <token>   (e.g. http://127.0.0.1:8080 "$TOKEN")`);
    process.exit(2);
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ""), token };
}

/** The claims of a JWT, unverified: what the script expects `me` to say. */
export function claims(token) {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

let failures = 0;

/** Runs one named step; a step that throws is a failure, and the script goes on to the next. */
export async function step(name, fn) {
  try {
    const detail = await fn();
    console.log(`ok    ${name}${detail ? `: ${detail}` : ""}`);
    return true;
  } catch (err) {
    failures += 1;
    console.log(`FAIL  ${name}: ${err?.message ?? err}`);
    // A check that did not hold says why; anything else is a bug to find.
    if (!(err instanceof CheckFailed) && err?.stack) console.log(err.stack);
    return false;
  }
}

/** Ends the script: exit 1 if any step failed. */
export function finish(script) {
  if (failures > 0) {
    console.log(`${script}: ${failures} step(s) failed`);
    process.exit(1);
  }
  console.log(`${script}: all steps passed`);
}

/** A check that did not hold. */
export class CheckFailed extends Error {}

export function assert(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** A response shortened for a failure message. */
export function show(value, max = 600) {
  const text = typeof value === "string" ? value : String(JSON.stringify(value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** POSTs a GraphQL request as JSON and returns `{ status, contentType, body }`. */
export async function post(url, token, payload, headers = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify(payload),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, contentType: response.headers.get("content-type"), body };
}

/** The repository's README. */
export function readme() {
  return readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
}

/**
 * The README's section under the heading `title`, up to the next heading of the same or a
 * higher level (headings, not the `#` comments inside code blocks).
 */
export function readmeSection(title) {
  const lines = readme().split("\n");
  const headings = [];
  let fenced = false;
  lines.forEach((line, i) => {
    if (line.startsWith("```")) fenced = !fenced;
    else if (!fenced && /^#+ /.test(line)) headings.push({ i, level: line.match(/^#+/)[0].length, title: line.replace(/^#+ /, "").trim() });
  });
  const heading = headings.find((h) => h.title === title);
  if (!heading) throw new Error(`the README has no section "${title}"`);
  const end = headings.find((h) => h.i > heading.i && h.level <= heading.level)?.i ?? lines.length;
  return lines.slice(heading.i, end).join("\n");
}

/** The fenced code blocks of `lang` in the README, or in its section `section`. */
export function readmeBlocks(lang, section) {
  const text = section ? readmeSection(section) : readme();
  const blocks = [];
  const fence = new RegExp("^```" + lang + "\\s*\\n([\\s\\S]*?)^```", "gm");
  for (const match of text.matchAll(fence)) blocks.push(match[1]);
  return blocks;
}

/** The lines of this file between `// README: begin` and `// README: end` (or `# ` for Python). */
export function markedRegion(source) {
  const lines = source.split("\n");
  const begin = lines.findIndex((line) => /^(\/\/|#) README: begin/.test(line));
  const end = lines.findIndex((line) => /^(\/\/|#) README: end/.test(line));
  if (begin < 0 || end < begin) throw new Error("no README: begin / README: end markers");
  return lines.slice(begin + 1, end).join("\n");
}

/** Whether two pieces of code are the same but for trailing whitespace and blank lines at the ends. */
export function sameCode(a, b) {
  const norm = (s) => s.split("\n").map((line) => line.trimEnd()).join("\n").trim();
  return norm(a) === norm(b);
}
