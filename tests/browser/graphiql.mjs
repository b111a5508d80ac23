// GraphiQL as an analyst meets it, in a real browser (Debian's Chromium, headless).
//
//   node graphiql.mjs <base-url> <token> <expired-token>
//
// Every request to another origin than the service is aborted and recorded, and the test
// fails if the page attempted one. So does a GraphQL request sent without a token, a
// Content-Security-Policy violation, or an uncaught error in the page.
// CHROMIUM overrides the browser (default /usr/bin/chromium); SCREENSHOT names a PNG file to
// take of GraphiQL with the query's result. On a failure a screenshot is written to the
// temporary folder. Exits 0 when every step passed.

import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, token, expiredToken] = process.argv.slice(2);
if (!base || !token || !expiredToken) {
  console.error("usage: node graphiql.mjs <base-url> <token> <expired-token>");
  process.exit(2);
}
const origin = new URL(base).origin;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 20_000;
const COMMAND = "Get one with cargo run -- token --role analyst.";

const external = [];
const graphqlRequests = [];
const cspViolations = [];
const pageErrors = [];

let stepCount = 0;
async function step(name, body) {
  stepCount += 1;
  const started = Date.now();
  process.stdout.write(`step ${stepCount}: ${name} ... `);
  await body();
  console.log(`ok (${Date.now() - started} ms)`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // Chromium's own background traffic (updates, sync, field trials) is switched off: the
  // machine running this may have no network, and only the page's requests matter here.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

let failed = false;
let page = null;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  await context.route("**/*", async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.origin !== origin) {
      external.push(`${request.method()} ${request.url()}`);
      await route.abort("blockedbyclient");
      return;
    }
    if (url.pathname === "/graphql" && request.method() !== "GET") {
      graphqlRequests.push({
        authorization: (await request.allHeaders()).authorization ?? null,
        body: request.postData() ?? "",
      });
    }
    await route.continue();
  });

  // Every Content-Security-Policy violation, on every page load.
  await context.exposeBinding("reportViolation", (_source, text) => cspViolations.push(text));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
    });
  });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(String(error)));

  const status = page.locator("#token-status");
  const tokenField = page.locator("#token");
  const isIntrospection = (response) =>
    new URL(response.url()).pathname === "/graphql" &&
    (response.request().postData() ?? "").includes("__schema");
  const schemaLoaded = () =>
    page.waitForResponse((r) => isIntrospection(r) && r.status() === 200);
  const editorValue = (selector) =>
    page.evaluate((s) => document.querySelector(`${s} .CodeMirror`)?.CodeMirror?.getValue(), selector);
  const useToken = async (value) => {
    await tokenField.fill(value);
    await page.getByRole("button", { name: "Use token" }).click();
  };

  await step(`open ${base}/graphql: the bar says a token is missing`, async () => {
    await page.goto(`${base}/graphql`, { waitUntil: "load" });
    check((await page.title()) === "Scheme Portfolio API", `title: ${await page.title()}`);
    await status.getByText("Token missing or expired: no token is set.").waitFor();
    check((await status.innerText()).includes(COMMAND), `bar: ${await status.innerText()}`);
    check((await tokenField.getAttribute("type")) === "password", "the token field shows the token");
  });

  await step("no GraphQL request goes out without a token", async () => {
    await page.waitForTimeout(1500);
    check(graphqlRequests.length === 0, `${graphqlRequests.length} GraphQL request(s) sent`);
    check((await page.locator(".graphiql-container").count()) === 0, "GraphiQL mounted without a token");
  });

  await step("enter the token: GraphiQL loads the schema with it", async () => {
    const loaded = schemaLoaded();
    await useToken(token);
    await loaded;
    await status.getByText("Token in use").waitFor();
    await page.locator(".graphiql-container").waitFor();
  });

  await step("the Docs explorer shows the root query type and its fields", async () => {
    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    const explorer = page.locator(".graphiql-doc-explorer");
    const root = explorer.locator("a.graphiql-doc-explorer-type-name", { hasText: /^(Query|QueryRoot)$/ });
    await root.first().waitFor();
    await root.first().click();
    await explorer.getByText("portfolioSummary", { exact: true }).first().waitFor();
  });

  await step("type a query in the editor, with autocompletion", async () => {
    await page.locator(".graphiql-query-editor .CodeMirror").click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.type("{ me { s", { delay: 30 });
    // Closing braces are inserted by the editor; the hint list offers the field.
    const hint = page.locator(".CodeMirror-hints li", { hasText: /^sub$/ });
    await hint.first().waitFor();
    await page.keyboard.press("Enter");
    await page.keyboard.type(" role", { delay: 30 });
    await page.keyboard.press("Escape");
    const query = (await editorValue(".graphiql-query-editor")) ?? "";
    check(
      query.replace(/\s+/g, "") === "{me{subrole}}",
      `the editor holds ${JSON.stringify(query)}`,
    );
  });

  await step("run it (Ctrl-Enter): the result pane shows the token's role", async () => {
    await page.locator(".graphiql-query-editor .CodeMirror").click();
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction(
      () => /"role":\s*"ANALYST"/i.test(
        document.querySelector(".graphiql-response .CodeMirror")?.CodeMirror?.getValue() ?? "",
      ),
      null,
      { timeout: TIMEOUT },
    );
    if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
  });

  await step("GraphiQL's settings dialog opens and closes", async () => {
    await page.getByRole("button", { name: "Open settings dialog" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Persist headers").waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  await step("reload: the token is still there and the schema loads again", async () => {
    const loaded = schemaLoaded();
    await page.reload({ waitUntil: "load" });
    await loaded;
    check((await tokenField.inputValue()) === token, "the token field is empty after a reload");
    await status.getByText("Token in use").waitFor();
  });

  await step("an expired token: the bar says so instead of 'Error fetching schema'", async () => {
    await useToken(expiredToken);
    await status.getByText("Token missing or expired: the token has expired.").waitFor();
    check((await status.innerText()).includes(COMMAND), `bar: ${await status.innerText()}`);
    await page.waitForTimeout(500);
    const text = await page.locator("body").innerText();
    check(!/Error fetching schema/i.test(text), "GraphiQL shows 'Error fetching schema'");
    check((await page.locator(".graphiql-container").count()) === 0, "GraphiQL stays mounted");
  });

  await step("a garbage token: the bar gives the server's reason", async () => {
    await useToken("not-a-token");
    await page.waitForFunction(
      () => /^Token missing or expired: (?!the token has expired).+\. Get one with/.test(
        document.querySelector("#token-status")?.innerText ?? "",
      ),
      null,
      { timeout: TIMEOUT },
    );
    console.log(`\n    bar: ${await status.innerText()}`);
  });

  await step("Clear forgets the token", async () => {
    await page.getByRole("button", { name: "Clear" }).click();
    await status.getByText("Token missing or expired: no token is set.").waitFor();
    const stored = await page.evaluate(() => window.localStorage.getItem("portfolio-api:token"));
    check(stored === null, `localStorage still holds ${stored}`);
  });

  await step("every GraphQL request carried a bearer token, and nothing else was asked for", async () => {
    const without = graphqlRequests.filter((r) => !/^Bearer \S+$/.test(r.authorization ?? ""));
    check(graphqlRequests.length > 0, "no GraphQL request was seen");
    check(without.length === 0, `${without.length} GraphQL request(s) without a bearer token`);
    check(external.length === 0, `requests to other origins: ${external.join(", ")}`);
    check(cspViolations.length === 0, `Content-Security-Policy violations: ${cspViolations.join(" | ")}`);
    check(pageErrors.length === 0, `errors in the page: ${pageErrors.join(" | ")}`);
  });
  console.log(`GRAPHIQL BROWSER TEST PASSED: ${stepCount} steps, ${graphqlRequests.length} GraphQL requests, none without a token, none to another origin`);
} catch (error) {
  failed = true;
  console.log("FAILED");
  console.error(`GRAPHIQL BROWSER TEST FAILED at step ${stepCount}: ${error.message}`);
  if (external.length) console.error(`requests to other origins: ${external.join(", ")}`);
  if (cspViolations.length) console.error(`Content-Security-Policy violations: ${cspViolations.join(" | ")}`);
  if (pageErrors.length) console.error(`errors in the page: ${pageErrors.join(" | ")}`);
  if (page) {
    const path = join(tmpdir(), "graphiql-browser-test-failure.png");
    await page.screenshot({ path }).then(
      () => console.error(`screenshot of the page: ${path}`),
      () => {},
    );
    const bar = await page.locator("#token-status").innerText({ timeout: 1000 }).catch(() => null);
    if (bar !== null) console.error(`token bar: ${bar}`);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
